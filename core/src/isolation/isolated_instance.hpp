// The host side of an isolated instance: a MageioPluginDescriptor whose slots forward every operation
// to a `mageio-plugin-host` child over the wire (one child per opened instance). The Connector calls
// these slots exactly as it calls a plugin's own, so it validates isolated results the same way.
#pragma once

#include <mageio/mageio_abi.h>

#include <filesystem>
#include <optional>
#include <string>

namespace mageio::isolation {

/// Starts a child that loads `library` (the plugin named `plugin_name`), negotiates and opens it with
/// `config_json`. Same contract as MageioOpenFn; `host` must outlive the instance. The library is never
/// loaded in this process. A child that makes no progress for `timeout` seconds is killed.
MageioStatus open_isolated(const std::filesystem::path& library, const std::string& plugin_name,
                           std::optional<double> timeout, const char* config_json, const MageioHostServices* host,
                           MageioInstance** out, MageioError* error);

/// The slots to call on an instance open_isolated returned (open is NULL; the rest forward).
const MageioPluginDescriptor& isolated_slots();

}  // namespace mageio::isolation
