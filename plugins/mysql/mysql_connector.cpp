#include "mysql_connector.hpp"

#include "mysql_catalog.hpp"
#include "mysql_export.hpp"
#include "mysql_load.hpp"
#include "mysql_partitions.hpp"
#include "mysql_sql.hpp"
#include "mysql_staged_export.hpp"
#include "mysql_types.hpp"

#include <mageio/sdk/plugin.hpp>

#include <algorithm>

namespace mageio::mysql {
namespace {

sdk::ConfigKey key(std::string name, std::string alias, sdk::ConfigType type, std::string description,
                   std::optional<std::string> default_value = std::nullopt, bool required = false,
                   bool secret = false) {
  sdk::ConfigKey out;
  out.name = std::move(name);
  out.alias = std::move(alias);
  out.type = type;
  out.description = std::move(description);
  out.default_value = std::move(default_value);
  out.required = required;
  out.secret = secret;
  return out;
}

}  // namespace

sdk::PluginInfo MysqlConnector::info() {
  using sdk::ConfigType;
  sdk::PluginInfo info;
  info.name = "mysql";
  info.version = "0.1.0";
  info.description = "MySQL 8 and MariaDB servers, through MySQL Connector/C++";
  info.capabilities = MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT | MAGEIO_CAP_EXECUTE | MAGEIO_CAP_EXECUTE_QUERIES |
                      MAGEIO_CAP_ALTER_TABLE | MAGEIO_CAP_TABLE_EXISTS | MAGEIO_CAP_UPSERT | MAGEIO_CAP_TRANSACTIONS |
                      MAGEIO_CAP_LOAD_QUERY | MAGEIO_CAP_TABLES | MAGEIO_CAP_PARTITIONS | MAGEIO_CAP_STAGED_EXPORT;
  info.config_section = "MySQL";
  info.config_keys = {
      key("MYSQL_HOST", "host", ConfigType::String, "Server host name or address (one of this and MYSQL_UNIX_SOCKET)"),
      key("MYSQL_PORT", "port", ConfigType::Integer, "Server TCP port", "3306"),
      key("MYSQL_DATABASE", "database", ConfigType::String,
          "The database to use; tables without a schema are looked up there"),
      key("MYSQL_USER", "user", ConfigType::String, "User name", std::nullopt, true),
      key("MYSQL_PASSWORD", "password", ConfigType::String, "Password", std::nullopt, false, true),
      key("MYSQL_ALLOW_LOCAL_INFILE", "allow_local_infile", ConfigType::Boolean,
          "Let exports use LOAD DATA LOCAL INFILE (fastest; the server's local_infile must be ON)", "false"),
      key("MYSQL_CONNECT_TIMEOUT", "connect_timeout", ConfigType::Integer, "Seconds to wait for a connection", "10"),
      key("MYSQL_UNIX_SOCKET", "unix_socket", ConfigType::String,
          "Connect through this unix socket instead of host/port"),
      key("MYSQL_SSL_MODE", "ssl_mode", ConfigType::String,
          "TLS: DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY", "PREFERRED"),
      key("MYSQL_SSL_CA", "ssl_ca", ConfigType::String, "PEM file of the CA that signed the server certificate"),
      key("MYSQL_SSL_CERT", "ssl_cert", ConfigType::String, "PEM file of the client certificate"),
      key("MYSQL_SSL_KEY", "ssl_key", ConfigType::String, "PEM file of the client certificate's private key"),
  };
  // What export creates and load maps back to the same type (mysql_types.hpp). Not listed:
  // timestamp[us, UTC] (stored as DATETIME(6) in UTC, loads as timestamp[us]), large_utf8/large_binary
  // (load as utf8/binary), null (TEXT, loads as utf8), time64[us] (TIME(6), which loads as duration[us]
  // unless the load asks for {"time_as": "time64"}), and NaN/infinite floats (MySQL cannot store them).
  // float32 is exact through table loads (see mysql_load.hpp on FLOAT).
  info.supported_types = {"bool",
                          "int8",
                          "int16",
                          "int32",
                          "int64",
                          "uint8",
                          "uint16",
                          "uint32",
                          "uint64",
                          "float32",
                          "float64",
                          "decimal128(12, 2)",
                          "decimal128(38, 10)",
                          "utf8",
                          "binary",
                          "date32",
                          "timestamp[us]",
                          "duration[us]"};
  return info;
}

ConnectSettings read_settings(const sdk::Config& config) {
  ConnectSettings settings;
  settings.host = config.get_string("MYSQL_HOST");
  settings.socket = config.get_string("MYSQL_UNIX_SOCKET");
  settings.port = config.get_int("MYSQL_PORT").value_or(3306);
  settings.user = config.get_string("MYSQL_USER");
  settings.password = config.get_string("MYSQL_PASSWORD");
  settings.database = config.get_string("MYSQL_DATABASE");
  settings.allow_local_infile = config.get_bool("MYSQL_ALLOW_LOCAL_INFILE").value_or(false);
  settings.connect_timeout = config.get_int("MYSQL_CONNECT_TIMEOUT").value_or(10);
  settings.ssl_ca = config.get_string("MYSQL_SSL_CA");
  settings.ssl_cert = config.get_string("MYSQL_SSL_CERT");
  settings.ssl_key = config.get_string("MYSQL_SSL_KEY");
  if (settings.host.empty() && settings.socket.empty())
    throw sdk::invalid_argument("set MYSQL_HOST (or MYSQL_UNIX_SOCKET) to say which server to connect to");
  if (settings.port < 1 || settings.port > 65535)
    throw sdk::invalid_argument("MYSQL_PORT must be between 1 and 65535, not " + std::to_string(settings.port));
  if (settings.connect_timeout < 1)
    throw sdk::invalid_argument("MYSQL_CONNECT_TIMEOUT must be at least 1 second, not " +
                                std::to_string(settings.connect_timeout));
  std::string mode = config.get_string("MYSQL_SSL_MODE");
  std::transform(mode.begin(), mode.end(), mode.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (mode.empty() || mode == "PREFERRED")
    settings.ssl_mode = SslMode::Preferred;
  else if (mode == "DISABLED")
    settings.ssl_mode = SslMode::Disabled;
  else if (mode == "REQUIRED")
    settings.ssl_mode = SslMode::Required;
  else if (mode == "VERIFY_CA")
    settings.ssl_mode = SslMode::VerifyCa;
  else if (mode == "VERIFY_IDENTITY")
    settings.ssl_mode = SslMode::VerifyIdentity;
  else
    throw sdk::invalid_argument(
        "MYSQL_SSL_MODE must be DISABLED, PREFERRED, REQUIRED, VERIFY_CA or "
        "VERIFY_IDENTITY, not '" +
        mode + "'");
  const bool files = !settings.ssl_ca.empty() || !settings.ssl_cert.empty() || !settings.ssl_key.empty();
  if (settings.ssl_mode == SslMode::Disabled && files)
    throw sdk::invalid_argument(
        "MYSQL_SSL_MODE is DISABLED but MYSQL_SSL_CA/CERT/KEY are set; drop them or "
        "choose another mode");
  if (settings.ssl_mode >= SslMode::VerifyCa && settings.ssl_ca.empty())
    throw sdk::invalid_argument("MYSQL_SSL_MODE " + mode + " needs MYSQL_SSL_CA (the CA to verify the server with)");
  // A CA given means "verify the server with it": PREFERRED would fall back to plaintext when the server (or a
  // man in the middle) offers no TLS, and REQUIRED alone would accept any certificate.
  if (!settings.ssl_ca.empty() && (settings.ssl_mode == SslMode::Preferred || settings.ssl_mode == SslMode::Required))
    settings.ssl_mode = SslMode::VerifyCa;
  if (settings.ssl_cert.empty() != settings.ssl_key.empty())
    throw sdk::invalid_argument("MYSQL_SSL_CERT and MYSQL_SSL_KEY go together (a client certificate and its key)");
  return settings;
}

MysqlConnector::MysqlConnector(const sdk::Config& config, sdk::Host& host)
    : session_(std::make_shared<Session>(read_settings(config), host)) {}

std::unique_ptr<sdk::BatchSource> MysqlConnector::load(const sdk::LoadRequest& request) {
  return load_rows(session_, request);
}

std::vector<std::string> MysqlConnector::plan_partitions(const sdk::PlanRequest& request) {
  return mysql::plan_partitions(session_, request);
}

std::unique_ptr<sdk::BatchSource> MysqlConnector::load_partition(const std::string& descriptor) {
  return mysql::load_partition(session_, descriptor);
}

std::string MysqlConnector::stage_begin(const sdk::StageRequest& request, const sdk::Schema& schema) {
  return begin_stage(session_, request, schema);
}

int64_t MysqlConnector::stage_write(const std::string& stage, sdk::StreamReader& input) {
  return write_stage(session_, stage, input);
}

int64_t MysqlConnector::stage_finish(const std::string& stage, bool commit, int64_t expected_rows) {
  return finish_stage(session_, stage, commit, expected_rows);
}

int64_t MysqlConnector::export_data(const sdk::ExportRequest& request, sdk::StreamReader& input) {
  return export_rows(session_, request, input);
}

sdk::ExecuteResult MysqlConnector::execute(const std::string& sql) {
  const std::string statement(strip_statement(sql));
  if (statement.empty()) throw sdk::invalid_argument("execute needs a statement (it is empty)");
  session_->begin("execute");
  StreamSettings settings;
  settings.context = "execute failed (" + statement_excerpt(statement) + ")";
  settings.types.timestamp_utc = session_->time_zone_is_utc();
  int64_t affected = -1;
  sdk::ExecuteResult result;
  result.rows = run_streaming(session_, statement, settings, &affected);
  session_->user_sql_ran();
  if (!result.rows) result.rows_affected = reports_affected_rows(statement) ? affected : -1;
  return result;
}

int64_t MysqlConnector::execute_queries(const std::vector<std::string>& queries) {
  const size_t count = queries.size();
  auto label = [&](size_t i) { return "statement " + std::to_string(i + 1) + " of " + std::to_string(count); };
  for (size_t i = 0; i < count; ++i)
    if (controls_transaction(queries[i]))
      throw sdk::invalid_argument(label(i) + " (" + statement_excerpt(queries[i]) +
                                  ") starts or ends a transaction; execute_queries already runs every statement in one "
                                  "transaction, so leave BEGIN/COMMIT/ROLLBACK out");
  session_->begin("execute_queries");
  session_->run("START TRANSACTION", "execute_queries cannot start a transaction");
  int64_t changed = 0;
  std::optional<size_t> last_ddl;
  for (size_t i = 0; i < count; ++i) {
    try {
      session_->host().check_cancelled();
      if (commits_implicitly(queries[i])) last_ddl = i;
      int64_t affected =
          session_->run_user_statement(queries[i], label(i) + " failed (" + statement_excerpt(queries[i]) + ")");
      if (reports_affected_rows(queries[i]) && affected > 0) changed += affected;
      // The implicit commit also ended our transaction: without a new one, the statements after it would
      // each commit on their own (autocommit).
      if (last_ddl == i && i + 1 < count)
        session_->run("START TRANSACTION", "execute_queries cannot start a transaction");
    } catch (const sdk::Error& error) {
      try {
        session_->run("ROLLBACK", "rollback");
      } catch (...) {
      }
      session_->user_sql_ran();
      std::string message = error.what();
      if (last_ddl) {
        // The implicit commit happens when a DDL statement starts: everything before it (and the DDL itself,
        // once it ran) is committed; only what came after the last one is rolled back.
        const size_t d = *last_ddl;
        const size_t committed = d < i ? d + 1 : d;  // statements 1..committed
        if (committed > 0) {
          message += "; note: MySQL commits DDL implicitly, and " + label(d) + " (" + statement_excerpt(queries[d]) +
                     ") is DDL, so statements 1 to " + std::to_string(committed) +
                     " were committed and could not be rolled back";
          if (committed + 1 < i + 1)
            message +=
                "; statements " + std::to_string(committed + 1) + " to " + std::to_string(i) + " were rolled back";
        } else if (d == i) {
          message += "; nothing was committed";
        }
      } else {
        message += "; every earlier statement was rolled back";
      }
      throw sdk::Error(error.status(), message, error.sqlstate(), error.vendor_code());
    }
  }
  session_->run("COMMIT", "execute_queries cannot commit");
  session_->user_sql_ran();
  return changed;
}

void MysqlConnector::alter_table(const sdk::AlterTableRequest& request) {
  session_->begin("alter_table");
  const std::string schema = resolve_schema(*session_, request.target, "cannot alter");
  const std::string described = schema + "." + request.target.table;
  auto table = describe_table(*session_, schema, request.target.table);
  if (!table) throw sdk::not_found("table " + described + " does not exist");
  if (table->is_view) throw sdk::invalid_argument(described + " is a view; alter_table changes tables");
  const std::string alter = "ALTER TABLE " + qualified_name(table->schema, table->name);
  auto find = [&](const std::string& name) {
    return std::find_if(table->columns.begin(), table->columns.end(),
                        [&](const ColumnInfo& c) { return same_column(c.name, name); });
  };
  auto require_column = [&]() -> const ColumnInfo& {
    auto found = find(request.column);
    if (found == table->columns.end()) {
      std::string names;
      for (const auto& c : table->columns) names += (names.empty() ? "" : ", ") + c.name;
      throw sdk::not_found("column \"" + request.column + "\" is not in " + described + " (its columns: " + names +
                           ")");
    }
    return *found;
  };
  const std::string column = quote_identifier(request.column);
  switch (request.action) {
    case sdk::AlterAction::AddColumn:
      if (find(request.column) != table->columns.end())
        throw sdk::already_exists("column \"" + request.column + "\" already exists in " + described);
      session_->run(alter + " ADD COLUMN " + column + " " + sql_type(request.type) + " NULL",
                    "cannot add column \"" + request.column + "\" to " + described);
      return;
    case sdk::AlterAction::DropColumn:
      require_column();
      session_->run(alter + " DROP COLUMN " + column, "cannot drop column \"" + request.column + "\" of " + described);
      return;
    case sdk::AlterAction::RenameColumn: {
      const ColumnInfo& existing = require_column();
      if (request.new_name.empty()) throw sdk::invalid_argument("rename_column needs a new_name");
      if (!same_column(request.column, request.new_name) && find(request.new_name) != table->columns.end())
        throw sdk::already_exists("cannot rename column \"" + request.column + "\" of " + described + " to \"" +
                                  request.new_name + "\": that column already exists");
      session_->run(
          alter + " RENAME COLUMN " + quote_identifier(existing.name) + " TO " + quote_identifier(request.new_name),
          "cannot rename column \"" + request.column + "\" of " + described);
      return;
    }
    case sdk::AlterAction::AlterColumnType: {
      const ColumnInfo& existing = require_column();
      session_->run(alter + " MODIFY COLUMN " + quote_identifier(existing.name) + " " + sql_type(request.type) +
                        (existing.nullable ? " NULL" : " NOT NULL"),
                    "cannot change the type of column \"" + request.column + "\" of " + described + " to " +
                        sql_type(request.type));
      return;
    }
  }
}

bool MysqlConnector::table_exists(const sdk::Target& target) {
  if (target.is_path()) throw sdk::invalid_argument("table_exists takes a table, not a path");
  if (target.table.empty()) throw sdk::invalid_argument("table_exists needs a table");
  session_->begin("table_exists");
  const std::string schema = resolve_schema(*session_, target, "cannot look up");
  return describe_table(*session_, schema, target.table, false).has_value();
}

}  // namespace mageio::mysql

MAGEIO_PLUGIN(mageio::mysql::MysqlConnector)
