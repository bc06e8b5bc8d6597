// Reads one named section of an ELF file without loading it: the host learns what a plugin is from its
// manifest section before (and without) running any of its code. Every offset and size the file states
// is checked against the file's real size, so a truncated or hostile file is refused, never trusted.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace mageio {

/// The contents of the section named `name`, or nullopt when the file is a well-formed ELF file without
/// it. Throws sdk::Error(INVALID_ARGUMENT) with a clear reason when the file is not ELF, is truncated or
/// malformed, has the section twice, or the section is larger than `max_size` bytes.
std::optional<std::string> read_elf_section(const std::filesystem::path& file, std::string_view name,
                                            size_t max_size = 1 << 20);

}  // namespace mageio
