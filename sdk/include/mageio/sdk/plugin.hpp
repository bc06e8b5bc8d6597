// MAGEIO_PLUGIN(Class): the one macro a plugin needs. It exports the C entry point and builds the
// descriptor from Class::info(); trampolines (entry_point.hpp) catch every exception at the boundary.
#pragma once

#include <mageio/sdk/connector.hpp>
#include <mageio/sdk/detail/entry_point.hpp>

#define MAGEIO_PLUGIN(ConnectorClass)                                                                    \
  extern "C" __attribute__((visibility("default"))) MageioStatus mageio_plugin_entry(                    \
      uint32_t host_abi_version, const struct MageioPluginDescriptor** out, struct MageioError* error) { \
    return ::mageio::sdk::detail::plugin_entry<ConnectorClass>(host_abi_version, out, error);            \
  }
