#include "pg_export.hpp"

#include "copy_binary_writer.hpp"
#include "pg_catalog.hpp"
#include "pg_export_steps.hpp"
#include "pg_sql.hpp"
#include "pg_types.hpp"

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/export_input.hpp>
#include <mageio/sdk/random_suffix.hpp>

#include <set>

namespace mageio::postgres {
namespace {

// A column name not among `taken`.
std::string unused_name(const std::string& base, const std::set<std::string>& taken) {
  std::string name = base;
  for (int i = 2; taken.count(name) > 0; ++i) name = base + std::to_string(i);
  return name;
}

}  // namespace

// COPY the whole input into `table` (an SQL name) through the binary writer. On any failure the COPY is
// ended with an error (so the server discards it) and the error is rethrown; the caller's transaction
// then rolls back.
int64_t copy_in(Connection& connection, const std::string& table_sql, const std::vector<std::string>& names,
                std::vector<EncodePlan> plan, sdk::StreamReader& input, const std::string& what) {
  connection.start_copy("COPY " + table_sql + " (" + identifier_list(names) + ") FROM STDIN (FORMAT binary)",
                        PGRES_COPY_IN, what);
  CopyBinaryWriter writer(connection, std::move(plan));
  const sdk::Host& host = connection.host();
  try {
    writer.begin();
    sdk::OwnedArray batch;
    while (input.next(batch)) {
      if (host.cancelled()) throw sdk::cancelled_error();
      sdk::BatchView view(batch.array, input.schema());  // validates the layout the writer reads raw
      writer.write(batch.array);
      batch.reset();
      host.progress(writer.rows(), writer.bytes_sent(), -1);
    }
    if (host.cancelled()) throw sdk::cancelled_error();
    writer.end();
    connection.finish_command(what);  // the server's verdict: constraint violations, bad values ...
  } catch (const std::exception& error) {
    writer.abort(std::string("export aborted: ") + error.what());
    Connection::CleanupScope cleanup(connection);
    try {
      connection.finish_command(what);
    } catch (...) {
      // The COPY's own failure ("COPY from stdin failed: export aborted ...") is expected here.
    }
    throw;
  }
  return writer.rows();
}

// Makes "does `name` exist? then create it" atomic among concurrent exports. Two exports that both see
// a table missing would both CREATE it; the second CREATE waits for the first transaction and then fails
// on the catalog's unique index (23505 on pg_type_typname_nsp_index, or 42P07) -- even in append mode.
// A transaction-level advisory lock keyed on the quoted qualified name, taken before the (re-)check,
// makes the second export wait until the first has committed (or rolled back) and then see its table.
// Chosen over the alternatives because: CREATE TABLE IF NOT EXISTS is not race-free either (it can fail
// the same way) and would still need a column check; retrying on 23505/42P07 needs a savepoint per
// attempt and cannot tell our race from a real conflict. The lock is released at COMMIT/ROLLBACK (at the
// end of the user's transaction when the export runs inside one). Only exports that may create or
// drop take it: appends into an existing table run side by side as before. A hash collision between two
// names only serializes two exports needlessly.
void lock_name(Connection& connection, const std::string& purpose, const std::string& quoted_name,
               const std::string& what) {
  connection.exec_params("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                         {"mageio " + purpose + " " + quoted_name}, what);
}

bool has_shape_of(const std::vector<TableColumn>& columns, const sdk::Schema& fields) {
  if (columns.size() != fields.size()) return false;
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name != fields[i].name || columns[i].type_text != pg_type_for(fields[i].type)) return false;
  return true;
}

Destination destination_of(const ConnectionPool& pool, const sdk::Target& target) {
  if (target.is_path()) throw sdk::invalid_argument("postgres exports to tables, not paths");
  if (target.table.empty()) throw sdk::invalid_argument("give the table to export to");
  Destination d;
  d.schema = target.schema.empty() ? pool.settings().default_schema : target.schema;
  d.table = target.table;
  d.target = qualified_name(d.schema, d.table);
  d.described = d.schema + "." + d.table;
  d.what = "export to " + d.described + " failed";
  return d;
}

namespace {

// Applies if_exists to an existing table (fail, keep for append, truncate or drop for replace) under the
// export lock; returns whether the table must be created.
bool settle_existing_table(Connection& connection, const Destination& d, sdk::IfExists if_exists,
                           const sdk::Schema& fields) {
  auto kind = relation_kind(connection, d.schema, d.table);
  if (!kind || if_exists != sdk::IfExists::Append) {
    lock_name(connection, "export", d.target, d.what);
    kind = relation_kind(connection, d.schema, d.table);  // what a concurrent export committed meanwhile
  }
  if (!kind) return true;
  if (*kind != 'r' && *kind != 'p')
    throw sdk::invalid_argument(d.described + " is not a table (relkind '" + std::string(1, *kind) +
                                "'); export writes to tables");
  switch (if_exists) {
    case sdk::IfExists::Fail: throw sdk::already_exists("table " + d.described + " already exists (if_exists is fail)");
    case sdk::IfExists::Append: return false;
    case sdk::IfExists::Replace: {
      if (has_shape_of(table_columns(connection, d.schema, d.table), fields)) {
        // Same shape: keep the table (grants, indexes, constraints, dependent views) and its rows go.
        connection.exec("TRUNCATE TABLE " + d.target, d.what);
        return false;
      }
      connection.exec("DROP TABLE " + d.target, d.what);
      return true;
    }
  }
  return false;
}

}  // namespace

// Creates the table (and its schema, and the unique index an upsert needs) for the input's columns.
void create_table(Connection& connection, const Destination& d, const sdk::Schema& fields,
                  const std::vector<std::string>& keys) {
  // Two exports to different tables of a new schema would race on it like on a table (see lock_name).
  if (!schema_exists(connection, d.schema))
    lock_name(connection, "schema", quote_identifier(d.schema, "schema"), d.what);
  if (!schema_exists(connection, d.schema))
    connection.exec("CREATE SCHEMA " + quote_identifier(d.schema, "schema"), d.what);
  std::string definition;
  for (const auto& field : fields) {
    if (!definition.empty()) definition += ", ";
    definition += quote_identifier(field.name, "column") + " " + pg_type_for(field.type);
    if (!field.nullable) definition += " NOT NULL";
  }
  connection.exec("CREATE TABLE " + d.target + " (" + definition + ")", d.what);
  if (!keys.empty()) connection.exec("CREATE UNIQUE INDEX ON " + d.target + " (" + identifier_list(keys) + ")", d.what);
}

// The target column of every input column, in input order.
std::vector<TableColumn> match_columns(Connection& connection, const Destination& d, const sdk::Schema& fields) {
  const auto columns = table_columns(connection, d.schema, d.table);
  std::vector<TableColumn> targets;
  for (const auto& field : fields) {
    const TableColumn* match = nullptr;
    for (const auto& column : columns)
      if (column.name == field.name) match = &column;
    if (match == nullptr)
      throw sdk::not_found("column \"" + field.name + "\" of the input is not in " + d.described +
                           " (its columns: " + column_names(columns) + ")");
    targets.push_back(*match);
  }
  return targets;
}

namespace {

// The INSERT ... SELECT from the staging table into the target: in input order, the last row of each key
// winning an upsert with UPDATE.
std::string insert_from_staging(const Destination& d, const sdk::ExportRequest& request, const std::string& staging,
                                const std::string& ord, const std::string& select_list,
                                const std::vector<std::string>& names) {
  const auto& keys = request.unique_constraints;
  const bool upsert = !keys.empty();
  const std::set<std::string> name_set(names.begin(), names.end());
  const std::set<std::string> key_set(keys.begin(), keys.end());
  const std::string ord_sql = "s." + quote_identifier(ord, "column");
  std::string insert = "INSERT INTO " + d.target + " (" + identifier_list(names) + ") SELECT " + select_list + " FROM ";
  if (upsert && request.conflict_method == sdk::ConflictMethod::Update) {
    // The last occurrence of each key wins; keys with a NULL never conflict, so all of those stay.
    std::set<std::string> taken = name_set;
    taken.insert(ord);
    const std::string rn = quote_identifier(unused_name("mageio$rn", taken), "column");
    std::string any_null;
    for (const auto& key : keys) any_null += " OR s." + quote_identifier(key, "column") + " IS NULL";
    insert += "(SELECT *, row_number() OVER (PARTITION BY " + identifier_list(keys) + " ORDER BY " +
              quote_identifier(ord, "column") + " DESC) AS " + rn + " FROM " + staging + ") AS s WHERE s." + rn +
              " = 1" + any_null + " ORDER BY " + ord_sql;
  } else {
    insert += staging + " AS s ORDER BY " + ord_sql;
  }
  if (upsert) {
    insert += " ON CONFLICT (" + identifier_list(keys) + ") DO ";
    std::string updates;
    if (request.conflict_method == sdk::ConflictMethod::Update)
      for (const auto& name : names)
        if (key_set.count(name) == 0) {
          const std::string column = quote_identifier(name, "column");
          updates += (updates.empty() ? "" : ", ") + column + " = EXCLUDED." + column;
        }
    insert += updates.empty() ? "NOTHING" : "UPDATE SET " + updates;
  }
  return insert;
}

// Writes the rows through a staging table, then INSERTs them into the target (casting what COPY cannot
// write in the target's type, resolving an upsert's conflicts). Returns the row count.
int64_t copy_through_staging(Connection& connection, const Destination& d, const sdk::ExportRequest& request,
                             const sdk::Schema& fields, const std::vector<TableColumn>& targets,
                             const std::vector<std::string>& names, sdk::StreamReader& input) {
  // Staging: each column in the target's type when the writer can produce it, else in the type the
  // input maps to (always writable), cast by the server on the way into the target.
  // A temporary table created inside the export's transaction: it is never committed, so whatever
  // ends the export (error, cancel, the client killed, the connection lost) takes it away with the
  // transaction -- nothing persistent to clean up. Its name still says what it is and whose (the
  // backend's pid) for anyone looking at pg_class or a lock list meanwhile.
  const std::string staging = quote_identifier(
      "mageio_staging_" + std::to_string(connection.backend_pid()) + "_" + sdk::random_suffix(), "table");
  const std::string ord = unused_name("mageio$ord", std::set<std::string>(names.begin(), names.end()));
  std::string definition, select_list;
  std::vector<EncodePlan> staging_plan;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string column = quote_identifier(fields[i].name, "column");
    const auto encode = encoding_for(fields[i].type, targets[i].base_oid);
    if (!definition.empty()) {
      definition += ", ";
      select_list += ", ";
    }
    if (encode) {
      definition += column + " " + targets[i].type_text;
      select_list += "s." + column;
      staging_plan.push_back(EncodePlan{fields[i].name, fields[i].type, *encode});
    } else {
      definition += column + " " + pg_type_for(fields[i].type);
      select_list += "s." + column + "::" + targets[i].type_text;
      staging_plan.push_back(
          EncodePlan{fields[i].name, fields[i].type, encoding_for(fields[i].type, pg_oid_for(fields[i].type)).value()});
    }
  }
  definition += ", " + quote_identifier(ord, "column") + " bigint GENERATED ALWAYS AS IDENTITY";
  connection.exec("CREATE TEMPORARY TABLE " + staging + " (" + definition + ") ON COMMIT DROP", d.what);
  const int64_t rows = copy_in(connection, staging, names, std::move(staging_plan), input, d.what);
  connection.check_cancelled();

  const auto& keys = request.unique_constraints;
  try {
    connection.exec(insert_from_staging(d, request, staging, ord, select_list, names), d.what);
  } catch (const sdk::Error& error) {
    if (error.sqlstate() != "42P10") throw;
    throw sdk::Error(MAGEIO_STATUS_INVALID_ARGUMENT,
                     d.what + ": " + d.described + " has no unique index or constraint on exactly (" +
                         identifier_list(keys) +
                         "), which an upsert on those columns needs; create one (CREATE "
                         "UNIQUE INDEX ON " +
                         d.target + " (" + identifier_list(keys) + "))",
                     error.sqlstate());
  }
  return rows;
}

}  // namespace

int64_t export_rows(ConnectionPool& pool, const sdk::ExportRequest& request, sdk::StreamReader& input) {
  const sdk::Options& options = request.options;
  options.finish();
  const Destination d = destination_of(pool, request.target);

  // The input's columns: names exactly as given, each at most once.
  const sdk::Schema& fields = input.schema();
  const auto& keys = request.unique_constraints;
  sdk::check_export_input(fields, keys, d.described);
  std::vector<std::string> names;
  for (const auto& field : fields) {
    quote_identifier(field.name, "column");  // validates
    names.push_back(field.name);
  }

  auto lease = pool.acquire();
  Connection& connection = *lease;
  connection.host().check_cancelled();
  Transaction transaction(connection, d.what);
  if (settle_existing_table(connection, d, request.if_exists, fields)) create_table(connection, d, fields, keys);
  const std::vector<TableColumn> targets = match_columns(connection, d, fields);

  // COPY straight into the target when every column can be written in its type and nothing conflicts.
  std::vector<EncodePlan> direct_plan;
  bool direct = keys.empty();
  for (size_t i = 0; i < fields.size(); ++i) {
    auto encode = encoding_for(fields[i].type, targets[i].base_oid);
    direct = direct && encode.has_value();
    direct_plan.push_back(EncodePlan{fields[i].name, fields[i].type, encode.value_or(Encode::Null)});
  }
  const int64_t rows = direct ? copy_in(connection, d.target, names, std::move(direct_plan), input, d.what)
                              : copy_through_staging(connection, d, request, fields, targets, names, input);
  connection.check_cancelled();
  transaction.commit();
  return rows;
}

}  // namespace mageio::postgres
