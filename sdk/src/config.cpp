#include <mageio/sdk/config.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/values.hpp>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace json = boost::json;

namespace mageio::sdk {
namespace {

const char* type_name(ConfigType type) {
  switch (type) {
    case ConfigType::String: return "string";
    case ConfigType::Integer: return "integer";
    case ConfigType::Boolean: return "boolean";
  }
  return "string";
}

// Config values may arrive as JSON strings (from YAML) or typed; keep them all as text.
std::string as_text(const json::value& value) {
  if (value.is_string()) return std::string(value.as_string());
  if (value.is_bool()) return value.as_bool() ? "true" : "false";
  return json::serialize(value);
}

}  // namespace

Config::Config(const std::vector<ConfigKey>& keys, std::string_view config_json) : keys_(keys) {
  json::object values;
  if (!config_json.empty()) {
    boost::system::error_code ec;
    auto parsed = json::parse(config_json, ec);
    if (ec || !parsed.is_object()) throw invalid_argument("config is not a JSON object");
    values = std::move(parsed.as_object());
  }
  for (const auto& entry : values) {
    const ConfigKey* key = nullptr;
    for (const auto& candidate : keys_)
      if (candidate.name == entry.key()) key = &candidate;
    if (key == nullptr) {
      std::string accepted;
      for (const auto& candidate : keys_) accepted += (accepted.empty() ? "" : ", ") + candidate.name;
      throw invalid_argument(
          "unknown config key " + std::string(entry.key()) +
          (accepted.empty() ? "; this plugin takes no configuration" : "; accepted keys: " + accepted));
    }
    if (entry.value().is_null()) continue;
    std::string text = as_text(entry.value());
    std::string shown = key->secret ? std::string("(secret)") : "'" + text + "'";
    if (key->type == ConfigType::Integer && !parse_int64(text))
      throw invalid_argument(key->name + " must be an integer, not " + shown);
    if (key->type == ConfigType::Boolean && !parse_bool(text))
      throw invalid_argument(key->name + " must be true or false, not " + shown);
    values_[std::string(entry.key())] = text;
  }
  for (const auto& key : keys_) {
    if (values_.contains(key.name)) continue;
    if (key.default_value)
      values_[key.name] = *key.default_value;
    else if (key.required)
      throw invalid_argument("missing config key " + key.name +
                             (key.description.empty() ? "" : " (" + key.description + ")"));
  }
}

const ConfigKey& Config::declared(std::string_view key) const {
  for (const auto& candidate : keys_)
    if (candidate.name == key) return candidate;
  throw Error(MAGEIO_STATUS_INTERNAL, "the plugin reads config key " + std::string(key) + " but does not declare it");
}

bool Config::has(std::string_view key) const {
  declared(key);
  return values_.contains(key);
}

std::string Config::get_string(std::string_view key) const {
  declared(key);
  auto it = values_.find(key);
  return it == values_.end() ? std::string() : it->second;
}

std::optional<int64_t> Config::get_int(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return parse_int64(get_string(key));
}

std::optional<bool> Config::get_bool(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return parse_bool(get_string(key));
}

std::string config_schema_json(std::string_view section, const std::vector<ConfigKey>& keys) {
  json::array list;
  for (const auto& key : keys) {
    json::object item{{"name", key.name},         {"alias", key.alias},   {"type", type_name(key.type)},
                      {"required", key.required}, {"secret", key.secret}, {"description", key.description}};
    if (key.default_value) item["default"] = *key.default_value;
    list.push_back(std::move(item));
  }
  return json::serialize(json::object{{"section", section}, {"keys", std::move(list)}});
}

}  // namespace mageio::sdk
