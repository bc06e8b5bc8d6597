// The descriptor/manifest codec and the one validator (see descriptor.hpp).
#include <mageio/sdk/config_schema.hpp>
#include <mageio/sdk/descriptor.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/types.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <regex>

namespace mageio::sdk {
namespace {

namespace json = boost::json;

struct CapabilityName {
  uint64_t bit;
  const char* name;
};

constexpr CapabilityName kCapabilityNames[] = {
    {MAGEIO_CAP_LOAD, "load"},
    {MAGEIO_CAP_EXPORT, "export"},
    {MAGEIO_CAP_EXECUTE, "execute"},
    {MAGEIO_CAP_EXECUTE_QUERIES, "execute_queries"},
    {MAGEIO_CAP_ALTER_TABLE, "alter_table"},
    {MAGEIO_CAP_TABLE_EXISTS, "table_exists"},
    {MAGEIO_CAP_UPSERT, "upsert"},
    {MAGEIO_CAP_TRANSACTIONS, "transactions"},
    {MAGEIO_CAP_LOAD_QUERY, "query"},
    {MAGEIO_CAP_TABLES, "tables"},
    {MAGEIO_CAP_PATHS, "paths"},
    {MAGEIO_CAP_PARTITIONS, "partitions"},
    {MAGEIO_CAP_STAGED_EXPORT, "staged_export"},
};

uint64_t known_capabilities() {
  uint64_t all = 0;
  for (const auto& capability : kCapabilityNames) all |= capability.bit;
  return all;
}

// The descriptor of ABI 1.0 ends after its last slot; a plugin of that version wrote at least this much.
constexpr size_t kDescriptorSize_1_0 = offsetof(MageioPluginDescriptor, table_exists) + sizeof(MageioTableExistsFn);

const json::value& member(const json::object& object, const char* key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) throw invalid_argument(std::string("manifest: no \"") + key + "\"");
  return *value;
}

std::string string_member(const json::object& object, const char* key) {
  const auto& value = member(object, key);
  if (!value.is_string()) throw invalid_argument(std::string("manifest: \"") + key + "\" must be a string");
  return std::string(value.get_string());
}

std::vector<std::string> string_list(const json::value& value, const std::string& what) {
  if (!value.is_array()) throw invalid_argument(what + " must be a JSON array of strings");
  std::vector<std::string> items;
  for (const auto& item : value.get_array()) {
    if (!item.is_string()) throw invalid_argument(what + " must be a JSON array of strings");
    items.emplace_back(item.get_string());
  }
  return items;
}

// Re-serializes a config schema so that two spellings of the same document compare equal.
std::string canonical_schema(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) throw invalid_argument("config_schema_json is not valid JSON (" + ec.message() + ")");
  return json::serialize(doc);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return "[" + out + "]";
}

}  // namespace

std::string abi_version_text(uint32_t version) {
  return std::to_string(version / 1000000u) + "." + std::to_string(version / 1000u % 1000u);
}

std::vector<std::string> capability_names(uint64_t capabilities) {
  std::vector<std::string> names;
  for (const auto& capability : kCapabilityNames)
    if (capabilities & capability.bit) names.emplace_back(capability.name);
  return names;
}

std::string capability_list(uint64_t bits) {
  std::string text;
  for (const auto& name : capability_names(bits)) text += (text.empty() ? "" : ", ") + name;
  if (const uint64_t unnamed = bits & ~known_capabilities(); unnamed != 0)
    text += (text.empty() ? "bits " : ", bits ") + std::to_string(unnamed);
  return text;
}

uint64_t capability_bit(std::string_view name) {
  for (const auto& capability : kCapabilityNames)
    if (name == capability.name) return capability.bit;
  return 0;
}

std::string supported_types_text(const std::vector<std::string>& types, uint32_t abi_version) {
  if (abi_version >= MAGEIO_ABI_VERSION_1_1) {
    json::array list;
    for (const auto& type : types) list.emplace_back(type);
    return json::serialize(list);
  }
  std::string out;
  for (const auto& type : types) out += (out.empty() ? "" : ";") + type;
  return out;
}

std::vector<std::string> parse_supported_types(std::string_view text, uint32_t abi_version) {
  if (abi_version >= MAGEIO_ABI_VERSION_1_1) {
    boost::system::error_code ec;
    json::value doc = json::parse(text, ec);
    if (ec) throw invalid_argument("supported_types is not valid JSON (" + ec.message() + ")");
    return string_list(doc, "supported_types");
  }
  std::vector<std::string> types;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) types.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return types;
}

std::string to_json(const Manifest& manifest) {
  json::array capabilities;
  for (const auto& name : capability_names(manifest.capabilities)) capabilities.emplace_back(name);
  // Bits without a name (from a newer ABI) survive a round trip as a number.
  const uint64_t unnamed = manifest.capabilities & ~known_capabilities();
  json::array types;
  for (const auto& type : manifest.supported_types) types.emplace_back(type);
  boost::system::error_code ec;
  json::value schema = json::parse(manifest.config_schema_json, ec);
  if (ec) throw invalid_argument("manifest: config schema is not valid JSON (" + ec.message() + ")");
  json::object doc{{"manifest_version", kManifestVersion}, {"name", manifest.name},
                   {"version", manifest.version},          {"description", manifest.description},
                   {"abi_version", manifest.abi_version},  {"capabilities", std::move(capabilities)},
                   {"supported_types", std::move(types)},  {"config_schema", std::move(schema)}};
  if (unnamed != 0) doc["capability_bits"] = manifest.capabilities;
  return json::serialize(doc);
}

Manifest parse_manifest(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) throw invalid_argument("manifest: not valid JSON (" + ec.message() + ")");
  if (!doc.is_object()) throw invalid_argument("manifest: expected a JSON object");
  const auto& root = doc.get_object();
  const auto& format = member(root, "manifest_version");
  if (!format.is_int64() || format.get_int64() != kManifestVersion)
    throw invalid_argument("manifest: \"manifest_version\" is " + json::serialize(format) + "; this host reads " +
                           std::to_string(kManifestVersion));
  Manifest manifest;
  manifest.name = string_member(root, "name");
  manifest.version = string_member(root, "version");
  manifest.description = string_member(root, "description");
  const auto& abi = member(root, "abi_version");
  if (!abi.is_int64() || abi.get_int64() < 0 || abi.get_int64() > UINT32_MAX)
    throw invalid_argument("manifest: \"abi_version\" must be an encoded version such as 1001000");
  manifest.abi_version = static_cast<uint32_t>(abi.get_int64());
  for (const auto& name : string_list(member(root, "capabilities"), "manifest: \"capabilities\"")) {
    const uint64_t bit = capability_bit(name);
    if (bit == 0) throw invalid_argument("manifest: unknown capability \"" + name + "\"");
    manifest.capabilities |= bit;
  }
  if (const auto* bits = root.if_contains("capability_bits")) {
    if (!bits->is_uint64() && !bits->is_int64())
      throw invalid_argument("manifest: \"capability_bits\" must be an unsigned integer");
    manifest.capabilities |= bits->to_number<uint64_t>();
  }
  manifest.supported_types = string_list(member(root, "supported_types"), "manifest: \"supported_types\"");
  const auto& schema = member(root, "config_schema");
  if (!schema.is_object()) throw invalid_argument("manifest: \"config_schema\" must be a JSON object");
  manifest.config_schema_json = json::serialize(schema);
  return manifest;
}

Manifest manifest_of(const MageioPluginDescriptor& d) {
  const std::string bad = "bad descriptor: ";
  if (d.struct_size < kDescriptorSize_1_0)
    throw invalid_argument(bad + "struct_size " + std::to_string(d.struct_size) + " is smaller than ABI 1.0's " +
                           std::to_string(kDescriptorSize_1_0));
  if (d.name == nullptr) throw invalid_argument(bad + "name is NULL");
  if (d.version == nullptr) throw invalid_argument(bad + "version is NULL");
  if (d.description == nullptr) throw invalid_argument(bad + "description is NULL");
  if (d.config_schema_json == nullptr) throw invalid_argument(bad + "config_schema_json is NULL");
  if (d.supported_types == nullptr) throw invalid_argument(bad + "supported_types is NULL");
  Manifest manifest;
  manifest.name = d.name;
  manifest.version = d.version;
  manifest.description = d.description;
  manifest.abi_version = d.abi_version;
  manifest.capabilities = d.capabilities;
  try {
    manifest.supported_types = parse_supported_types(d.supported_types, d.abi_version);
    manifest.config_schema_json = canonical_schema(d.config_schema_json);
  } catch (const Error& e) {
    throw invalid_argument(bad + e.what());
  }
  return manifest;
}

std::string check_abi_version(uint32_t answered, uint32_t offered) {
  if (answered < MAGEIO_ABI_VERSION_1_0)
    return "ABI too old: the plugin answered ABI " + abi_version_text(answered) + "; this host needs at least " +
           abi_version_text(MAGEIO_ABI_VERSION_1_0);
  if (MAGEIO_ABI_MAJOR(answered) != MAGEIO_ABI_MAJOR(offered) || answered > offered)
    return "ABI too new: the plugin answered ABI " + abi_version_text(answered) + " but this host speaks " +
           abi_version_text(offered) + " at most";
  return {};
}

std::string check_manifest(const Manifest& m, uint32_t host_abi_version) {
  static const std::regex name_pattern("[a-z][a-z0-9_]{0,63}");
  if (!std::regex_match(m.name, name_pattern)) return "name '" + m.name + "' is not [a-z][a-z0-9_]* (at most 64 bytes)";
  if (m.version.empty()) return "version is empty";
  if (auto problem = check_abi_version(m.abi_version, host_abi_version); !problem.empty()) return problem;
  for (const auto& type : m.supported_types) {
    try {
      DataType::from_name(type);
    } catch (const std::exception&) {
      return "supported_types lists unknown type '" + type + "'";
    }
  }
  if ((m.capabilities & (MAGEIO_CAP_UPSERT | MAGEIO_CAP_LOAD_QUERY)) &&
      !(m.capabilities & (MAGEIO_CAP_EXPORT | MAGEIO_CAP_LOAD)))
    return "declares upsert or query capabilities without load or export";
  if ((m.capabilities & MAGEIO_CAP_PARTITIONS) && !(m.capabilities & MAGEIO_CAP_LOAD))
    return "declares the partitions capability without load";
  if ((m.capabilities & MAGEIO_CAP_PARTITIONS) && m.abi_version < MAGEIO_ABI_VERSION_1_1)
    return "declares the partitions capability (ABI 1.1) but answers ABI " + abi_version_text(m.abi_version);
  if ((m.capabilities & MAGEIO_CAP_STAGED_EXPORT) && !(m.capabilities & MAGEIO_CAP_EXPORT))
    return "declares the staged_export capability without export";
  if ((m.capabilities & MAGEIO_CAP_STAGED_EXPORT) && m.abi_version < MAGEIO_ABI_VERSION_1_1)
    return "declares the staged_export capability (ABI 1.1) but answers ABI " + abi_version_text(m.abi_version);
  try {
    ConfigSchema::parse(m.config_schema_json);
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

std::string manifest_difference(const Manifest& manifest, const Manifest& loaded) {
  auto differ = [](const char* field, const std::string& built, const std::string& now) {
    return std::string(field) + ": the manifest says " + built + ", the entry point says " + now;
  };
  if (manifest.name != loaded.name) return differ("name", manifest.name, loaded.name);
  if (manifest.version != loaded.version) return differ("version", manifest.version, loaded.version);
  if (manifest.abi_version != loaded.abi_version)
    return differ("abi_version", abi_version_text(manifest.abi_version), abi_version_text(loaded.abi_version));
  if (manifest.capabilities != loaded.capabilities)
    return differ("capabilities", joined(capability_names(manifest.capabilities)),
                  joined(capability_names(loaded.capabilities)));
  if (manifest.supported_types != loaded.supported_types)
    return differ("supported_types", joined(manifest.supported_types), joined(loaded.supported_types));
  if (manifest.config_schema_json != loaded.config_schema_json)
    return differ("config_schema", manifest.config_schema_json, loaded.config_schema_json);
  if (manifest.description != loaded.description)
    return differ("description", "'" + manifest.description + "'", "'" + loaded.description + "'");
  return {};
}

}  // namespace mageio::sdk
