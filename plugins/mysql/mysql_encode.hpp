// Arrow values as the text MySQL reads: one LOAD DATA line (tab-separated, backslash-escaped) or one
// parenthesised row of SQL literals for a multi-row INSERT.
//
// Text forms: integers in decimal; floats as the shortest text that reads back to the same value
// (NaN and infinities are an error: MySQL columns cannot hold them); decimals with exactly `scale`
// digits after the point; bool 1/0; dates YYYY-MM-DD; timestamps 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC
// for zoned timestamps); times [-]HH:MM:SS[.ffffff]; text as is; binary as raw bytes in LOAD DATA and
// X'hex' literals in INSERT.
//
// LOAD DATA lines use the fixed format the export's LOAD DATA statement declares
// (FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' LINES TERMINATED BY X'0A', CHARACTER SET binary):
// NULL is \N, and backslash, tab, newline and NUL inside values are escaped as \\ \t \n \0.
#pragma once

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/types.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mageio::mysql {

/// The text of the last date formatted: consecutive rows mostly share their date (or a timestamp's day),
/// and civil_from_days is the most expensive part of formatting one.
struct DateCache {
  int64_t days = INT64_MIN;
  char text[10] = {};
};

class ValueWriter {
 public:
  /// `backslash_escapes`: the session's sql_mode lets backslashes escape in string literals.
  ValueWriter(const sdk::Schema& schema, bool backslash_escapes);

  /// Appends row `row` of `batch` as one LOAD DATA line, newline included. `row_number` (1-based, over the
  /// whole export) is for messages.
  void append_line(const sdk::BatchView& batch, int64_t row, int64_t row_number, std::string& out) const;
  /// Appends "(v1,v2,...)".
  void append_tuple(const sdk::BatchView& batch, int64_t row, int64_t row_number, std::string& out) const;

 private:
  enum class Kind {
    Null,
    Bool,
    Signed,
    Unsigned,
    Float32,
    Float64,
    Decimal,
    Text,
    Binary,
    Date,
    Timestamp,
    Time,
    Duration
  };
  void append_value(const sdk::ColumnView& column, size_t c, int64_t row, int64_t row_number, bool sql,
                    std::string& out) const;
  [[noreturn]] void bad_value(size_t c, int64_t row_number, const std::string& why) const;

  sdk::Schema schema_;
  std::vector<Kind> kinds_;
  mutable std::vector<DateCache> dates_;  // per column; a writer is used by one thread at a time
  bool backslash_escapes_;
};

// Exposed for tests and reuse.
void append_date(std::string& out, int32_t days, DateCache* cache = nullptr);
void append_timestamp(std::string& out, int64_t micros, DateCache* cache = nullptr);
void append_time(std::string& out, int64_t micros);
void append_decimal(std::string& out, sdk::int128 unscaled, int32_t scale);
/// `bytes` with LOAD DATA's escapes (\\ \t \n \0).
void append_escaped_field(std::string& out, std::string_view bytes);

}  // namespace mageio::mysql
