#include "descriptor_check.hpp"

#include <mageio/sdk/types.hpp>

#include <cstddef>
#include <regex>
#include <sstream>

namespace mageio {
namespace {

// The descriptor of ABI 1.0 ends after its last slot; a plugin of that version wrote at least this much.
constexpr size_t kDescriptorSize_1_0 = offsetof(MageioPluginDescriptor, table_exists) + sizeof(MageioTableExistsFn);

struct SlotRule {
  uint64_t capability;
  bool set;
  const char* slot;
};

std::string check_strings(const MageioPluginDescriptor& d) {
  static const std::regex name_pattern("[a-z][a-z0-9_]{0,63}");
  if (d.name == nullptr) return "bad descriptor: name is NULL";
  if (!std::regex_match(d.name, name_pattern))
    return std::string("bad descriptor: name '") + d.name + "' is not [a-z][a-z0-9_]* (at most 64 bytes)";
  if (d.version == nullptr || *d.version == '\0') return "bad descriptor: version is NULL or empty";
  if (d.description == nullptr) return "bad descriptor: description is NULL";
  if (d.config_schema_json == nullptr) return "bad descriptor: config_schema_json is NULL";
  if (d.supported_types == nullptr) return "bad descriptor: supported_types is NULL";
  std::stringstream types(d.supported_types);
  for (std::string type; std::getline(types, type, ';');) {
    try {
      sdk::DataType::from_name(type);
    } catch (const std::exception&) {
      return "bad descriptor: supported_types lists unknown type '" + type + "'";
    }
  }
  return {};
}

std::string check_slots(const MageioPluginDescriptor& d) {
  if (d.open == nullptr || d.close == nullptr) return "bad descriptor: the required open/close slots are NULL";
  const SlotRule rules[] = {
      {MAGEIO_CAP_LOAD, d.load != nullptr, "load"},
      {MAGEIO_CAP_EXPORT, d.export_data != nullptr, "export_data"},
      {MAGEIO_CAP_EXECUTE, d.execute != nullptr, "execute"},
      {MAGEIO_CAP_EXECUTE_QUERIES, d.execute_queries != nullptr, "execute_queries"},
      {MAGEIO_CAP_ALTER_TABLE, d.alter_table != nullptr, "alter_table"},
      {MAGEIO_CAP_TABLE_EXISTS, d.table_exists != nullptr, "table_exists"},
  };
  for (const auto& rule : rules)
    if ((d.capabilities & rule.capability) && !rule.set)
      return std::string("bad descriptor: declares the ") + rule.slot + " capability but its slot is NULL";
  if ((d.capabilities & (MAGEIO_CAP_UPSERT | MAGEIO_CAP_LOAD_QUERY)) &&
      !(d.capabilities & (MAGEIO_CAP_EXPORT | MAGEIO_CAP_LOAD)))
    return "bad descriptor: declares upsert or query capabilities without load or export";
  return {};
}

}  // namespace

std::string abi_version_text(uint32_t version) {
  return std::to_string(version / 1000000u) + "." + std::to_string(version / 1000u % 1000u);
}

std::string check_descriptor(const MageioPluginDescriptor* descriptor, uint32_t offered) {
  if (descriptor == nullptr) return "bad descriptor: the entry point returned OK but no descriptor";
  const MageioPluginDescriptor& d = *descriptor;
  if (d.struct_size < kDescriptorSize_1_0)
    return "bad descriptor: struct_size " + std::to_string(d.struct_size) + " is smaller than ABI 1.0's " +
           std::to_string(kDescriptorSize_1_0);
  if (d.abi_version < MAGEIO_ABI_VERSION_1_0)
    return "ABI too old: the plugin answered ABI " + abi_version_text(d.abi_version) + "; this host needs at least " +
           abi_version_text(MAGEIO_ABI_VERSION_1_0);
  if (MAGEIO_ABI_MAJOR(d.abi_version) != MAGEIO_ABI_MAJOR(offered) || d.abi_version > offered)
    return "ABI too new: the plugin answered ABI " + abi_version_text(d.abi_version) + " but this host speaks " +
           abi_version_text(offered) + " at most";
  if (auto problem = check_strings(d); !problem.empty()) return problem;
  return check_slots(d);
}

}  // namespace mageio
