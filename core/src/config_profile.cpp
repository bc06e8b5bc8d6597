// A profile of io_config.yaml and what a plugin gets from it: config_for checks the plugin's declared keys
// (flat names and the aliases of its nested section), their types, and misspellings ("did you mean").
#include <mageio/core/io_config.hpp>

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/values.hpp>

#include "io_config_text.hpp"

#include <algorithm>
#include <set>

namespace mageio {
namespace {

using io_config_detail::join;
using io_config_detail::upper;
using io_config_detail::where;
using sdk::invalid_argument;

size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance (a transposition counts as one edit).
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// " (did you mean X?)" when one candidate is close to `key`, ignoring case.
std::string suggestion(const std::string& key, const std::vector<std::string>& candidates) {
  const std::string k = upper(key);
  std::string best;
  size_t best_distance = 3;  // at most two edits
  for (const auto& candidate : candidates) {
    const size_t distance = edit_distance(k, upper(candidate));
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best.empty() ? std::string() : " (did you mean " + best + "?)";
}

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && upper(s.substr(0, prefix.size())) == upper(prefix);
}

}  // namespace

Profile::Profile(std::string file, std::string name, int line)
    : file_(std::move(file)), name_(std::move(name)), line_(line) {}

void Profile::check_readable(const ConfigEntry& entry, const std::string& written, const sdk::ConfigKey& key,
                             const std::string& plugin_name) const {
  const std::string at = where(file_, entry.line) + "key " + written + " in profile '" + name_ + "'";
  if (!entry.unset_variable.empty())
    throw invalid_argument(at + " uses environment variable " + entry.unset_variable + ", which is not set (plugin " +
                           plugin_name + " reads this key); set it or give a default: env_var('" +
                           entry.unset_variable + "', 'value')");
  const bool secret = key.secret || looks_secret(written);
  const std::string shown = secret ? std::string("(secret, not shown)") : "'" + entry.value + "'";
  if (key.type == sdk::ConfigType::Integer && !sdk::parse_int64(entry.value))
    throw invalid_argument(at + " must be a whole number for plugin " + plugin_name + ", not " + shown);
  if (key.type == sdk::ConfigType::Boolean && !sdk::parse_bool(entry.value))
    throw invalid_argument(at + " must be true or false for plugin " + plugin_name + ", not " + shown);
}

boost::json::object Profile::config_for(const std::string& plugin_name, const ConfigSchema& schema) const {
  std::vector<std::string> names, aliases;
  for (const auto& key : schema.keys) {
    names.push_back(key.name);
    if (!key.alias.empty()) aliases.push_back(key.alias);
  }
  auto declared = [&](const std::string& name) -> const sdk::ConfigKey* {
    for (const auto& key : schema.keys)
      if (key.name == name) return &key;
    return nullptr;
  };
  auto declared_alias = [&](const std::string& alias) -> const sdk::ConfigKey* {
    if (alias.empty()) return nullptr;
    for (const auto& key : schema.keys)
      if (key.alias == alias) return &key;
    return nullptr;
  };

  // Unknown keys first, in file order: a misspelt key explains a missing one.
  struct Unknown {
    int line;
    std::string message;
  };
  std::vector<Unknown> unknown;
  const std::string prefix = schema.prefix();
  if (!prefix.empty()) {
    for (const auto& [key, entry] : flat_) {
      if (!starts_with_ignoring_case(key, prefix) || declared(key)) continue;
      unknown.push_back({entry.line, where(file_, entry.line) + "unknown key " + key + " in profile '" + name_ +
                                         "' for plugin " + plugin_name + suggestion(key, names) +
                                         "; accepted keys: " + join(names)});
    }
  }
  const std::map<std::string, ConfigEntry>* section = nullptr;
  if (!schema.section.empty()) {
    if (auto it = sections_.find(schema.section); it != sections_.end()) section = &it->second;
  }
  if (section) {
    for (const auto& [key, entry] : *section) {
      if (declared_alias(key)) continue;
      unknown.push_back(
          {entry.line, where(file_, entry.line) + "unknown key " + key + " in section " + schema.section +
                           " of profile '" + name_ + "' for plugin " + plugin_name + suggestion(key, aliases) +
                           "; accepted keys there: " + (aliases.empty() ? std::string("(none)") : join(aliases))});
    }
  }
  if (!unknown.empty()) {
    const auto first = std::min_element(unknown.begin(), unknown.end(),
                                        [](const Unknown& a, const Unknown& b) { return a.line < b.line; });
    throw invalid_argument(first->message);
  }

  boost::json::object config;
  for (const auto& key : schema.keys) {
    const ConfigEntry* entry = nullptr;
    std::string written = key.name;  // the key as the file spells it, for messages
    if (auto it = flat_.find(key.name); it != flat_.end()) {
      entry = &it->second;
    } else if (section && !key.alias.empty()) {
      if (auto nested = section->find(key.alias); nested != section->end()) {
        entry = &nested->second;
        written = schema.section + "." + key.alias;
      }
    }
    if (!entry) continue;
    check_readable(*entry, written, key, plugin_name);
    config[key.name] = entry->value;
  }

  for (const auto& key : schema.keys) {
    if (!key.required || key.default_value || config.contains(key.name)) continue;
    std::string message = where(file_, line_) + "profile '" + name_ + "' has no " + key.name;
    if (!schema.section.empty() && !key.alias.empty())
      message += " (nor " + key.alias + " in a " + schema.section + " section)";
    message += ", which plugin " + plugin_name + " requires";
    if (!key.description.empty()) message += " (" + key.name + ": " + key.description + ")";
    if (!schema.section.empty() && !section) {
      for (const auto& [name, entries] : sections_) {
        if (name != schema.section && upper(name) == upper(schema.section)) {
          message += "; section names are case-sensitive: it has " + name + ", the plugin reads " + schema.section;
          break;
        }
      }
    }
    throw invalid_argument(message);
  }
  return config;
}
}  // namespace mageio
