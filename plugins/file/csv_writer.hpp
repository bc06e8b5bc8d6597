// Writing Arrow batches as CSV (RFC 4180).
//
//   - a header row with the column names (unless header=false);
//   - LF line endings; the delimiter from the settings;
//   - a field is quoted only when needed: when it contains the delimiter, a quote (doubled), CR or LF,
//     starts or ends with a space or tab, is empty (an empty string is written "" so that it is not
//     read back as null), or equals null_string;
//   - null is an empty unquoted field (or null_string when set);
//   - values in their canonical text (values.hpp): true/false, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS[.ffffff]
//     with "+00:00" for zoned timestamps, decimals with exactly `scale` digits, binary as \x-hex;
//     floats in their shortest round-trip form, with ".0" added to integral values (3.0 -> "3.0") so
//     they are read back as float64; NaN and infinities as format_double writes them.
#pragma once

#include <mageio/sdk/atomic_file.hpp>
#include "file_options.hpp"

#include <mageio/sdk/arrow_reader.hpp>

#include <string>

namespace mageio::file {

class CsvWriter {
 public:
  CsvWriter(sdk::AtomicFile& out, const sdk::Schema& schema, const CsvSettings& settings);

  void write_header();
  /// Throws Error(INVALID_ARGUMENT) when a string value is not valid UTF-8.
  void write_batch(const sdk::BatchView& batch);

 private:
  void append_field(std::string_view text);

  sdk::AtomicFile& out_;
  const sdk::Schema& schema_;
  CsvSettings settings_;
  std::string line_;
  int64_t rows_ = 0;
};

/// Checks a string value about to be written; throws naming the column and the row (1-based; 0 for a
/// column name).
void check_utf8_value(std::string_view text, const std::string& column, int64_t row);

/// The error of check_utf8_value for a value whose first bad byte is at `bad`.
[[noreturn]] void throw_invalid_utf8(const std::string& column, int64_t row, size_t bad);

}  // namespace mageio::file
