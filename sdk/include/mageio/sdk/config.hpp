// A plugin's configuration: the keys it declares (published to the host as config_schema_json) and
// the values it was opened with.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::sdk {

enum class ConfigType { String, Integer, Boolean };

struct ConfigKey {
  std::string name;   // the flat io_config.yaml key, e.g. "POSTGRES_HOST"
  std::string alias;  // its name in Mage's nested section, e.g. "host"; empty if none
  ConfigType type = ConfigType::String;
  bool required = false;
  bool secret = false;  // masked wherever config is shown
  std::optional<std::string> default_value;
  std::string description;
};

/// The values an instance was opened with, checked against the declared keys: unknown keys, missing
/// required keys and values of the wrong type are Error(INVALID_ARGUMENT) naming the key (never the
/// value of a secret key). Defaults are applied.
class Config {
 public:
  /// `config_json`: the JSON object the host passed to open ("" for none).
  Config(const std::vector<ConfigKey>& keys, std::string_view config_json);

  bool has(std::string_view key) const;
  std::string get_string(std::string_view key) const;  // "" when unset with no default
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;

 private:
  const ConfigKey& declared(std::string_view key) const;
  std::vector<ConfigKey> keys_;
  std::map<std::string, std::string, std::less<>> values_;  // every value as text
};

/// The config_schema_json document for a section name and keys.
std::string config_schema_json(std::string_view section, const std::vector<ConfigKey>& keys);

}  // namespace mageio::sdk
