// The plugin's configuration keys (Mage's io_config.yaml names) and how they become libpq connection
// parameters.
#pragma once

#include <mageio/sdk/config.hpp>

#include <string>
#include <vector>

namespace mageio::postgres {

/// Everything needed to open a connection. Values go to libpq as keyword/value arrays
/// (PQconnectStartParams): nothing is ever concatenated into a conninfo string, so a password with
/// spaces, quotes or '=' needs no escaping and cannot inject other parameters.
struct ConnectionSettings {
  std::vector<std::string> keywords;
  std::vector<std::string> values;
  std::vector<std::string> secrets;  // values to mask in every message (passwords)
  int connect_timeout_seconds = 10;
  /// POSTGRES_READ_TIMEOUT: how long a call may wait on a server that sends and accepts nothing; 0 = no
  /// limit (the default: a long statement legitimately sends nothing until it is done).
  int read_timeout_seconds = 0;
  std::string default_schema = "public";
  std::string describe;  // "user@host:port/dbname" for messages; never the password
};

/// The keys of PluginInfo: POSTGRES_HOST, ... with their nested-section aliases.
std::vector<sdk::ConfigKey> config_keys();

/// Reads and merges the config. Throws Error(INVALID_ARGUMENT) for a malformed
/// POSTGRES_CONNECTION_PARAMS (with the password masked) or an unsupported POSTGRES_CONNECTION_METHOD.
ConnectionSettings settings_from(const sdk::Config& config);

}  // namespace mageio::postgres
