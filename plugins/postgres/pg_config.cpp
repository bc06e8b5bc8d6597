#include "pg_config.hpp"

#include "pg_connection.hpp"

#include <mageio/sdk/error.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <string_view>

namespace mageio::postgres {
namespace {

sdk::ConfigKey key(std::string name, std::string alias, sdk::ConfigType type, std::string description) {
  sdk::ConfigKey k;
  k.name = std::move(name);
  k.alias = std::move(alias);
  k.type = type;
  k.description = std::move(description);
  return k;
}

// Parses POSTGRES_CONNECTION_PARAMS. libpq's own parser (PQconninfoParse) takes both the
// "key=value key='quoted value'" form and postgresql:// URIs; a bare query string
// ("sslmode=disable&application_name=x", optionally with a leading '?') is the URI form without its
// scheme and host, so it is parsed as "postgresql://?...".
std::vector<std::pair<std::string, std::string>> parse_connection_params(const std::string& text,
                                                                         const std::vector<std::string>& secrets) {
  std::string conninfo = text;
  const bool is_uri = text.starts_with("postgresql://") || text.starts_with("postgres://");
  const bool has_space = text.find_first_of(" \t\n") != std::string::npos;
  if (!is_uri && (text.starts_with("?") || (!has_space && text.find('&') != std::string::npos)))
    conninfo = "postgresql://" + std::string(text.starts_with("?") ? "" : "?") + text;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    std::string message = error ? error : "out of memory";
    if (error) PQfreemem(error);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw sdk::invalid_argument(mask_secrets(
        text.empty() ? message : "POSTGRES_CONNECTION_PARAMS is not a libpq connection string or URI: " + message,
        secrets));
  }
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> guard(options, &PQconninfoFree);
  std::vector<std::pair<std::string, std::string>> out;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option)
    if (option->val != nullptr) out.emplace_back(option->keyword, option->val);
  return out;
}

void set(std::vector<std::pair<std::string, std::string>>& params, const std::string& keyword,
         const std::string& value) {
  for (auto& [k, v] : params)
    if (k == keyword) {
      v = value;
      return;
    }
  params.emplace_back(keyword, value);
}

const std::string* find(const std::vector<std::pair<std::string, std::string>>& params, const std::string& keyword) {
  for (const auto& [k, v] : params)
    if (k == keyword) return &v;
  return nullptr;
}

}  // namespace

std::vector<sdk::ConfigKey> config_keys() {
  using sdk::ConfigType;
  auto host = key("POSTGRES_HOST", "host", ConfigType::String,
                  "Server host name or address (libpq's default, a local Unix socket, when unset)");
  auto port = key("POSTGRES_PORT", "port", ConfigType::Integer, "Server port (5432 when unset)");
  auto dbname = key("POSTGRES_DBNAME", "database", ConfigType::String, "Database name");
  auto user = key("POSTGRES_USER", "user", ConfigType::String, "User name");
  auto password = key("POSTGRES_PASSWORD", "password", ConfigType::String, "Password");
  password.secret = true;
  auto schema = key("POSTGRES_SCHEMA", "schema", ConfigType::String,
                    "Schema of tables given without one (load, export, table_exists, alter_table)");
  schema.default_value = "public";
  auto timeout = key("POSTGRES_CONNECT_TIMEOUT", "connect_timeout", ConfigType::Integer,
                     "Seconds to wait for the connection to be established (10 when unset)");
  auto read_timeout = key("POSTGRES_READ_TIMEOUT", "read_timeout", ConfigType::Integer,
                          "Seconds a statement or COPY may wait on a server that sends and accepts nothing before the "
                          "connection is closed and the operation fails (0 or unset: no limit)");
  auto params = key("POSTGRES_CONNECTION_PARAMS", "connection_params", ConfigType::String,
                    "Any other libpq connection parameters, as a conninfo string ('sslmode=require "
                    "application_name=etl') or URI query ('sslmode=require&application_name=etl'); the keys "
                    "above win over the same parameter given here");
  auto method = key("POSTGRES_CONNECTION_METHOD", "connection_method", ConfigType::String,
                    "Mage's connection method; only 'direct' is supported (no SSH tunnel)");
  method.default_value = "direct";
  std::vector<sdk::ConfigKey> keys{host, port, dbname, user, password, schema, timeout, read_timeout, params, method};
  // Mage's own io_config.yaml template carries these for its SSH-tunnel method. They are read only by
  // that method, which is refused above; with 'direct' Mage ignores them, and so do we, so the template
  // loads as shipped instead of failing on "unknown key".
  for (const char* suffix : {"HOST", "PORT", "USERNAME", "PASSWORD", "PKEY"}) {
    auto ssh = key(std::string("POSTGRES_SSH_") + suffix, "", ConfigType::String,
                   "Mage's SSH-tunnel setting; accepted and unused (only the 'direct' connection method is "
                   "supported)");
    ssh.secret = std::string_view(suffix) == "PASSWORD" || std::string_view(suffix) == "PKEY";
    keys.push_back(std::move(ssh));
  }
  return keys;
}

ConnectionSettings settings_from(const sdk::Config& config) {
  ConnectionSettings settings;
  if (!config.get_string("POSTGRES_PASSWORD").empty())
    settings.secrets.push_back(config.get_string("POSTGRES_PASSWORD"));

  std::string method = config.get_string("POSTGRES_CONNECTION_METHOD");
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::tolower(c); });
  if (method != "direct")
    throw sdk::not_implemented("POSTGRES_CONNECTION_METHOD '" + config.get_string("POSTGRES_CONNECTION_METHOD") +
                               "' is not supported; only 'direct' is (open an SSH tunnel yourself and point "
                               "POSTGRES_HOST/POSTGRES_PORT at it)");

  std::vector<std::pair<std::string, std::string>> params;
  if (config.has("POSTGRES_CONNECTION_PARAMS") && !config.get_string("POSTGRES_CONNECTION_PARAMS").empty())
    params = parse_connection_params(config.get_string("POSTGRES_CONNECTION_PARAMS"), settings.secrets);
  if (const auto* password = find(params, "password"); password != nullptr && !password->empty())
    settings.secrets.push_back(*password);

  // The dedicated keys win over the same parameter in POSTGRES_CONNECTION_PARAMS.
  auto take = [&](const char* config_key, const char* keyword) {
    if (config.has(config_key) && !config.get_string(config_key).empty())
      set(params, keyword, config.get_string(config_key));
  };
  take("POSTGRES_HOST", "host");
  take("POSTGRES_PORT", "port");
  take("POSTGRES_DBNAME", "dbname");
  take("POSTGRES_USER", "user");
  take("POSTGRES_PASSWORD", "password");
  take("POSTGRES_CONNECT_TIMEOUT", "connect_timeout");

  if (const auto* timeout = find(params, "connect_timeout")) {
    try {
      settings.connect_timeout_seconds = std::stoi(*timeout);
    } catch (...) {
      throw sdk::invalid_argument("connect_timeout must be a number of seconds, not '" + *timeout + "'");
    }
  }
  if (config.has("POSTGRES_READ_TIMEOUT") && !config.get_string("POSTGRES_READ_TIMEOUT").empty()) {
    const std::string text = config.get_string("POSTGRES_READ_TIMEOUT");
    size_t used = 0;
    int seconds = -1;
    try {
      seconds = std::stoi(text, &used);
    } catch (...) {
    }
    if (seconds < 0 || used != text.size())
      throw sdk::invalid_argument("POSTGRES_READ_TIMEOUT must be a whole number of seconds (0 = no limit), not '" +
                                  text + "'");
    settings.read_timeout_seconds = seconds;
  }
  // TCP keepalives, unless the parameters say otherwise: a server host that died or a network path that
  // broke is noticed after about idle + interval * count = 60 s instead of the kernel's two hours; a
  // peer that is up but silent still answers them (only Ctrl-C or POSTGRES_READ_TIMEOUT stop that
  // wait). tcp_user_timeout does the same for data the peer never acknowledges.
  for (const auto& [keyword, value] :
       {std::pair{"keepalives", "1"}, std::pair{"keepalives_idle", "30"}, std::pair{"keepalives_interval", "10"},
        std::pair{"keepalives_count", "3"}, std::pair{"tcp_user_timeout", "60000"}})
    if (find(params, keyword) == nullptr) set(params, keyword, value);
  // Every text value the plugin decodes is taken to be UTF-8 (Arrow's utf8), so the server converts to
  // UTF-8 whatever the database's encoding is; a client_encoding given in the parameters is overridden.
  set(params, "client_encoding", "UTF8");
  // Lets the server (pg_stat_activity) say who is connected unless the user named the application.
  set(params, "fallback_application_name", "mageio");

  for (auto& [keyword, value] : params) {
    settings.keywords.push_back(keyword);
    settings.values.push_back(value);
  }
  settings.default_schema = config.get_string("POSTGRES_SCHEMA");
  if (settings.default_schema.empty()) settings.default_schema = "public";

  auto value_of = [&](const char* keyword, const char* fallback) {
    const auto* value = find(params, keyword);
    return value ? *value : std::string(fallback);
  };
  settings.describe = value_of("user", "(default user)") + "@" + value_of("host", "(local socket)") + ":" +
                      value_of("port", "5432") + "/" + value_of("dbname", "(default database)");
  return settings;
}

}  // namespace mageio::postgres
