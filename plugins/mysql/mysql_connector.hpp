// The mysql connector: Mage's MySQL IO class as a mageio plugin, for MySQL 8 and MariaDB (10.5+), through
// MySQL Connector/C++ 1.1's JDBC-style API (Debian's libmysqlcppconn7v5, running on libmariadb).
//
// Configuration (io_config.yaml, flat or in Mage's nested "MySQL:" section under the alias):
//   MYSQL_HOST (host)                     server host name or address (TCP, also for "localhost")
//   MYSQL_PORT (port)                     TCP port, default 3306
//   MYSQL_DATABASE (database)             the current database; targets without a schema live there
//   MYSQL_USER (user)                     required
//   MYSQL_PASSWORD (password)             secret: never logged, never in a message
//   MYSQL_ALLOW_LOCAL_INFILE (allow_local_infile)
//                                         let exports use LOAD DATA LOCAL INFILE (the fastest path; the
//                                         server's local_infile must be ON too). Default false, as in Mage:
//                                         a connection that allows it lets the server ask for client files.
//   MYSQL_CONNECT_TIMEOUT (connect_timeout) seconds, default 10
//   MYSQL_UNIX_SOCKET (unix_socket)       connect through this socket instead of host/port
//   MYSQL_SSL_MODE (ssl_mode)             DISABLED | PREFERRED (default) | REQUIRED | VERIFY_CA | VERIFY_IDENTITY
//   MYSQL_SSL_CA / MYSQL_SSL_CERT / MYSQL_SSL_KEY (ssl_ca, ssl_cert, ssl_key)
//                                         PEM files: CA to verify the server with; client certificate and key
// One of MYSQL_HOST and MYSQL_UNIX_SOCKET is required. Connection errors: bad credentials are
// UNAUTHENTICATED (1045, SQLSTATE 28000), an unknown database NOT_FOUND (1049), an unreachable server
// UNAVAILABLE (2002/2003/2005); see mysql_errors.hpp.
//
// Targets are tables; a target's "schema" is a database. Methods:
//   load      streams a query or a table (mysql_load.hpp); sample is the host's load with a limit
//   export    fail/replace/append and upserts, atomic (mysql_export.hpp)
//   execute   one statement; rows it returns come back as a stream
//   execute_queries  all in one transaction. MySQL commits DDL (CREATE, ALTER, DROP, RENAME, TRUNCATE ...)
//             implicitly, so statements before a DDL statement cannot be rolled back; when a batch with DDL
//             fails, the error says which statements were committed anyway.
//   alter_table add/drop/rename column (RENAME COLUMN: MariaDB 10.5+, MySQL 8), change type (MODIFY COLUMN,
//             keeping NOT NULL; a DEFAULT, COMMENT or AUTO_INCREMENT of that column is not carried over)
//   table_exists information_schema, with bound parameters (views count)
// Cancellation: the host's is_cancelled is polled every batch, and every 50 ms while a statement runs; a
// running statement is then stopped with KILL QUERY from a second connection.
//
// Everything goes through Connector/C++, so that every operation shares one connection and one session
// (variables, temporary tables and USE set with execute() are seen by load(), as in Mage). The one place it
// lacks a feature -- LOAD DATA LOCAL INFILE from memory, with a handler that sends nothing but the export's
// rows -- runs on a C API connection of its own that copies the session's settings and variables
// (mysql_infile.hpp). Measured on 2M mixed rows against MariaDB 10.11
// (bench/mysql and a scratch driver): reading every value with a forward-only result set's getString()
// costs 0.5-0.8 s of client CPU (the bare C API, mysql_use_result + mysql_fetch_row, 0.1-0.2 s); a whole
// `mageio load` costs 1.1-1.4 s, less than the mariadb command-line client's 1.5-1.9 s and less than the
// 1.9-2.1 s of CPU the server needs to send the rows. Connector/C++ is therefore not the bottleneck, and
// the C API would buy nothing measurable in wall time.
#pragma once

#include "mysql_session.hpp"

#include <mageio/sdk/connector.hpp>

#include <memory>

namespace mageio::mysql {

class MysqlConnector : public sdk::Connector {
 public:
  static sdk::PluginInfo info();

  MysqlConnector(const sdk::Config& config, sdk::Host& host);

  std::unique_ptr<sdk::BatchSource> load(const sdk::LoadRequest& request) override;
  int64_t export_data(const sdk::ExportRequest& request, sdk::StreamReader& input) override;
  sdk::ExecuteResult execute(const std::string& sql) override;
  int64_t execute_queries(const std::vector<std::string>& queries) override;
  void alter_table(const sdk::AlterTableRequest& request) override;
  bool table_exists(const sdk::Target& target) override;
  /// Ranges of an integer key or of partition_on (see mysql_partitions.hpp).
  std::vector<std::string> plan_partitions(const sdk::PlanRequest& request) override;
  /// A staging table that several writers fill, put in place at the end (see mysql_staged_export.hpp).
  std::string stage_begin(const sdk::StageRequest& request, const sdk::Schema& schema) override;
  int64_t stage_write(const std::string& stage, sdk::StreamReader& input) override;
  int64_t stage_finish(const std::string& stage, bool commit, int64_t expected_rows) override;
  std::unique_ptr<sdk::BatchSource> load_partition(const std::string& descriptor) override;

 private:
  std::shared_ptr<Session> session_;
};

/// Reads and checks the connection settings (exposed for tests).
ConnectSettings read_settings(const sdk::Config& config);

}  // namespace mageio::mysql
