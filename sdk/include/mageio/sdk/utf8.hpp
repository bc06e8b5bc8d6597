// UTF-8 validation for plugins: Arrow utf8 columns must hold valid UTF-8, so every plugin that reads
// text from outside (files, SQLite's untyped TEXT, a JSON table) checks it with these, and the CLI
// decodes with the same rules to measure display widths.
//
// Valid means RFC 3629: no overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF,
// no truncated sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mageio::sdk {

/// Decodes the sequence that starts at text[i] (i < text.size()): returns its code point and sets
/// `length` to its byte count, or returns -1 with `length` 1 when the bytes there are not valid UTF-8.
int32_t decode_utf8(std::string_view text, size_t i, size_t& length);

/// Offset of the first byte that does not start a valid sequence, or std::string_view::npos when the
/// whole text is valid. ASCII runs are skipped eight bytes at a time.
size_t invalid_utf8_offset(std::string_view text);

/// True when the whole text is valid UTF-8.
inline bool valid_utf8(std::string_view text) { return invalid_utf8_offset(text) == std::string_view::npos; }

/// True when every byte is below 0x80 (such text is valid UTF-8 whatever else it holds).
bool is_ascii(std::string_view text);

}  // namespace mageio::sdk
