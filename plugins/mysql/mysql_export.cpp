#include "mysql_export.hpp"

#include "mysql_catalog.hpp"
#include "mysql_encode.hpp"
#include "mysql_export_steps.hpp"
#include "mysql_export_writer.hpp"
#include "mysql_infile.hpp"
#include "mysql_side_tables.hpp"
#include "mysql_sql.hpp"
#include "mysql_types.hpp"

#include <cppconn/statement.h>
#include <cppconn/warning.h>
#include <mageio/sdk/export_input.hpp>
#include <mageio/sdk/random_suffix.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <optional>

namespace mageio::mysql {

// Cleanup after a failure. When the connection itself is gone, the server has already rolled back, and a
// DROP of a staging table is retried by the next operation (after it reconnects).
void run_quietly(Session& session, const std::string& sql, bool retry_later) {
  try {
    session.run(sql, "cleanup");
  } catch (const std::exception& e) {
    session.host().debug(std::string("cleanup statement failed: ") + sql + ": " + e.what());
    if (retry_later) session.defer_cleanup(sql);
  }
}

// START TRANSACTION ... COMMIT around `body`; ROLLBACK on any failure. When `body` left rows in the open
// transaction of a LOAD DATA connection (`loaded`), that is committed last, once everything else succeeded;
// on failure it is rolled back (its destructor) before the caller cleans up.
int64_t in_transaction(Session& session, const std::string& context, const std::function<int64_t()>& body,
                       std::unique_ptr<LoadConnection>* loaded) {
  session.run("START TRANSACTION", context);
  try {
    int64_t rows = body();
    session.host().check_cancelled();
    session.run("COMMIT", context);
    if (loaded != nullptr && *loaded) {
      try {
        (*loaded)->commit();
      } catch (const ClientError& e) {
        throw translate(e.code, e.state, e.message, context + " (committing the LOAD DATA)", Phase::Run,
                        session.host().cancelled(), session.settings().password);
      }
      loaded->reset();
    }
    return rows;
  } catch (...) {
    if (loaded != nullptr) loaded->reset();
    run_quietly(session, "ROLLBACK");
    throw;
  }
}

Method read_method(const sdk::Options& options) {
  auto method = options.get_string("method");
  if (!method || *method == "auto") return Method::Auto;
  if (*method == "load_data") return Method::LoadData;
  if (*method == "insert") return Method::Insert;
  throw sdk::invalid_argument("option method must be \"auto\", \"load_data\" or \"insert\", not \"" + *method + "\"");
}

// Maps the input's columns onto an existing table's (by name, ignoring case) and, for an upsert, checks that
// the table has a unique index on exactly the constraint columns. Fills plan.qualified/columns/
// load_data_set/unique.
void plan_append(Session& session, Plan& plan, const TableInfo& table, const sdk::ExportRequest& request,
                 const std::string& described) {
  const bool upsert = !request.unique_constraints.empty();
  plan.columns.clear();
  plan.unique.clear();
  plan.qualified = qualified_name(table.schema, table.name);
  plan.load_data_set.assign(plan.schema.size(), "");
  for (size_t i = 0; i < plan.schema.size(); ++i) {
    auto found = std::find_if(table.columns.begin(), table.columns.end(),
                              [&](const ColumnInfo& c) { return same_column(c.name, plan.schema[i].name); });
    if (found == table.columns.end()) {
      std::string names;
      for (const auto& c : table.columns) names += (names.empty() ? "" : ", ") + c.name;
      throw sdk::invalid_argument("cannot append to " + described + ": input column \"" + plan.schema[i].name +
                                  "\" is not in the table (its columns: " + names + ")");
    }
    plan.columns.push_back(found->name);
    // LOAD DATA ... CHARACTER SET binary hands BIT columns the digits' bytes and MySQL 8 refuses JSON from
    // binary strings: read those through a variable.
    const std::string var = "@mageio_v" + std::to_string(i);
    if (found->data_type == "bit")
      plan.load_data_set[i] = "CAST(" + var + " AS UNSIGNED)";
    else if (found->data_type == "json")
      plan.load_data_set[i] = "CONVERT(" + var + " USING utf8mb4)";
  }
  if (upsert) {
    for (const auto& key : request.unique_constraints) {
      auto found = std::find_if(table.columns.begin(), table.columns.end(),
                                [&](const ColumnInfo& c) { return same_column(c.name, key); });
      plan.unique.push_back(found == table.columns.end() ? key : found->name);
    }
    bool has_key = false;
    for (const auto& index : unique_keys(session, table.schema, table.name)) {
      if (index.size() != plan.unique.size()) continue;
      has_key = std::all_of(plan.unique.begin(), plan.unique.end(), [&](const std::string& key) {
        return std::any_of(index.begin(), index.end(), [&](const std::string& c) { return same_column(c, key); });
      });
      if (has_key) break;
    }
    if (!has_key) {
      std::string keys;
      for (const auto& key : plan.unique) keys += (keys.empty() ? "" : ", ") + quote_identifier(key);
      throw sdk::invalid_argument("cannot upsert into " + described +
                                  ": it has no PRIMARY KEY or UNIQUE index on "
                                  "exactly (" +
                                  keys +
                                  "), so ON DUPLICATE KEY UPDATE would never fire and rows would be "
                                  "duplicated; add one first: ALTER TABLE " +
                                  plan.qualified + " ADD UNIQUE KEY (" + keys + ")");
    }
  }
}

namespace {

constexpr int kPublishAttempts = 5;

// Runs one data-changing statement with warnings as errors (as every export statement).
int64_t run_strict(Session& session, const std::string& sql, const std::string& context) {
  std::unique_ptr<sql::Statement> statement = session.statement();
  try {
    Session::Watch watch(session);
    statement->execute(sql);
    check_warnings(session, statement->getWarnings(), context);
    return static_cast<int64_t>(statement->getUpdateCount());
  } catch (const sql::SQLException& e) {
    throw session.error(e, context);
  }
}

}  // namespace

// The target appeared after we looked (another export created it): copy the staged rows into it in one
// transaction, mapped by column name, with the same upsert rules as an append. Throws kNoSuchTable's
// error when the table is gone again.
void append_staged_rows(Session& session, const Plan& staged, const std::string& schema, const std::string& table,
                        const sdk::ExportRequest& request, const std::string& described) {
  auto info = describe_table(session, schema, table);
  if (!info)
    throw sdk::Error(MAGEIO_STATUS_NOT_FOUND, described + " disappeared while appending", "42S02", kNoSuchTable);
  Plan append = staged;
  plan_append(session, append, *info, request, described);
  std::string target_columns, stage_columns;
  for (size_t i = 0; i < append.columns.size(); ++i) {
    target_columns += (i > 0 ? ", " : "") + quote_identifier(append.columns[i]);
    stage_columns += (i > 0 ? ", " : "") + quote_identifier(staged.columns[i]);
  }
  const std::string sql = "INSERT INTO " + append.qualified + " (" + target_columns + ") SELECT " + stage_columns +
                          " FROM " + staged.qualified + upsert_clause(append);
  in_transaction(session, staged.context, [&] {
    return run_strict(session, sql, staged.context + " (appending to the table another export created meanwhile)");
  });
}

// Replaces the target with the filled staging table in one atomic RENAME, then drops the old copy.
void swap_in(Session& session, const Plan& plan, const std::string& schema, const std::string& qualified_target,
             const std::string& table, const std::string& described) {
  const std::string old = side_table_name(table, "old", session.server().connection_id);
  session.run("RENAME TABLE " + qualified_target + " TO " + qualified_name(schema, old) + ", " + plan.qualified +
                  " TO " + qualified_target,
              plan.context + " (swapping the new table in)");
  try {
    session.run("DROP TABLE " + qualified_name(schema, old), "dropping the replaced table");
  } catch (const sdk::Error& e) {
    session.host().warning(described + " was replaced, but its old copy " + schema + "." + old +
                           " could not be dropped: " + e.what());
  }
}

Method chosen_method(Session& session, Method method, bool upsert) {
  const bool local_infile = session.settings().allow_local_infile && session.server().local_infile;
  if (method == Method::LoadData && !local_infile)
    throw sdk::invalid_argument(
        "method load_data needs LOAD DATA LOCAL INFILE: set MYSQL_ALLOW_LOCAL_INFILE: true, and the server's "
        "local_infile must be ON (it is " +
        std::string(session.server().local_infile ? "ON" : "OFF") + ")");
  if (method == Method::LoadData && upsert)
    throw sdk::invalid_argument("method load_data cannot upsert (LOAD DATA has no ON DUPLICATE KEY UPDATE)");
  return method == Method::Auto ? (local_infile && !upsert ? Method::LoadData : Method::Insert) : method;
}

std::string create_table_sql(const std::string& qualified, const sdk::Schema& schema,
                             const std::vector<std::string>& unique_columns, std::string_view key_text_collation) {
  auto is_key = [&](const std::string& name) {
    return std::any_of(unique_columns.begin(), unique_columns.end(),
                       [&](const auto& key) { return same_column(key, name); });
  };
  // Split InnoDB's index budget between the variable-width key columns.
  int fixed = 0, variable = 0;
  for (const auto& field : schema) {
    if (!is_key(field.name)) continue;
    if (variable_width(field.type))
      ++variable;
    else
      fixed += key_bytes(field.type);
  }
  const int budget = variable > 0 ? (kMaxKeyBytes - fixed) / variable : 0;
  if (variable > 0 && budget < 4)
    throw sdk::invalid_argument("the unique key columns do not fit InnoDB's 3072-byte index limit");

  std::string sql = "CREATE TABLE " + qualified + " (";
  for (size_t i = 0; i < schema.size(); ++i) {
    const auto& field = schema[i];
    sql += i > 0 ? ",\n  " : "\n  ";
    sql += quote_identifier(field.name) + " ";
    const bool sized_key = is_key(field.name) && variable_width(field.type);
    sql += sql_type(field.type, sized_key ? std::optional<KeyColumn>({budget, key_text_collation}) : std::nullopt);
    sql += field.nullable ? " NULL" : " NOT NULL";
  }
  if (!unique_columns.empty()) {
    sql += ",\n  UNIQUE KEY `mageio_unique_key` (";
    for (size_t i = 0; i < unique_columns.size(); ++i) sql += (i > 0 ? ", " : "") + quote_identifier(unique_columns[i]);
    sql += ")";
  }
  sql += "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  return sql;
}

int64_t export_rows(const std::shared_ptr<Session>& session_ptr, sdk::ExportRequest request, sdk::StreamReader& input) {
  Session& session = *session_ptr;
  const sdk::Target& target = request.target;
  if (target.is_path()) throw sdk::invalid_argument("export writes to a table, not a path ('" + target.path + "')");
  if (target.table.empty()) throw sdk::invalid_argument("export needs a table");
  Method method = read_method(request.options);
  request.options.finish();

  Plan plan;
  plan.schema = input.schema();
  sdk::check_export_input(plan.schema, request.unique_constraints, target.describe(),
                          {same_column, "MySQL column names ignore case"});
  ValueWriter check_types(plan.schema, true);  // NOT_IMPLEMENTED for a type MySQL cannot hold, before any change

  session.begin("export");
  const std::string schema = resolve_schema(session, target, "cannot export to");
  const std::string described = schema + "." + target.table;
  plan.context = "export to " + described + " failed";
  auto existing = describe_table(session, schema, target.table);
  const bool upsert = !request.unique_constraints.empty();
  plan.conflict = request.conflict_method;
  plan.backslash_escapes = session.backslash_escapes();

  if (existing && request.if_exists == sdk::IfExists::Fail)
    throw sdk::already_exists("table " + described + " already exists (if_exists is fail)");
  if (existing && existing->is_view && request.if_exists == sdk::IfExists::Replace)
    throw sdk::invalid_argument(described + " is a view; replace only replaces tables");

  plan.method = chosen_method(session, method, upsert);
  plan.chosen_automatically = method == Method::Auto;

  std::unique_ptr<LoadConnection> loaded;  // a LOAD DATA's connection, its rows not yet committed
  auto writer_rows = [&] {
    ExportWriter writer(session, plan, input, loaded);
    return writer.write();
  };

  // Whatever this export does, it first clears what killed exports to this target left behind (and the pipe
  // directories of earlier versions).
  drop_stale_side_tables(session, schema, target.table);
  remove_stale_pipe_directories();

  const bool create = !existing || request.if_exists == sdk::IfExists::Replace;
  if (!create) {
    // Append / upsert into the existing table.
    plan_append(session, plan, *existing, request, described);
    return in_transaction(session, plan.context, writer_rows, &loaded);
  }

  // A new table (or a replacement): build it aside, fill it, swap it in.
  for (const auto& field : plan.schema) plan.columns.push_back(field.name);
  for (const auto& key : request.unique_constraints) {
    auto found =
        std::find_if(plan.schema.begin(), plan.schema.end(), [&](const auto& f) { return same_column(f.name, key); });
    plan.unique.push_back(found->name);
  }
  hold_export_lock(session);
  const std::string stage = side_table_name(target.table, "stage", session.server().connection_id);
  const std::string qualified_target = qualified_name(schema, existing ? existing->name : target.table);
  plan.qualified = qualified_name(schema, stage);
  session.run(
      create_table_sql(plan.qualified, plan.schema, plan.unique, exact_text_collation(session.server().mariadb)),
      "cannot export to " + described + ": creating the staging table " + stage + " failed");
  try {
    const int64_t rows = in_transaction(session, plan.context, writer_rows, &loaded);
    session.host().check_cancelled();
    // Another export may create or replace the target between our look at it and our RENAME (two exports
    // into a missing table at once). RENAME is atomic, so each attempt either moves the stage in or finds the
    // table in the way (1050) or gone (1146), and the next attempt acts on what is there now.
    bool target_there = existing.has_value();
    for (int attempt = 1;; ++attempt) {
      try {
        if (!target_there) {
          session.run("RENAME TABLE " + plan.qualified + " TO " + qualified_target,
                      plan.context + " (creating the table)");
        } else if (request.if_exists == sdk::IfExists::Append) {
          // Created by another export meanwhile: add the staged rows to it, as append would have.
          append_staged_rows(session, plan, schema, target.table, request, described);
          run_quietly(session, "DROP TABLE IF EXISTS " + plan.qualified);
        } else if (request.if_exists == sdk::IfExists::Replace) {
          swap_in(session, plan, schema, qualified_target, target.table, described);
        } else {
          throw sdk::already_exists("table " + described + " already exists (if_exists is fail)");
        }
        break;
      } catch (const sdk::Error& e) {
        const bool in_the_way = e.vendor_code() == kTableExists, gone = e.vendor_code() == kNoSuchTable;
        if (attempt >= kPublishAttempts || !(in_the_way || gone)) throw;
        target_there = in_the_way;
      }
    }
    return rows;
  } catch (...) {
    run_quietly(session, "DROP TABLE IF EXISTS " + plan.qualified, true);
    throw;
  }
}

}  // namespace mageio::mysql
