#include "sqlite_connector.hpp"

#include "sqlite_catalog.hpp"
#include "sqlite_export.hpp"
#include "sqlite_load.hpp"
#include "sqlite_partitions.hpp"
#include "sqlite_types.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/plugin.hpp>

namespace mageio::sqlite {

sdk::PluginInfo SqliteConnector::info() {
  sdk::PluginInfo info;
  info.name = "sqlite";
  info.version = "0.1.0";
  info.description = "SQLite database files, through the embedded libsqlite3";
  info.capabilities = MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT | MAGEIO_CAP_EXECUTE | MAGEIO_CAP_EXECUTE_QUERIES |
                      MAGEIO_CAP_ALTER_TABLE | MAGEIO_CAP_TABLE_EXISTS | MAGEIO_CAP_UPSERT | MAGEIO_CAP_TRANSACTIONS |
                      MAGEIO_CAP_LOAD_QUERY | MAGEIO_CAP_TABLES | MAGEIO_CAP_PARTITIONS;
  info.config_section = "SQLite";
  sdk::ConfigKey database;
  database.name = "SQLITE_DATABASE";
  database.alias = "database";
  database.required = true;
  database.description =
      "Path of the database file, created when missing (its directory must exist); :memory: for a private "
      "in-memory database";
  sdk::ConfigKey busy_timeout;
  busy_timeout.name = "SQLITE_BUSY_TIMEOUT_MS";
  busy_timeout.alias = "busy_timeout_ms";
  busy_timeout.type = sdk::ConfigType::Integer;
  busy_timeout.default_value = "5000";
  busy_timeout.description = "Milliseconds to wait for a lock held by another connection before failing";
  sdk::ConfigKey nan_as_null;
  nan_as_null.name = "SQLITE_NAN_AS_NULL";
  nan_as_null.alias = "nan_as_null";
  nan_as_null.type = sdk::ConfigType::Boolean;
  nan_as_null.default_value = "false";
  nan_as_null.description =
      "Store a float NaN as NULL (SQLite has no NaN) instead of failing the export naming its column and row";
  info.config_keys = {database, busy_timeout, nan_as_null};
  // Exactly what export declares and load maps back (sqlite_types.hpp). Not listed: uint64 (values
  // above 2^63-1 do not fit SQLite's INTEGER), null (exported as TEXT, loads as utf8), large_utf8 and
  // large_binary (load as utf8 and binary), and NaN in floats (an error, or NULL with SQLITE_NAN_AS_NULL).
  info.supported_types = {"bool",
                          "int8",
                          "int16",
                          "int32",
                          "int64",
                          "uint8",
                          "uint16",
                          "uint32",
                          "float32",
                          "float64",
                          "utf8",
                          "binary",
                          "date32",
                          "timestamp[us]",
                          "timestamp[us, UTC]",
                          "time64[us]",
                          "decimal128(12, 2)",
                          "decimal128(38, 10)"};
  return info;
}

SqliteConnector::SqliteConnector(const sdk::Config& config, sdk::Host& host)
    : db_(std::make_shared<Database>(config.get_string("SQLITE_DATABASE"),
                                     config.get_int("SQLITE_BUSY_TIMEOUT_MS").value_or(5000), host)) {
  export_settings_.nan_as_null = config.get_bool("SQLITE_NAN_AS_NULL").value_or(false);
}

std::unique_ptr<sdk::BatchSource> SqliteConnector::load(const sdk::LoadRequest& request) {
  return load_rows(db_, request);
}

std::vector<std::string> SqliteConnector::plan_partitions(const sdk::PlanRequest& request) {
  return sqlite::plan_partitions(db_, request);
}

std::unique_ptr<sdk::BatchSource> SqliteConnector::load_partition(const std::string& descriptor) {
  return sqlite::load_partition(db_, descriptor);
}

int64_t SqliteConnector::export_data(const sdk::ExportRequest& request, sdk::StreamReader& input) {
  return export_rows(db_, request, input, export_settings_);
}

sdk::ExecuteResult SqliteConnector::execute(const std::string& sql) {
  db_->host().check_cancelled();
  const std::string what = "execute failed";
  bool dml = false;
  Statement statement(db_, sql, what, &dml);
  sdk::ExecuteResult result;
  if (statement.column_count() > 0) {
    result.rows = make_row_source(std::move(statement), sdk::kDefaultBatchRows, std::nullopt, what);
    return result;
  }
  while (statement.step(what)) {
  }
  result.rows_affected = dml ? sqlite3_changes64(db_->get()) : -1;
  return result;
}

int64_t SqliteConnector::execute_queries(const std::vector<std::string>& queries) {
  db_->host().check_cancelled();
  Transaction transaction(*db_);
  int64_t changed = 0;
  for (size_t i = 0; i < queries.size(); ++i) {
    db_->host().check_cancelled();
    const std::string what = "statement " + std::to_string(i + 1) + " of " + std::to_string(queries.size()) + " failed";
    changed += run_script(db_, queries[i], what, true);
  }
  transaction.commit();
  return changed;
}

void SqliteConnector::alter_table(const sdk::AlterTableRequest& request) {
  const std::string schema = schema_of(request.target, "alter_table");
  const std::string& table = request.target.table;
  const std::string target = schema + "." + table;
  if (request.action == sdk::AlterAction::AlterColumnType)
    throw sdk::not_implemented("cannot change the type of column \"" + request.column + "\" of " + target +
                               ": SQLite has no ALTER COLUMN TYPE; create a new table with the type you want, copy "
                               "the rows (INSERT INTO ... SELECT), drop the old table and rename the new one");
  auto existing = object_type(db_, schema, table);
  if (!existing) throw sdk::not_found("table " + target + " does not exist");
  if (*existing != "table") throw sdk::invalid_argument(target + " is a " + *existing + "; alter_table changes tables");
  const auto columns = table_columns(db_, schema, table);
  const std::string alter = "ALTER TABLE " + qualified_name(schema, table);
  const std::string column = quote_identifier(request.column);
  auto require_column = [&] {
    if (find_column(columns, request.column) == nullptr)
      throw sdk::not_found("column \"" + request.column + "\" is not in " + target +
                           " (its columns: " + column_list(columns) + ")");
  };
  switch (request.action) {
    case sdk::AlterAction::AddColumn:
      if (find_column(columns, request.column) != nullptr)
        throw sdk::already_exists("column \"" + request.column + "\" already exists in " + target);
      db_->exec(alter + " ADD COLUMN " + column + " " + declared_type_for(request.type),
                "cannot add column \"" + request.column + "\" to " + target);
      return;
    case sdk::AlterAction::DropColumn:
      require_column();
      db_->exec(alter + " DROP COLUMN " + column, "cannot drop column \"" + request.column + "\" of " + target);
      return;
    case sdk::AlterAction::RenameColumn:
      require_column();
      if (!same_identifier(request.column, request.new_name) && find_column(columns, request.new_name) != nullptr)
        throw sdk::already_exists("cannot rename column \"" + request.column + "\" of " + target + " to \"" +
                                  request.new_name + "\": that column already exists");
      db_->exec(alter + " RENAME COLUMN " + column + " TO " + quote_identifier(request.new_name),
                "cannot rename column \"" + request.column + "\" of " + target);
      return;
    case sdk::AlterAction::AlterColumnType: break;
  }
}

bool SqliteConnector::table_exists(const sdk::Target& target) {
  const std::string schema = schema_of(target, "table_exists");
  if (!schema_attached(db_, schema)) return false;
  return object_type(db_, schema, target.table).has_value();
}

}  // namespace mageio::sqlite

MAGEIO_PLUGIN(mageio::sqlite::SqliteConnector)
