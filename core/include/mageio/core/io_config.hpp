// Reading Mage's io_config.yaml as it is: a top-level `version:`, one map per profile (`default:` is the
// default), flat keys (POSTGRES_HOST ...), Mage's nested ("verbose") sections (PostgreSQL: {host ...}),
// and `{{ env_var('NAME') }}` / `{{ env_var('NAME', 'default') }}` templates.
//
// Every error names the file, and where it has one, the line and the key: a missing file, a YAML syntax
// error, a missing profile (with the profiles that exist), an unset variable with no default (never the
// string "None"), an unknown or missing key. Messages never contain the value of a secret key.
#pragma once

#include <mageio/sdk/config.hpp>
#include <mageio/sdk/config_schema.hpp>

#include <boost/json/object.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mageio {

/// One value of a profile, after template rendering.
struct ConfigEntry {
  std::string value;
  int line = 0;  // 1-based line in the file
  /// Non-empty when the value uses `{{ env_var('NAME') }}` (no default) and NAME is not set: the value is
  /// then unknown. That is an error only when a plugin reads the key (Mage's template sets many keys for
  /// services a command never opens); `config show` prints it as unset.
  std::string unset_variable;
  /// True when the value was a YAML list or map, carried as JSON text.
  bool structured = false;
};

/// A plugin's declared configuration; lives in the SDK (reading what a plugin declares needs no io_config).
using ConfigSchema = sdk::ConfigSchema;

/// One profile of an io_config.yaml.
class Profile {
 public:
  Profile() = default;
  Profile(std::string file, std::string name, int line);

  const std::string& file() const { return file_; }
  const std::string& name() const { return name_; }
  /// Flat keys (KEY: value), sorted by key (show() prints them in the order of the file).
  const std::map<std::string, ConfigEntry>& flat() const { return flat_; }
  /// Nested sections: section name -> key -> entry.
  const std::map<std::string, std::map<std::string, ConfigEntry>>& sections() const { return sections_; }

  void set_flat(const std::string& key, ConfigEntry entry) { flat_[key] = std::move(entry); }
  void set_nested(const std::string& section, const std::string& key, ConfigEntry entry) {
    sections_[section][key] = std::move(entry);
  }

  /// The config object to open a plugin with: the plugin's declared keys, from flat keys or from its
  /// nested section (flat wins), all values as strings. Keys with the plugin's prefix that it does not
  /// declare, nested keys it does not know, and missing required keys are errors naming the file,
  /// profile, line and key, and the keys the plugin accepts.
  boost::json::object config_for(const std::string& plugin_name, const ConfigSchema& schema) const;

  /// The profile as YAML-like text for `mageio config show`, secrets masked: keys the schemas declare
  /// secret, any key whose name says PASSWORD, SECRET, TOKEN or KEY, and the password part of connection
  /// strings (`password=...`, `scheme://user:password@host`, secret keys of a nested map) in any value.
  /// A key whose env_var is unset is shown as unset.
  std::string show(const std::vector<ConfigSchema>& schemas = {}) const;

  /// The secret values, for scrubbing them from messages: with no schema, those of every secret key of the
  /// profile; with schemas, only those of the keys these plugins read (the connector in use), plus the
  /// password parts of connection strings in those keys.
  std::vector<std::string> secret_values(const std::vector<ConfigSchema>& schemas = {}) const;

 private:
  // Throws when a key a plugin reads cannot be used: its env_var is unset, or it is not of the declared type.
  void check_readable(const ConfigEntry& entry, const std::string& written, const sdk::ConfigKey& key,
                      const std::string& plugin_name) const;

  std::string file_;
  std::string name_;
  int line_ = 0;
  std::map<std::string, ConfigEntry> flat_;
  std::map<std::string, std::map<std::string, ConfigEntry>> sections_;
};

class IoConfig {
 public:
  /// Reads and renders a file. Throws Error(NOT_FOUND) when it does not exist, Error(INVALID_ARGUMENT)
  /// for YAML or template errors.
  static IoConfig load_file(const std::filesystem::path& file);
  /// The same from text; `file_label` is what messages call the file.
  static IoConfig parse(std::string_view text, const std::string& file_label);

  const std::string& file() const { return file_; }
  std::vector<std::string> profile_names() const;
  bool has_profile(const std::string& name) const;
  /// Throws Error(NOT_FOUND) naming the file and the profiles it has.
  const Profile& profile(const std::string& name) const;

 private:
  std::string file_;
  std::map<std::string, Profile> profiles_;
};

/// True when a key name says it holds a secret (PASSWORD, SECRET, TOKEN, KEY as a word of the name).
bool looks_secret(std::string_view key);
/// `text` with every whole occurrence of each non-empty secret replaced by "****" (sdk::mask_secrets,
/// which the plugins use too: see mageio/sdk/secrets.hpp for what "whole" means).
std::string mask_secrets(std::string text, const std::vector<std::string>& secrets);

/// `text` with the password parts of connection strings replaced by "****": libpq/ODBC/ADO keyword
/// forms (`password=...`, `pwd=...`, `AccountKey=...`, any secret-looking keyword, quoted or not) and URI
/// user info (`postgresql://user:password@host`). The rest stays readable.
std::string mask_connection_passwords(const std::string& text);
/// The password parts that mask_connection_passwords would hide.
std::vector<std::string> connection_passwords(const std::string& text);

}  // namespace mageio
