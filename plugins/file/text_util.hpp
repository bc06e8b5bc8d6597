// Small text helpers shared by the readers and writers: quoting values for error messages. UTF-8
// validation and JSON string escaping are the SDK's (mageio/sdk/utf8.hpp, mageio/sdk/json_cell.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <mageio/sdk/json_cell.hpp>
#include <mageio/sdk/utf8.hpp>

namespace mageio::file {

/// A value quoted for an error message: JSON-escaped (so newlines and control characters are visible),
/// truncated to about `max_bytes` on a character boundary with "..." when longer.
std::string quote_for_message(std::string_view value, size_t max_bytes = 40);

/// ASCII lower case.
std::string ascii_lower(std::string_view text);

/// "a" or "an" for a type name, for messages ("an int64", "a float64").
const char* article_for(std::string_view type_name);

}  // namespace mageio::file
