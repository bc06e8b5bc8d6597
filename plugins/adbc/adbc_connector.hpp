// The adbc bridge: any ADBC driver as a mageio connector. See README.md in this directory.
//
// Configuration (io_config.yaml, flat or under "ADBC:"):
//   ADBC_DRIVER (driver)          the driver: a library path, a manifest, a name, or python:MODULE
//                                 (adbc_driver.hpp says how each is found)
//   ADBC_ENTRYPOINT (entrypoint)  the driver's init function when it is not AdbcDriverInit
//   ADBC_URI (uri)                the database URI the driver takes ("postgresql://...", a SQLite file)
//   ADBC_TABLE_LOOKUP (table_lookup) auto (GetTableSchema, else GetObjects) or get_objects (adbc_catalog.hpp)
//   ADBC_OPTIONS (options)        more driver options, a map (YAML) or a JSON object of strings; keys
//                                 starting with "adbc.connection." go to the connection, the rest to the
//                                 database. Values of keys that look secret (password, token, secret,
//                                 credential, private key ...) are masked in every message.
#pragma once

#include "adbc_session.hpp"

#include <mageio/sdk/connector.hpp>
#include <mageio/sdk/partitions.hpp>

#include <memory>

namespace mageio::adbc {

class AdbcConnector : public sdk::Connector {
 public:
  static sdk::PluginInfo info();

  AdbcConnector(const sdk::Config& config, sdk::Host& host);

  /// What this driver does, probed at open (adbc_capabilities.hpp); the descriptor declares the union.
  uint64_t instance_capabilities(uint64_t declared) const override;

  /// A table (SELECT * FROM it) or a query; a limit wraps it as SELECT * FROM (query) LIMIT n. The
  /// driver's Arrow batches pass through as they are.
  std::unique_ptr<sdk::BatchSource> load(const sdk::LoadRequest& request) override;
  int64_t export_data(const sdk::ExportRequest& request, sdk::StreamReader& input) override;
  sdk::ExecuteResult execute(const std::string& sql) override;
  /// Autocommit off, every statement, commit; a failure rolls back and names the statement. A driver
  /// without transactions: NOT_IMPLEMENTED (nothing is run).
  int64_t execute_queries(const std::vector<std::string>& queries) override;
  bool table_exists(const sdk::Target& target) override;
  /// AdbcStatementExecutePartitions / AdbcConnectionReadPartition (adbc_partitions.hpp); one partition
  /// (the plain query, with a warning) for a driver without them.
  std::vector<std::string> plan_partitions(const sdk::PlanRequest& request) override;
  std::unique_ptr<sdk::BatchSource> load_partition(const std::string& descriptor) override;

 private:
  /// The SQL of a load (a table checked to exist, or the query; a limit wrapped around) and its name.
  std::string load_sql(const sdk::LoadRequest& request, std::string& what);

  std::shared_ptr<Session> session_;
  uint64_t capabilities_ = 0;
};

/// ADBC_OPTIONS' text (a JSON object of strings, numbers or booleans) split into database and
/// connection options; secret-looking values are added to `config.secrets`.
void parse_options(const std::string& text, SessionConfig& config);
/// Whether an option key names a secret (password, token, secret ...).
bool looks_secret(const std::string& key);

}  // namespace mageio::adbc
