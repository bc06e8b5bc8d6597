// What a plugin says about itself, in one shape whether it was read from the descriptor its entry point
// returned or from the manifest embedded in its library (ELF section MAGEIO_MANIFEST_SECTION). The host
// registry, the CLI, the conformance kit and the mageio-manifest build tool all use this one codec and
// one validator, so the capability names and the rules cannot drift apart.
#pragma once

#include <mageio/mageio_abi.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::sdk {

/// The version of the manifest document itself (its "manifest_version" key).
inline constexpr int kManifestVersion = 1;

/// A plugin's self-description without its function table.
struct Manifest {
  std::string name;
  std::string version;
  std::string description;
  uint32_t abi_version = 0;
  uint64_t capabilities = 0;
  std::vector<std::string> supported_types;
  std::string config_schema_json;  // the config schema object, re-serialized (so equal schemas compare equal)

  bool operator==(const Manifest&) const = default;
};

/// "1.0" for 1000000.
std::string abi_version_text(uint32_t version);

/// The display names of the capability bits that are set, in bit order: "load", "export", "execute",
/// "execute_queries", "alter_table", "table_exists", "upsert", "transactions", "query", "tables", "paths", "partitions"
/// (1.1).
std::vector<std::string> capability_names(uint64_t capabilities);
/// The bit of a display name; 0 when the name is unknown.
uint64_t capability_bit(std::string_view name);
/// The display names of `bits` joined with ", " ("export, upsert"); bits without a name follow as
/// "bits N". For messages about capabilities.
std::string capability_list(uint64_t bits);

/// supported_types as a descriptor of `abi_version` carries it: ";"-separated for 1.0, a JSON array since 1.1.
std::string supported_types_text(const std::vector<std::string>& types, uint32_t abi_version);
/// The reverse; throws Error(INVALID_ARGUMENT) when a 1.1 text is not a JSON array of strings.
std::vector<std::string> parse_supported_types(std::string_view text, uint32_t abi_version);

/// The manifest document (see MAGEIO_MANIFEST_SECTION in mageio_abi.h).
std::string to_json(const Manifest& manifest);
/// Parses a manifest document; throws Error(INVALID_ARGUMENT) saying what is malformed. Does not
/// validate the content: see check_manifest.
Manifest parse_manifest(std::string_view json);

/// The manifest of a descriptor the entry point returned. Reads only fields within struct_size and
/// refuses NULL strings; throws Error(INVALID_ARGUMENT) prefixed "bad descriptor: ".
Manifest manifest_of(const MageioPluginDescriptor& descriptor);

/// Why a plugin that answered ABI `answered` cannot work with a host that offered `offered` ("ABI too
/// old: ..." / "ABI too new: ..."), or "" when it can.
std::string check_abi_version(uint32_t answered, uint32_t offered);

/// The one validator: the name pattern, a version, a known ABI version not above `host_abi_version`,
/// known capability and type names, coherent capabilities, a well-formed config schema. Returns the
/// first problem, or "" when the manifest is sound.
std::string check_manifest(const Manifest& manifest, uint32_t host_abi_version = MAGEIO_ABI_VERSION);

/// The first difference between what the build recorded and what the loaded library answers, as
/// "FIELD: the manifest says X, the entry point says Y", or "" when they agree.
std::string manifest_difference(const Manifest& manifest, const Manifest& loaded);

}  // namespace mageio::sdk
