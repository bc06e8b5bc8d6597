#include "adbc_connector.hpp"

#include "adbc_capabilities.hpp"
#include "adbc_catalog.hpp"
#include "adbc_export.hpp"
#include "adbc_partitions.hpp"

#include <mageio/sdk/plugin.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace mageio::adbc {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The password of scheme://user:password@host..., for masking.
std::optional<std::string> uri_password(const std::string& uri) {
  const auto scheme = uri.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  const auto start = scheme + 3;
  const auto at = uri.find('@', start);
  if (at == std::string::npos) return std::nullopt;
  const auto colon = uri.find(':', start);
  if (colon == std::string::npos || colon > at) return std::nullopt;
  std::string password = uri.substr(colon + 1, at - colon - 1);
  if (password.empty()) return std::nullopt;
  return password;
}

std::string strip_semicolons(std::string sql) {
  while (!sql.empty() && (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) sql.pop_back();
  return sql;
}

}  // namespace

bool looks_secret(const std::string& key) {
  const std::string k = lower(key);
  for (const char* word : {"password", "passwd", "pwd", "secret", "token", "credential", "private", "auth", "apikey",
                           "api_key", "access_key", "passphrase"})
    if (k.find(word) != std::string::npos) return true;
  return false;
}

void parse_options(const std::string& text, SessionConfig& config) {
  if (text.empty()) return;
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object())
    throw sdk::invalid_argument(
        "ADBC_OPTIONS must be a map of option names to values (a JSON object such as "
        "{\"adbc.postgresql.batch_size_hint_bytes\": \"1048576\"}), not the text given");
  for (const auto& entry : parsed.as_object()) {
    const std::string key(entry.key());
    std::string value;
    if (entry.value().is_string())
      value = std::string(entry.value().as_string());
    else if (entry.value().is_bool())
      value = entry.value().as_bool() ? "true" : "false";
    else if (entry.value().is_number())
      value = boost::json::serialize(entry.value());
    else
      throw sdk::invalid_argument("ADBC_OPTIONS: the value of " + key + " must be a string, number or boolean");
    if (key == "driver" || key == "entrypoint" || key == "uri")
      throw sdk::invalid_argument("ADBC_OPTIONS: set " + key + " with the config key ADBC_" +
                                  (key == "uri"      ? std::string("URI")
                                   : key == "driver" ? "DRIVER"
                                                     : "ENTRYPOINT") +
                                  ", not in ADBC_OPTIONS");
    if (looks_secret(key) && !value.empty()) config.secrets.push_back(value);
    if (key.starts_with("adbc.connection."))
      config.connection_options[key] = value;
    else
      config.database_options[key] = value;
  }
}

sdk::PluginInfo AdbcConnector::info() {
  sdk::PluginInfo info;
  info.name = "adbc";
  info.version = "0.1.0";
  info.description =
      "Any ADBC driver (Arrow Database Connectivity): PostgreSQL, SQLite, Snowflake, BigQuery, "
      "Flight SQL ...";
  // Everything some driver may do through the bridge. Each instance declares the part its driver
  // supports (probe_capabilities, asked right after open): the host refuses the rest before any I/O.
  info.capabilities = MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT | MAGEIO_CAP_EXECUTE | MAGEIO_CAP_EXECUTE_QUERIES |
                      MAGEIO_CAP_TABLE_EXISTS | MAGEIO_CAP_UPSERT | MAGEIO_CAP_TRANSACTIONS | MAGEIO_CAP_LOAD_QUERY |
                      MAGEIO_CAP_TABLES | MAGEIO_CAP_PARTITIONS;
  info.config_section = "ADBC";
  sdk::ConfigKey driver;
  driver.name = "ADBC_DRIVER";
  driver.alias = "driver";
  driver.required = true;
  driver.description =
      "The ADBC driver: an absolute path to its library, a .toml manifest, a name (NAME.toml in ADBC_DRIVER_PATH, "
      "~/.config/adbc/drivers, /etc/adbc/drivers, else libNAME.so), or python:MODULE (the library inside an "
      "installed pip package such as adbc_driver_postgresql, found through VIRTUAL_ENV or PYTHONPATH)";
  sdk::ConfigKey entrypoint;
  entrypoint.name = "ADBC_ENTRYPOINT";
  entrypoint.alias = "entrypoint";
  entrypoint.description = "The driver's init function, when it is neither AdbcDriverInit nor Adbc<Name>Init";
  sdk::ConfigKey uri;
  uri.name = "ADBC_URI";
  uri.alias = "uri";
  uri.secret = true;  // URIs carry passwords
  uri.description = "The database URI the driver takes (postgresql://user:password@host/db, a SQLite file path)";
  sdk::ConfigKey options;
  options.name = "ADBC_OPTIONS";
  options.alias = "options";
  options.description =
      "More driver options as a map (adbc.connection.* keys go to the connection, the rest to "
      "the database); values of secret-looking keys are never shown";
  sdk::ConfigKey lookup;
  lookup.name = "ADBC_TABLE_LOOKUP";
  lookup.alias = "table_lookup";
  lookup.description =
      "How to tell whether a table exists: auto (GetTableSchema, GetObjects when the driver lacks it; the "
      "default) or get_objects (always GetObjects)";
  info.config_keys = {driver, entrypoint, uri, options, lookup};
  // The types that round-trip exactly (same Arrow type back) through every driver this plugin is tested
  // with (sqlite and postgresql); a given driver carries more (README.md lists them).
  info.supported_types = {"int64", "float64", "utf8", "binary"};
  return info;
}

AdbcConnector::AdbcConnector(const sdk::Config& config, sdk::Host& host) {
  SessionConfig session;
  session.driver = config.get_string("ADBC_DRIVER");
  session.entrypoint = config.get_string("ADBC_ENTRYPOINT");
  session.uri = config.get_string("ADBC_URI");
  if (auto password = uri_password(session.uri)) session.secrets.push_back(*password);
  parse_options(config.get_string("ADBC_OPTIONS"), session);
  const std::string lookup = config.get_string("ADBC_TABLE_LOOKUP");
  if (lookup == "get_objects")
    session.table_lookup = TableLookup::GetObjects;
  else if (!lookup.empty() && lookup != "auto")
    throw sdk::invalid_argument("ADBC_TABLE_LOOKUP must be auto or get_objects, not '" + lookup + "'");
  session_ = std::make_shared<Session>(session, host);
  capabilities_ = probe_capabilities(session_);
}

uint64_t AdbcConnector::instance_capabilities(uint64_t) const { return capabilities_; }

std::string AdbcConnector::load_sql(const sdk::LoadRequest& request, std::string& what) {
  std::string sql;
  if (request.query) {
    sql = strip_semicolons(*request.query);
    what = "load of the query";
  } else {
    if (request.target.is_path() || request.target.table.empty())
      throw sdk::invalid_argument("the adbc plugin loads tables or queries; give a table name or a query");
    if (!adbc::table_exists(*session_, request.target))
      throw sdk::not_found("table " + request.target.describe() + " does not exist");
    sql = "SELECT * FROM " + qualified(request.target);
    what = "load of " + request.target.describe();
  }
  if (request.limit) {
    if (*request.limit < 0) throw sdk::invalid_argument("limit must be at least 0");
    sql = "SELECT * FROM (" + sql + ") AS mageio_limited LIMIT " + std::to_string(*request.limit);
  }
  return sql;
}

std::unique_ptr<sdk::BatchSource> AdbcConnector::load(const sdk::LoadRequest& request) {
  session_->host().check_cancelled();
  std::string what;
  const std::string sql = load_sql(request, what);
  auto statement = std::make_unique<Statement>(session_);
  statement->set_sql(sql, what);
  ArrowArrayStream stream{};
  statement->execute(&stream, what + " failed");
  return stream_source(std::move(statement), stream, what);
}

std::vector<std::string> AdbcConnector::plan_partitions(const sdk::PlanRequest& request) {
  session_->host().check_cancelled();
  std::string what;
  const std::string sql = load_sql(request.load, what);
  return adbc::plan_partitions(session_, request, sql);
}

std::unique_ptr<sdk::BatchSource> AdbcConnector::load_partition(const std::string& descriptor) {
  session_->host().check_cancelled();
  return adbc::load_partition(session_, descriptor);
}

int64_t AdbcConnector::export_data(const sdk::ExportRequest& request, sdk::StreamReader& input) {
  session_->host().check_cancelled();
  return export_rows(session_, request, input);
}

sdk::ExecuteResult AdbcConnector::execute(const std::string& sql) {
  session_->host().check_cancelled();
  const std::string what = "execute failed";
  auto statement = std::make_unique<Statement>(session_);
  statement->set_sql(sql, what);
  ArrowArrayStream stream{};
  sdk::ExecuteResult result;
  result.rows_affected = statement->execute(&stream, what);
  ArrowSchema schema{};
  if (stream.get_schema(&stream, &schema) == 0 && schema.release != nullptr && schema.n_children == 0) {
    // No result set: run the stream to its end (a driver may execute lazily), then drop it.
    schema.release(&schema);
    ArrowArray batch{};
    while (stream.get_next(&stream, &batch) == 0 && batch.release != nullptr) {
      batch.release(&batch);
      batch = ArrowArray{};
    }
    stream.release(&stream);
    return result;
  }
  if (schema.release != nullptr) schema.release(&schema);
  result.rows_affected = -1;
  result.rows = stream_source(std::move(statement), stream, what);
  return result;
}

int64_t AdbcConnector::execute_queries(const std::vector<std::string>& queries) {
  session_->host().check_cancelled();
  if (!session_->begin())
    throw sdk::not_implemented("execute_queries: the ADBC driver " + session_->driver().library_path() +
                               " has no transactions (it refused autocommit off), so the statements cannot run "
                               "all or nothing; run them one by one with execute");
  int64_t total = 0;
  try {
    for (size_t i = 0; i < queries.size(); ++i) {
      session_->host().check_cancelled();
      const std::string what =
          "statement " + std::to_string(i + 1) + " of " + std::to_string(queries.size()) + " failed";
      Statement statement(session_);
      statement.set_sql(queries[i], what);
      const int64_t rows = statement.execute(nullptr, what);
      total = (total < 0 || rows < 0) ? -1 : total + rows;
    }
    session_->commit("execute_queries");
    session_->end_transaction();
  } catch (...) {
    session_->rollback();
    throw;
  }
  return total;
}

bool AdbcConnector::table_exists(const sdk::Target& target) {
  if (target.is_path()) throw sdk::invalid_argument("the adbc plugin has tables, not paths");
  return adbc::table_exists(*session_, target);
}

}  // namespace mageio::adbc

MAGEIO_PLUGIN(mageio::adbc::AdbcConnector)
