#include "instance_capabilities.hpp"

#include <mageio/sdk/descriptor.hpp>

#include <cstddef>

namespace mageio {

MageioInstanceCapabilitiesFn instance_capabilities_slot(const MageioPluginDescriptor& descriptor) {
  constexpr size_t end = offsetof(MageioPluginDescriptor, instance_capabilities) + sizeof(MageioInstanceCapabilitiesFn);
  // A 1.0 plugin's struct ends before the slot, and a 1.1 plugin built before the slot was appended
  // has a struct_size that does not reach it: neither is read.
  if (descriptor.abi_version < MAGEIO_ABI_VERSION_1_1 || descriptor.struct_size < end) return nullptr;
  return descriptor.instance_capabilities;
}

std::string capabilities_beyond(uint64_t answered, uint64_t declared) {
  const uint64_t extra = answered & ~declared;
  if (extra == 0) return {};
  return "the instance claims capabilities its descriptor does not declare (" + sdk::capability_list(extra) +
         "); an instance can only do a part of what its plugin declares";
}

}  // namespace mageio
