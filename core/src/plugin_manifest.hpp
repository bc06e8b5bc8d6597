// A plugin library's manifest (ELF section MAGEIO_MANIFEST_SECTION), read without loading the library,
// and the check that the loaded library still says what its manifest says. Shared by the registry and
// the isolation child (mageio-plugin-host).
#pragma once

#include <mageio/sdk/descriptor.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace mageio {

/// What plugin discovery tells a plugin author whose library has no manifest.
inline constexpr const char* kNoManifest = "no manifest; rebuild with mageio_add_manifest";

/// The library's manifest, parsed and validated; nullopt when the file is ELF but has no manifest section.
/// Throws sdk::Error(INVALID_ARGUMENT) with the reason when the file or its manifest is malformed.
std::optional<sdk::Manifest> read_plugin_manifest(const std::filesystem::path& library);

/// "" when what the entry point answered agrees with the manifest, else a message naming the plugin and
/// the first difference.
std::string manifest_mismatch(const sdk::Manifest& manifest, const sdk::Manifest& loaded);

}  // namespace mageio
