// ConfigSchema: the configuration keys a plugin declares (its config_schema_json), parsed and checked.
#include <mageio/sdk/config_schema.hpp>
#include <mageio/sdk/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <set>

namespace mageio::sdk {

ConfigSchema ConfigSchema::parse(std::string_view json) {
  const std::string what = "config_schema_json: ";
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(json, ec);
  if (ec) throw invalid_argument(what + "not valid JSON (" + ec.message() + ")");
  if (!doc.is_object()) throw invalid_argument(what + "expected a JSON object {\"section\": ..., \"keys\": [...]}");
  const auto& root = doc.get_object();

  ConfigSchema schema;
  if (const auto* section = root.if_contains("section"); section && !section->is_null()) {
    if (!section->is_string()) throw invalid_argument(what + "\"section\" must be a string");
    schema.section = std::string(section->get_string());
  }
  const auto* keys = root.if_contains("keys");
  if (!keys) throw invalid_argument(what + "has no \"keys\" array");
  if (!keys->is_array()) throw invalid_argument(what + "\"keys\" must be an array");

  std::set<std::string> names, aliases;
  size_t index = 0;
  for (const auto& item : keys->get_array()) {
    const std::string at = what + "keys[" + std::to_string(index++) + "]";
    if (!item.is_object()) throw invalid_argument(at + " must be an object");
    const auto& object = item.get_object();
    auto string_field = [&](const char* field, bool required) -> std::string {
      const auto* value = object.if_contains(field);
      if (!value || value->is_null()) {
        if (required) throw invalid_argument(at + " has no \"" + field + "\"");
        return {};
      }
      if (!value->is_string()) throw invalid_argument(at + ".\"" + field + "\" must be a string");
      return std::string(value->get_string());
    };
    auto bool_field = [&](const char* field) -> bool {
      const auto* value = object.if_contains(field);
      if (!value || value->is_null()) return false;
      if (!value->is_bool()) throw invalid_argument(at + ".\"" + field + "\" must be true or false");
      return value->get_bool();
    };

    ConfigKey key;
    key.name = string_field("name", true);
    if (key.name.empty()) throw invalid_argument(at + " has an empty \"name\"");
    const std::string named = what + "key " + key.name;
    if (!names.insert(key.name).second) throw invalid_argument(named + " is declared twice");
    key.alias = string_field("alias", false);
    if (!key.alias.empty() && !aliases.insert(key.alias).second)
      throw invalid_argument(named + ": alias \"" + key.alias + "\" is used by another key too");
    const std::string type = string_field("type", false);
    if (type.empty() || type == "string")
      key.type = ConfigType::String;
    else if (type == "integer")
      key.type = ConfigType::Integer;
    else if (type == "boolean")
      key.type = ConfigType::Boolean;
    else
      throw invalid_argument(named + ": \"type\" is \"" + type + "\"; expected \"string\", \"integer\" or \"boolean\"");
    key.required = bool_field("required");
    key.secret = bool_field("secret");
    if (const auto* def = object.if_contains("default"); def && !def->is_null()) {
      if (def->is_string())
        key.default_value = std::string(def->get_string());
      else if (def->is_int64() || def->is_uint64() || def->is_double() || def->is_bool())
        key.default_value = boost::json::serialize(*def);
      else
        throw invalid_argument(named + ": \"default\" must be a string, number or boolean");
    }
    key.description = string_field("description", false);
    schema.keys.push_back(std::move(key));
  }
  return schema;
}

std::string ConfigSchema::prefix() const {
  // The longest `_`-terminated prefix that every key shares: MY_IO_CLASS_ for MY_IO_CLASS_*, never just MY_,
  // so that plugins whose names share a first word (my_io_class, my_other) do not claim each other's keys.
  if (keys.empty()) return {};
  std::string_view common = keys.front().name;
  for (const auto& key : keys) {
    size_t n = 0;
    while (n < common.size() && n < key.name.size() && common[n] == key.name[n]) ++n;
    common = common.substr(0, n);
  }
  const auto last_underscore = common.rfind('_');
  if (last_underscore == std::string_view::npos || last_underscore == 0) return {};
  return std::string(common.substr(0, last_underscore + 1));
}

}  // namespace mageio::sdk
