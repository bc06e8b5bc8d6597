#include "pg_staged_export.hpp"

#include "pg_export_steps.hpp"
#include "pg_sql.hpp"
#include "pg_types.hpp"

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/export_input.hpp>
#include <mageio/sdk/partitions.hpp>
#include <mageio/sdk/random_suffix.hpp>

namespace mageio::postgres {
namespace {

constexpr const char* kStageKind = "stage";

// What a stage descriptor says: where the stage is and what finishing does with it.
struct Stage {
  Destination target;
  std::string name;  // the stage table, in target.schema
  std::string sql;   // quoted and qualified
  sdk::IfExists if_exists = sdk::IfExists::Fail;
  bool created_schema = false;  // begin created target.schema for it: drop it again when discarding
};

std::string text_of(sdk::IfExists mode) {
  switch (mode) {
    case sdk::IfExists::Fail: return "fail";
    case sdk::IfExists::Replace: return "replace";
    case sdk::IfExists::Append: return "append";
  }
  return "fail";
}

sdk::IfExists if_exists_of(const std::string& text) {
  if (text == "replace") return sdk::IfExists::Replace;
  if (text == "append") return sdk::IfExists::Append;
  if (text == "fail") return sdk::IfExists::Fail;
  throw sdk::invalid_argument("the stage descriptor has an unknown if_exists '" + text + "'");
}

std::string descriptor_of(const Stage& stage) {
  return sdk::PartitionDescriptor("postgres")
      .set("kind", kStageKind)
      .set("schema", stage.target.schema)
      .set("table", stage.target.table)
      .set("stage", stage.name)
      .set("if_exists", text_of(stage.if_exists))
      .set("created_schema", stage.created_schema ? 1 : 0)
      .text();
}

Stage parse_stage(const ConnectionPool& pool, const std::string& text) {
  auto descriptor = sdk::PartitionDescriptor::parse(text, "postgres");
  if (descriptor.string("kind") != kStageKind)
    throw sdk::invalid_argument("not a stage descriptor (a " + descriptor.string("kind") + " descriptor)");
  Stage stage;
  stage.target =
      destination_of(pool, sdk::Target{.table = descriptor.string("table"), .schema = descriptor.string("schema")});
  stage.name = descriptor.string("stage");
  stage.sql = qualified_name(stage.target.schema, stage.name);
  stage.if_exists = if_exists_of(descriptor.string("if_exists"));
  stage.created_schema = descriptor.integer("created_schema") != 0;
  return stage;
}

void require_stage(Connection& connection, const Stage& stage) {
  if (!relation_kind(connection, stage.target.schema, stage.name))
    throw sdk::not_found("the stage " + stage.target.schema + "." + stage.name + " of the export to " +
                         stage.target.described + " is gone (finished, or dropped by someone else)");
}

// A stage for rows appended to an existing table: each column in the target's type where the writers
// can encode it, else in the input's own type (the server casts it when finishing).
std::string append_stage_columns(Connection& connection, const Destination& target, const sdk::Schema& fields) {
  const std::vector<TableColumn> targets = match_columns(connection, target, fields);
  std::string definition;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (!definition.empty()) definition += ", ";
    const bool writable = encoding_for(fields[i].type, targets[i].base_oid).has_value();
    definition += quote_identifier(fields[i].name, "column") + " " +
                  (writable ? targets[i].type_text : pg_type_for(fields[i].type));
  }
  return definition;
}

void drop_stage(Connection& connection, const Stage& stage) {
  connection.exec("DROP TABLE IF EXISTS " + stage.sql, "cannot drop the stage " + stage.name);
  if (stage.created_schema) {
    try {
      // RESTRICT (the default): only while nothing else was put there meanwhile.
      connection.exec("DROP SCHEMA IF EXISTS " + quote_identifier(stage.target.schema, "schema"), "");
    } catch (const sdk::Error&) {
    }
  }
}

bool same_columns(const std::vector<TableColumn>& a, const std::vector<TableColumn>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].type_text != b[i].type_text) return false;
  return true;
}

// The stage becomes the target: renamed, made logged first if it was an append's UNLOGGED stage.
void rename_into_place(Connection& connection, const Stage& stage) {
  Result persistence = connection.exec_params("SELECT relpersistence FROM pg_catalog.pg_class WHERE oid = $1::regclass",
                                              {stage.sql}, stage.target.what);
  if (persistence && persistence.rows() == 1 && persistence.value(0, 0) == "u")
    connection.exec("ALTER TABLE " + stage.sql + " SET LOGGED", stage.target.what);
  connection.exec("ALTER TABLE " + stage.sql + " RENAME TO " + quote_identifier(stage.target.table, "table"),
                  stage.target.what);
}

// INSERT ... SELECT every stage column into the target column of the same name, cast where the types
// differ.
void insert_stage_rows(Connection& connection, const Stage& stage) {
  const auto staged = table_columns(connection, stage.target.schema, stage.name);
  const auto targets = table_columns(connection, stage.target.schema, stage.target.table);
  std::vector<std::string> names;
  std::string select_list;
  for (const auto& column : staged) {
    const TableColumn* target = nullptr;
    for (const auto& candidate : targets)
      if (candidate.name == column.name) target = &candidate;
    if (target == nullptr)
      throw sdk::not_found("column \"" + column.name + "\" is no longer in " + stage.target.described +
                           " (its columns: " + column_names(targets) + ")");
    names.push_back(column.name);
    const std::string quoted = quote_identifier(column.name, "column");
    select_list += (select_list.empty() ? "" : ", ") + quoted +
                   (column.type_text == target->type_text ? "" : "::" + target->type_text);
  }
  connection.exec("INSERT INTO " + stage.target.target + " (" + identifier_list(names) + ") SELECT " + select_list +
                      " FROM " + stage.sql,
                  stage.target.what);
}

void put_in_place(Connection& connection, const Stage& stage) {
  const Destination& d = stage.target;
  const auto kind = relation_kind(connection, d.schema, d.table);
  if (kind && *kind != 'r' && *kind != 'p')
    throw sdk::invalid_argument(d.described + " is not a table (relkind '" + std::string(1, *kind) +
                                "'); export writes to tables");
  if (!kind) return rename_into_place(connection, stage);
  switch (stage.if_exists) {
    case sdk::IfExists::Fail: throw sdk::already_exists("table " + d.described + " already exists (if_exists is fail)");
    case sdk::IfExists::Append: return insert_stage_rows(connection, stage);
    case sdk::IfExists::Replace:
      if (same_columns(table_columns(connection, d.schema, d.table), table_columns(connection, d.schema, stage.name))) {
        // Same shape: keep the table (grants, indexes, constraints, dependent views), as export does.
        connection.exec("TRUNCATE TABLE " + d.target, d.what);
        return insert_stage_rows(connection, stage);
      }
      connection.exec("DROP TABLE " + d.target, d.what);
      return rename_into_place(connection, stage);
  }
}

int64_t staged_rows(Connection& connection, const Stage& stage) {
  Result count = connection.exec("SELECT count(*) FROM " + stage.sql, stage.target.what);
  return std::stoll(count.value(0, 0));
}

// Whether finishing would copy the stage's rows into the existing table instead of renaming the stage.
bool rows_would_be_written_twice(Connection& connection, const Destination& d, const sdk::ExportRequest& request,
                                 const sdk::Schema& fields) {
  if (request.if_exists == sdk::IfExists::Append) return true;
  return request.if_exists == sdk::IfExists::Replace &&
         has_shape_of(table_columns(connection, d.schema, d.table), fields);
}

}  // namespace

std::string begin_stage(ConnectionPool& pool, const sdk::StageRequest& stage_request, const sdk::Schema& fields) {
  const sdk::ExportRequest& request = stage_request.export_request;
  request.options.finish();
  Stage stage;
  stage.target = destination_of(pool, request.target);
  stage.if_exists = request.if_exists;
  const Destination& d = stage.target;
  sdk::check_export_input(fields, {}, d.described);
  for (const auto& field : fields) quote_identifier(field.name, "column");  // validates

  auto lease = pool.acquire();
  Connection& connection = *lease;
  connection.host().check_cancelled();
  stage.name = "mageio_stage_" + std::to_string(connection.backend_pid()) + "_" + sdk::random_suffix();
  stage.sql = qualified_name(d.schema, stage.name);
  Transaction transaction(connection, d.what);
  const auto kind = relation_kind(connection, d.schema, d.table);
  if (kind && request.if_exists == sdk::IfExists::Fail)
    throw sdk::already_exists("table " + d.described + " already exists (if_exists is fail)");
  if (kind && stage_request.one_writer_possible && rows_would_be_written_twice(connection, d, request, fields))
    throw sdk::not_implemented("a stage would write every row twice into the existing " + d.described +
                               ": one writer is faster");
  if (kind && request.if_exists == sdk::IfExists::Append) {
    connection.exec("CREATE UNLOGGED TABLE " + stage.sql + " (" + append_stage_columns(connection, d, fields) + ")",
                    d.what);
  } else {
    stage.created_schema = !schema_exists(connection, d.schema);
    Destination table = d;
    table.table = stage.name;
    table.target = stage.sql;
    create_table(connection, table, fields, {});
  }
  transaction.commit();
  return descriptor_of(stage);
}

int64_t write_stage(ConnectionPool& pool, const std::string& descriptor, sdk::StreamReader& input) {
  const Stage stage = parse_stage(pool, descriptor);
  const std::string& what = stage.target.what;
  auto lease = pool.acquire();
  Connection& connection = *lease;
  connection.host().check_cancelled();
  Transaction transaction(connection, what);
  require_stage(connection, stage);
  const auto columns = table_columns(connection, stage.target.schema, stage.name);
  const sdk::Schema& fields = input.schema();
  std::vector<std::string> names;
  std::vector<EncodePlan> plan;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i >= columns.size() || columns[i].name != fields[i].name)
      throw sdk::invalid_argument("the rows' columns (" + std::to_string(fields.size()) +
                                  ") are not the stage's: " + column_names(columns));
    auto encode = encoding_for(fields[i].type, columns[i].base_oid);
    if (!encode)
      throw sdk::invalid_argument("column \"" + fields[i].name + "\" (" + fields[i].type.name() +
                                  ") cannot be written into the stage's " + columns[i].type_text);
    names.push_back(fields[i].name);
    plan.push_back(EncodePlan{fields[i].name, fields[i].type, *encode});
  }
  if (fields.size() != columns.size())
    throw sdk::invalid_argument("the rows have " + std::to_string(fields.size()) + " columns, the stage " +
                                std::to_string(columns.size()) + " (" + column_names(columns) + ")");
  const int64_t rows = copy_in(connection, stage.sql, names, std::move(plan), input, what);
  connection.check_cancelled();
  transaction.commit();
  return rows;
}

int64_t finish_stage(ConnectionPool& pool, const std::string& descriptor, bool commit, int64_t expected_rows) {
  const Stage stage = parse_stage(pool, descriptor);
  auto lease = pool.acquire();
  Connection& connection = *lease;
  if (!commit) {
    Connection::CleanupScope cleanup(connection);  // also after the host asked to stop
    drop_stage(connection, stage);
    return 0;
  }
  try {
    Transaction transaction(connection, stage.target.what);
    lock_name(connection, "export", stage.target.target, stage.target.what);
    require_stage(connection, stage);
    const int64_t rows = staged_rows(connection, stage);
    if (expected_rows >= 0 && rows != expected_rows)
      throw sdk::invalid_argument("the stage holds " + std::to_string(rows) + " rows but the writers wrote " +
                                  std::to_string(expected_rows) + " (did a writer run twice?)");
    put_in_place(connection, stage);
    connection.exec("DROP TABLE IF EXISTS " + stage.sql, stage.target.what);
    transaction.commit();
    return rows;
  } catch (...) {
    // The transaction rolled back: the target is as it was. The stage goes too.
    try {
      Connection::CleanupScope cleanup(connection);
      drop_stage(connection, stage);
    } catch (...) {
    }
    throw;
  }
}

}  // namespace mageio::postgres
