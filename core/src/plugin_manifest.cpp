#include "plugin_manifest.hpp"

#include "elf_section.hpp"

#include <mageio/sdk/error.hpp>

namespace mageio {

std::optional<sdk::Manifest> read_plugin_manifest(const std::filesystem::path& library) {
  auto text = read_elf_section(library, MAGEIO_MANIFEST_SECTION);
  if (!text) return std::nullopt;
  sdk::Manifest manifest = sdk::parse_manifest(*text);
  if (auto problem = sdk::check_manifest(manifest); !problem.empty())
    throw sdk::invalid_argument("bad manifest: " + problem);
  return manifest;
}

std::string manifest_mismatch(const sdk::Manifest& manifest, const sdk::Manifest& loaded) {
  const std::string difference = sdk::manifest_difference(manifest, loaded);
  if (difference.empty()) return {};
  return "plugin '" + manifest.name + "' does not match its manifest (" + difference +
         "); rebuild it so that mageio_add_manifest records what the library says";
}

}  // namespace mageio
