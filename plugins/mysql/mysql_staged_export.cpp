#include "mysql_staged_export.hpp"

#include "mysql_catalog.hpp"
#include "mysql_encode.hpp"
#include "mysql_export.hpp"
#include "mysql_export_steps.hpp"
#include "mysql_side_tables.hpp"
#include "mysql_sql.hpp"
#include "mysql_types.hpp"

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/export_input.hpp>
#include <mageio/sdk/partitions.hpp>

namespace mageio::mysql {
namespace {

constexpr const char* kStageKind = "stage";

// What a stage descriptor says.
struct Stage {
  std::string schema;
  std::string table;
  std::string name;  // the stage table, in `schema`
  sdk::IfExists if_exists = sdk::IfExists::Fail;
  std::string method;  // the export option "method", for every writer
  std::string described() const { return schema + "." + table; }
  std::string context() const { return "export to " + described() + " failed"; }
};

const char* text_of(sdk::IfExists mode) {
  switch (mode) {
    case sdk::IfExists::Fail: return "fail";
    case sdk::IfExists::Replace: return "replace";
    case sdk::IfExists::Append: return "append";
  }
  return "fail";
}

std::string descriptor_of(const Stage& stage) {
  return sdk::PartitionDescriptor("mysql")
      .set("kind", kStageKind)
      .set("schema", stage.schema)
      .set("table", stage.table)
      .set("stage", stage.name)
      .set("if_exists", text_of(stage.if_exists))
      .set("method", stage.method)
      .text();
}

Stage parse_stage(const std::string& text) {
  auto descriptor = sdk::PartitionDescriptor::parse(text, "mysql");
  if (descriptor.string("kind") != kStageKind)
    throw sdk::invalid_argument("not a stage descriptor (a " + descriptor.string("kind") + " descriptor)");
  Stage stage;
  stage.schema = descriptor.string("schema");
  stage.table = descriptor.string("table");
  stage.name = descriptor.string("stage");
  stage.if_exists = sdk::parse_if_exists(descriptor.string("if_exists"));
  stage.method = descriptor.string("method");
  return stage;
}

TableInfo require_stage(Session& session, const Stage& stage) {
  auto info = describe_table(session, stage.schema, stage.name);
  if (!info)
    throw sdk::not_found("the stage " + stage.schema + "." + stage.name + " of the export to " + stage.described() +
                         " is gone (finished, or dropped by someone else)");
  return *info;
}

int64_t staged_rows(Session& session, const Stage& stage) {
  auto rows = session.query("SELECT COUNT(*) FROM " + qualified_name(stage.schema, stage.name), {}, stage.context());
  return rows.empty() || !rows[0][0] ? 0 : std::stoll(*rows[0][0]);
}

// The staged rows become the target's, as the begin request said.
void put_in_place(Session& session, const Stage& stage, const Plan& staged) {
  const std::string target = qualified_name(stage.schema, stage.table);
  auto existing = describe_table(session, stage.schema, stage.table, false);
  if (!existing) {
    session.run("RENAME TABLE " + staged.qualified + " TO " + target, stage.context() + " (creating the table)");
    return;
  }
  switch (stage.if_exists) {
    case sdk::IfExists::Fail:
      throw sdk::already_exists("table " + stage.described() + " already exists (if_exists is fail)");
    case sdk::IfExists::Replace:
      if (existing->is_view)
        throw sdk::invalid_argument(stage.described() + " is a view; replace only replaces tables");
      swap_in(session, staged, stage.schema, qualified_name(stage.schema, existing->name), stage.table,
              stage.described());
      return;
    case sdk::IfExists::Append: {
      append_staged_rows(session, staged, stage.schema, stage.table, sdk::ExportRequest{}, stage.described());
      run_quietly(session, "DROP TABLE IF EXISTS " + staged.qualified);
      return;
    }
  }
}

}  // namespace

std::string begin_stage(const std::shared_ptr<Session>& session_ptr, const sdk::StageRequest& stage_request,
                        const sdk::Schema& fields) {
  Session& session = *session_ptr;
  const sdk::ExportRequest& request = stage_request.export_request;
  const sdk::Target& target = request.target;
  if (target.is_path()) throw sdk::invalid_argument("export writes to a table, not a path ('" + target.path + "')");
  if (target.table.empty()) throw sdk::invalid_argument("export needs a table");
  Stage stage;
  stage.method = request.options.get_string("method").value_or("auto");
  read_method(request.options);  // validates
  request.options.finish();
  sdk::check_export_input(fields, {}, target.describe(), {same_column, "MySQL column names ignore case"});
  ValueWriter check_types(fields, true);  // NOT_IMPLEMENTED for a type MySQL cannot hold, before any change

  session.begin("export");
  stage.schema = resolve_schema(session, target, "cannot export to");
  stage.table = target.table;
  stage.if_exists = request.if_exists;
  auto existing = describe_table(session, stage.schema, target.table, false);
  if (existing && request.if_exists == sdk::IfExists::Fail)
    throw sdk::already_exists("table " + stage.described() + " already exists (if_exists is fail)");
  if (existing && existing->is_view && request.if_exists == sdk::IfExists::Replace)
    throw sdk::invalid_argument(stage.described() + " is a view; replace only replaces tables");
  // Measured (bench/run.sh, 2M rows, MariaDB 10.11, 2 cores): four LOAD DATA writers into one stage took
  // 1.32x the wall time and 1.45x the server CPU of one writer (the writers contend for the table's
  // B-tree and the redo log), and append would write every row twice. So a host that can use one
  // writer is told to; hosts that cannot (writers in other processes) still get the stage.
  if (stage_request.one_writer_possible)
    throw sdk::not_implemented(
        "parallel writers into one MariaDB/MySQL table are slower than one LOAD DATA "
        "stream: one writer is faster");
  drop_stale_side_tables(session, stage.schema, target.table);
  hold_export_lock(session);  // held while this connection lives: the stage is not stale meanwhile
  stage.name = side_table_name(target.table, "stage", session.server().connection_id);
  session.run(create_table_sql(qualified_name(stage.schema, stage.name), fields, {},
                               exact_text_collation(session.server().mariadb)),
              "cannot export to " + stage.described() + ": creating the staging table " + stage.name + " failed");
  return descriptor_of(stage);
}

int64_t write_stage(const std::shared_ptr<Session>& session_ptr, const std::string& descriptor,
                    sdk::StreamReader& input) {
  Session& session = *session_ptr;
  const Stage stage = parse_stage(descriptor);
  Plan plan;
  plan.schema = input.schema();
  plan.context = stage.context();
  plan.backslash_escapes = session.backslash_escapes();
  sdk::Options options = sdk::Options::from_json("{\"method\":\"" + stage.method + "\"}");
  const Method method = read_method(options);
  session.begin("export");
  const TableInfo info = require_stage(session, stage);
  plan_append(session, plan, info, sdk::ExportRequest{}, stage.described() + " (its stage " + stage.name + ")");
  plan.method = chosen_method(session, method, false);
  plan.chosen_automatically = method == Method::Auto;
  std::unique_ptr<LoadConnection> loaded;
  return in_transaction(
      session, plan.context,
      [&] {
        ExportWriter writer(session, plan, input, loaded);
        return writer.write();
      },
      &loaded);
}

int64_t finish_stage(const std::shared_ptr<Session>& session_ptr, const std::string& descriptor, bool commit,
                     int64_t expected_rows) {
  Session& session = *session_ptr;
  const Stage stage = parse_stage(descriptor);
  Plan staged;
  staged.qualified = qualified_name(stage.schema, stage.name);
  staged.context = stage.context();
  session.begin("export");
  if (!commit) {
    session.run("DROP TABLE IF EXISTS " + staged.qualified, "dropping the stage " + stage.name);
    return 0;
  }
  try {
    const TableInfo info = require_stage(session, stage);
    for (const auto& column : info.columns) {
      staged.columns.push_back(column.name);
      staged.schema.push_back(sdk::Field{column.name, sdk::utf8()});  // names only: INSERT ... SELECT maps them
    }
    const int64_t rows = staged_rows(session, stage);
    if (expected_rows >= 0 && rows != expected_rows)
      throw sdk::invalid_argument("the stage holds " + std::to_string(rows) + " rows but the writers wrote " +
                                  std::to_string(expected_rows) + " (did a writer run twice?)");
    put_in_place(session, stage, staged);
    return rows;
  } catch (...) {
    run_quietly(session, "DROP TABLE IF EXISTS " + staged.qualified, true);
    throw;
  }
}

}  // namespace mageio::mysql
