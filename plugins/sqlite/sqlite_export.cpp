#include "sqlite_export.hpp"

#include "sqlite_catalog.hpp"
#include "sqlite_reads.hpp"
#include "sqlite_types.hpp"

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/export_input.hpp>

#include <string>
#include <vector>

namespace mageio::sqlite {
namespace {

struct Plan {
  std::string schema;
  std::string table;
  std::string target;              // "schema.table", for messages
  std::vector<std::string> types;  // declared type per input column
  std::vector<std::string> keys;   // unique_constraints, spelled as in the input
};

std::string join_quoted(const std::vector<std::string>& names, const std::string& prefix = {}) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + prefix + quote_identifier(name);
  return out;
}

// Checks the input and the request before anything is written.
Plan make_plan(const sdk::ExportRequest& request, const sdk::Schema& fields) {
  Plan plan;
  plan.schema = schema_of(request.target, "export");
  plan.table = request.target.table;
  plan.target = plan.schema + "." + plan.table;
  const sdk::ColumnNaming naming{same_identifier, "SQLite column names are case-insensitive", true};
  plan.keys = sdk::check_export_input(fields, request.unique_constraints, plan.target, naming);
  for (const auto& field : fields) plan.types.push_back(declared_type_for(field.type));
  return plan;
}

std::string create_sql(const Plan& plan, const sdk::Schema& fields) {
  std::string sql = "CREATE TABLE " + qualified_name(plan.schema, plan.table) + " (";
  for (size_t i = 0; i < fields.size(); ++i)
    sql += (i ? ", " : "") + quote_identifier(fields[i].name) + " " + plan.types[i];
  // An upsert needs a unique index on its key: a table we create gets one.
  if (!plan.keys.empty()) sql += ", UNIQUE (" + join_quoted(plan.keys) + ")";
  return sql + ")";
}

bool is_key(const Plan& plan, const std::string& column) {
  for (const auto& key : plan.keys)
    if (same_identifier(key, column)) return true;
  return false;
}

Statement prepare_insert(const std::shared_ptr<Database>& db, const Plan& plan, const std::vector<std::string>& columns,
                         sdk::ConflictMethod method) {
  std::string sql =
      "INSERT INTO " + qualified_name(plan.schema, plan.table) + " (" + join_quoted(columns) + ") VALUES (";
  for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 1);
  sql += ")";
  if (!plan.keys.empty()) {
    std::string updates;
    for (const auto& column : columns)
      if (!is_key(plan, column))
        updates += (updates.empty() ? "" : ", ") + quote_identifier(column) + " = excluded." + quote_identifier(column);
    sql += " ON CONFLICT (" + join_quoted(plan.keys) + ")";
    sql += method == sdk::ConflictMethod::Ignore || updates.empty() ? " DO NOTHING" : " DO UPDATE SET " + updates;
  }
  try {
    return Statement(db, sql, "cannot prepare the insert into " + plan.target);
  } catch (const sdk::Error& error) {
    if (plan.keys.empty() || std::string(error.what()).find("ON CONFLICT") == std::string::npos) throw;
    std::string keys;
    for (const auto& key : plan.keys) keys += (keys.empty() ? "" : ", ") + key;
    throw sdk::Error(MAGEIO_STATUS_INVALID_ARGUMENT,
                     "cannot upsert into " + plan.target + " on (" + keys +
                         "): the table has no PRIMARY KEY or UNIQUE index on exactly these columns; create one "
                         "(CREATE UNIQUE INDEX ... ON " +
                         quote_identifier(plan.table) + " (" + join_quoted(plan.keys) +
                         ")) or export without unique_constraints",
                     {}, error.vendor_code());
  }
}

// The table's own spelling of each input column; a column the table lacks is an error.
std::vector<std::string> match_columns(const std::shared_ptr<Database>& db, const Plan& plan,
                                       const sdk::Schema& fields) {
  auto existing = table_columns(db, plan.schema, plan.table);
  std::vector<std::string> columns;
  for (const auto& field : fields) {
    const TableColumn* column = find_column(existing, field.name);
    if (column == nullptr)
      throw sdk::invalid_argument("column \"" + field.name + "\" of the input is not in table " + plan.target +
                                  " (its columns: " + column_list(existing) +
                                  "); add it with alter_table, or export with if_exists \"replace\"");
    columns.push_back(column->name);
  }
  return columns;
}

// A NaN cannot be stored: SQLite turns it into NULL. Unless the user chose that (SQLITE_NAN_AS_NULL), it
// is an error naming the column and the row, like any other value the destination cannot hold.
void refuse_nan(const sdk::Field& field, int64_t row, const Plan& plan) {
  throw sdk::invalid_argument("cannot write column \"" + field.name + "\" of row " + std::to_string(row) + " to " +
                              plan.target +
                              ": the value is NaN, which SQLite cannot store (it would become NULL); set "
                              "SQLITE_NAN_AS_NULL: true to store NaN as NULL");
}

int64_t write_rows(const std::shared_ptr<Database>& db, const Plan& plan, Statement& insert, sdk::StreamReader& input,
                   bool nan_as_null) {
  const sdk::Host& host = db->host();
  const sdk::Schema& fields = input.schema();
  std::vector<bool> warned_nan(fields.size(), false);
  sdk::OwnedArray batch;
  int64_t rows = 0;
  int64_t written = 0;
  while (true) {
    host.check_cancelled();
    if (!input.next(batch)) break;
    sdk::BatchView view(batch.array, fields);
    for (int64_t row = 0; row < view.rows(); ++row) {
      const int64_t number = rows + row + 1;
      for (size_t c = 0; c < fields.size(); ++c) {
        bool stored_as_given = true;
        try {
          stored_as_given = bind_value(insert, static_cast<int>(c + 1), view.column(c), row);
        } catch (const sdk::Error& error) {
          if (error.status() != MAGEIO_STATUS_INVALID_ARGUMENT) throw;
          throw sdk::invalid_argument("cannot write column \"" + fields[c].name + "\" of row " +
                                      std::to_string(number) + " to " + plan.target + ": " + error.what());
        }
        if (stored_as_given) continue;
        if (!nan_as_null) refuse_nan(fields[c], number, plan);
        if (!warned_nan[c]) {
          warned_nan[c] = true;
          host.warning("column \"" + fields[c].name + "\" of " + plan.target +
                       " holds NaN, stored as NULL (SQLITE_NAN_AS_NULL is true)");
        }
      }
      insert.step("cannot write row " + std::to_string(number) + " to " + plan.target);
      written += sqlite3_changes64(db->get());
      insert.reset();
    }
    rows += view.rows();
    host.progress(rows, -1);
  }
  return written;
}

}  // namespace

int64_t export_rows(const std::shared_ptr<Database>& db, const sdk::ExportRequest& request, sdk::StreamReader& input,
                    const ExportSettings& settings) {
  request.options.finish();
  const sdk::Schema& fields = input.schema();
  const Plan plan = make_plan(request, fields);
  db->host().check_cancelled();
  require_schema(db, plan.schema);

  // Before BEGIN: SQLite applies cache_spill only outside a transaction.
  const NoSpillWhileRead copy_within_one_file(db, plan.schema, plan.target);
  // Before the transaction (whose BEGIN on a removed file is a bare "disk I/O error") and again once it
  // holds the write lock, for a removal while it waited for it.
  db->check_file_still_in_place("cannot export to " + plan.target);
  Transaction transaction(*db);
  db->check_file_still_in_place("cannot export to " + plan.target);
  auto existing = object_type(db, plan.schema, plan.table);
  if (existing && *existing != "table")
    throw sdk::invalid_argument(plan.target + " is a " + *existing + "; export writes to tables");
  bool create = !existing;
  if (existing && request.if_exists == sdk::IfExists::Fail)
    throw sdk::already_exists("table " + plan.target +
                              " already exists (if_exists is \"fail\"; use \"replace\" or \"append\")");
  if (existing && request.if_exists == sdk::IfExists::Replace) {
    db->exec("DROP TABLE " + qualified_name(plan.schema, plan.table), "cannot drop table " + plan.target);
    create = true;
  }
  std::vector<std::string> columns;
  if (create) {
    db->exec(create_sql(plan, fields), "cannot create table " + plan.target);
    for (const auto& field : fields) columns.push_back(field.name);
  } else {
    columns = match_columns(db, plan, fields);
  }

  int64_t written = 0;
  {
    Statement insert = prepare_insert(db, plan, columns, request.conflict_method);
    try {
      written = write_rows(db, plan, insert, input, settings.nan_as_null);
    } catch (const sdk::Error& error) {
      throw sdk::Error(
          error.status(),
          std::string(error.what()) + " (the export to " + plan.target + " was rolled back; nothing was written)",
          error.sqlstate(), error.vendor_code());
    }
  }
  transaction.commit();
  return written;
}

}  // namespace mageio::sqlite
