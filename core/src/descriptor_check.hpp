// Validation of what a plugin reports about itself, before the host trusts any of it.
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/sdk/descriptor.hpp>

#include <string>

namespace mageio {

/// The reason the descriptor cannot be used, or "" when it is sound. `offered` is the ABI version the
/// host offered in negotiation. When sound and `manifest` is not NULL, it receives what the descriptor says.
std::string check_descriptor(const MageioPluginDescriptor* descriptor, uint32_t offered,
                             sdk::Manifest* manifest = nullptr);

/// "1.0" for 1000000.
std::string abi_version_text(uint32_t version);

}  // namespace mageio
