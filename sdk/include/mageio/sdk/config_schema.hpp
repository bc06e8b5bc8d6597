// ConfigSchema: the configuration keys a plugin declares, as read back from its config_schema_json (or
// its manifest). In the SDK, not the host's io_config code, so that reading what a plugin declares needs
// nothing of io_config.yaml.
#pragma once

#include <mageio/sdk/config.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mageio::sdk {

/// A plugin's declared configuration (parsed from its config_schema_json).
struct ConfigSchema {
  std::string section;  // e.g. "PostgreSQL"; "" if the plugin has no nested form
  std::vector<ConfigKey> keys;

  /// Parses config_schema_json; throws Error(INVALID_ARGUMENT) on a malformed document.
  static ConfigSchema parse(std::string_view json);
  /// The prefix its flat keys share, e.g. "POSTGRES_" ("" if they share none).
  std::string prefix() const;
};

}  // namespace mageio::sdk
