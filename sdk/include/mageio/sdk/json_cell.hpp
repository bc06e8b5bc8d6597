// Writing Arrow values as JSON, for plugins whose storage is JSON (JSON Lines files, the template's
// stand-in table) or that put values in JSON documents. One spelling everywhere:
//
//   null -> null;  bool -> true/false;  integers of any width (uint64 included) -> numbers;
//   floats -> numbers in shortest round-trip form, integral ones with ".0" so that they read back as
//     floating point; NaN, Infinity, -Infinity -> the strings "NaN", "Infinity", "-Infinity" (JSON has
//     no such numbers);
//   strings -> strings (they must be valid UTF-8);
//   decimal, binary, dates, timestamps, times, durations -> their canonical text (values.hpp) as a string.
#pragma once

#include <mageio/sdk/arrow_reader.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mageio::sdk {

/// Appends `text` as a JSON string literal, quotes included. Quote, backslash and control characters are
/// escaped; every other byte is copied as it is (the text is taken to be valid UTF-8).
void append_json_string(std::string& out, std::string_view text);

/// Appends a floating-point value as described above ("1.0", "0.25", "1e+300", "\"NaN\""); `single`: the
/// value is a float32, written with the shortest digits of the float32 ("0.1", not "0.10000000149011612").
void append_json_float(std::string& out, double value, bool single = false);

/// Appends the value at `row` of `column` as described above. A string that is not valid UTF-8 is not
/// written: the return value is then the offset of its first bad byte, for the caller's message naming
/// the column and row; otherwise std::string_view::npos.
size_t append_json_cell(std::string& out, const ColumnView& column, int64_t row);

}  // namespace mageio::sdk
