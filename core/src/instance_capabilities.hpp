// The capabilities of one opened instance (ABI 1.1, MageioPluginDescriptor.instance_capabilities). A
// descriptor is one per library and read before any instance exists, so it declares what some
// instance may do; an instance says what it does right after open. Asked by the host for an instance
// in process, and by mageio-plugin-host for an isolated one (which forwards the answer).
#pragma once

#include <mageio/mageio_abi.h>

#include <cstdint>
#include <string>

namespace mageio {

/// The descriptor's instance_capabilities slot when the host may read it (the plugin answered ABI 1.1
/// or later and struct_size covers the slot), else NULL: the descriptor's capabilities then hold for
/// every instance.
MageioInstanceCapabilitiesFn instance_capabilities_slot(const MageioPluginDescriptor& descriptor);

/// "" when every bit of `answered` is in `declared`; otherwise what is wrong, naming the extra bits.
/// Such an answer is an error, never narrowed silently: which of the bits the plugin meant is unknown.
std::string capabilities_beyond(uint64_t answered, uint64_t declared);

}  // namespace mageio
