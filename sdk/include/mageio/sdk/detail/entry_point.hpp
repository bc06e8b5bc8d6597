// The machinery behind MAGEIO_PLUGIN. Plugin authors never call this directly.
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/sdk/connector.hpp>

#include <functional>
#include <memory>

namespace mageio::sdk::detail {

using Factory = std::function<std::unique_ptr<Connector>(const Config&, Host&)>;

/// Builds (once) the descriptor for `info` whose open slot calls `factory`, and answers the host's
/// version offer. Defined in the SDK library; one per plugin because each plugin links its own copy.
MageioStatus negotiate(uint32_t host_abi_version, PluginInfo (*info)(), Factory factory,
                       const MageioPluginDescriptor** out, MageioError* error) noexcept;

template <typename ConnectorClass>
MageioStatus plugin_entry(uint32_t host_abi_version, const MageioPluginDescriptor** out, MageioError* error) noexcept {
  return negotiate(
      host_abi_version, &ConnectorClass::info,
      [](const Config& config, Host& host) -> std::unique_ptr<Connector> {
        return std::make_unique<ConnectorClass>(config, host);
      },
      out, error);
}

/// Fills *error from the exception in flight (call inside a catch block) and returns its status.
MageioStatus report_current_exception(MageioError* error) noexcept;

}  // namespace mageio::sdk::detail
