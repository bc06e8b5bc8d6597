#include "descriptor_check.hpp"

#include <mageio/sdk/descriptor.hpp>

#include <cstddef>

namespace mageio {
namespace {

// The descriptor of ABI 1.0 ends after its last slot; a plugin of that version wrote at least this much.
constexpr size_t kDescriptorSize_1_0 = offsetof(MageioPluginDescriptor, table_exists) + sizeof(MageioTableExistsFn);

struct SlotRule {
  uint64_t capability;
  bool set;
  const char* slot;
};

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
  if (d.capabilities & MAGEIO_CAP_PARTITIONS) {
    // check_manifest already refused the bit below ABI 1.1; the slots must lie within the struct.
    constexpr size_t end = offsetof(MageioPluginDescriptor, load_partition) + sizeof(MageioLoadPartitionFn);
    if (d.struct_size < end)
      return "bad descriptor: declares the partitions capability but its struct_size " + std::to_string(d.struct_size) +
             " does not reach the plan_partitions/load_partition slots";
    if (d.plan_partitions == nullptr || d.load_partition == nullptr)
      return "bad descriptor: declares the partitions capability but plan_partitions or load_partition is NULL";
  }
  if (d.capabilities & MAGEIO_CAP_STAGED_EXPORT) {
    constexpr size_t end = offsetof(MageioPluginDescriptor, stage_finish) + sizeof(MageioStageFinishFn);
    if (d.struct_size < end)
      return "bad descriptor: declares the staged_export capability but its struct_size " +
             std::to_string(d.struct_size) + " does not reach the stage_begin/stage_write/stage_finish slots";
    if (d.stage_begin == nullptr || d.stage_write == nullptr || d.stage_finish == nullptr)
      return "bad descriptor: declares the staged_export capability but stage_begin, stage_write or stage_finish "
             "is NULL";
  }
  return {};
}

}  // namespace

std::string abi_version_text(uint32_t version) { return sdk::abi_version_text(version); }

std::string check_descriptor(const MageioPluginDescriptor* descriptor, uint32_t offered, sdk::Manifest* manifest) {
  if (descriptor == nullptr) return "bad descriptor: the entry point returned OK but no descriptor";
  const MageioPluginDescriptor& d = *descriptor;
  if (d.struct_size < kDescriptorSize_1_0)
    return "bad descriptor: struct_size " + std::to_string(d.struct_size) + " is smaller than ABI 1.0's " +
           std::to_string(kDescriptorSize_1_0);
  // Version first: the rest of the descriptor is read as the version it answered.
  if (auto problem = sdk::check_abi_version(d.abi_version, offered); !problem.empty()) return problem;
  sdk::Manifest read;
  try {
    read = sdk::manifest_of(d);
  } catch (const std::exception& e) {
    return e.what();
  }
  // The same validator as for manifests read from a file, so both paths accept the same plugins.
  if (auto problem = sdk::check_manifest(read, offered); !problem.empty()) return "bad descriptor: " + problem;
  if (auto problem = check_slots(d); !problem.empty()) return problem;
  if (manifest != nullptr) *manifest = std::move(read);
  return {};
}

}  // namespace mageio
