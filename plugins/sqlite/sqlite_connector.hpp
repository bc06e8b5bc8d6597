// The sqlite connector: Mage's SQLite IO class as a mageio plugin, on the embedded libsqlite3.
//
// Configuration (io_config.yaml, flat or under "SQLite:"):
//   SQLITE_DATABASE (database)             the database file, created when missing (its directory is
//                                          not); ":memory:" and "file:" URIs work
//   SQLITE_BUSY_TIMEOUT_MS (busy_timeout_ms) how long to wait for another connection's lock (5000)
//   SQLITE_NAN_AS_NULL (nan_as_null)       store a float NaN as NULL instead of failing (false)
//
// Targets are tables; a target's "schema" is the name of an attached database ("main" by default).
// The connector never changes the database's settings: the journal mode (WAL or not), foreign_keys and
// the rest stay as the file and the user set them.
//
// Type mapping: see sqlite_types.hpp. Error mapping: see sqlite_handle.hpp.
#pragma once

#include "sqlite_export.hpp"
#include "sqlite_handle.hpp"

#include <mageio/sdk/connector.hpp>

#include <memory>

namespace mageio::sqlite {

class SqliteConnector : public sdk::Connector {
 public:
  static sdk::PluginInfo info();

  SqliteConnector(const sdk::Config& config, sdk::Host& host);

  std::unique_ptr<sdk::BatchSource> load(const sdk::LoadRequest& request) override;
  int64_t export_data(const sdk::ExportRequest& request, sdk::StreamReader& input) override;
  /// One statement. Rows it returns come back as a stream (rows_affected -1); otherwise rows_affected
  /// is sqlite3_changes64 for INSERT/UPDATE/DELETE and -1 for anything else.
  sdk::ExecuteResult execute(const std::string& sql) override;
  /// In one transaction; a failure rolls back every earlier statement and names the one that failed
  /// ("statement 2 of 3 failed: ..."). Each entry may hold several statements; none may end the
  /// transaction (BEGIN/COMMIT/ROLLBACK). Returns the rows changed by INSERT/UPDATE/DELETE.
  int64_t execute_queries(const std::vector<std::string>& queries) override;
  /// add_column, drop_column, rename_column. alter_column_type is NOT_IMPLEMENTED: SQLite cannot change
  /// a column's type in place.
  void alter_table(const sdk::AlterTableRequest& request) override;
  /// Tables and views; false when the schema is not an attached database.
  bool table_exists(const sdk::Target& target) override;
  /// rowid ranges of a table, or ranges of partition_on (see sqlite_partitions.hpp).
  std::vector<std::string> plan_partitions(const sdk::PlanRequest& request) override;
  std::unique_ptr<sdk::BatchSource> load_partition(const std::string& descriptor) override;

 private:
  std::shared_ptr<Database> db_;
  ExportSettings export_settings_;
};

}  // namespace mageio::sqlite
