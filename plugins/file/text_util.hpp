// Small text helpers shared by the readers and writers: UTF-8 validation, JSON string escaping and
// quoting values for error messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mageio::file {

/// Offset of the first byte that does not belong to a valid UTF-8 sequence (overlong forms, surrogates
/// and code points above U+10FFFF are invalid), or std::string_view::npos when the text is valid.
size_t invalid_utf8_offset(std::string_view text);

/// True when every byte is below 0x80 (then the text is valid UTF-8 whatever its fields are).
bool is_ascii(std::string_view text);

/// Appends `text` as a JSON string literal (with quotes). Control characters, quote and backslash are
/// escaped; everything else (valid UTF-8) is copied as is.
void append_json_string(std::string& out, std::string_view text);

/// A value quoted for an error message: JSON-escaped (so newlines and control characters are visible),
/// truncated to about `max_bytes` on a character boundary with "..." when longer.
std::string quote_for_message(std::string_view value, size_t max_bytes = 40);

/// ASCII lower case.
std::string ascii_lower(std::string_view text);

/// "a" or "an" for a type name, for messages ("an int64", "a float64").
const char* article_for(std::string_view type_name);

}  // namespace mageio::file
