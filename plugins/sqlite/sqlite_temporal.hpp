// How dates and timestamps are spelt in SQLite text, for every value Arrow can hold.
//
// Years 0000 to 9999 use the SDK's canonical text ('2024-02-29', '2024-02-29 13:45:00.5', with
// '+00:00' for a zoned timestamp), which SQLite's own date functions understand. Everything else that a
// date32 or a timestamp[us] can hold is written so that reading it back gives the very same value:
//
//   - the sentinels the SQL plugins use for PostgreSQL's infinities (plugins/postgres/README.md):
//     timestamp INT64_MAX / INT64_MIN microseconds and date INT32_MAX / INT32_MIN days are written as
//     'infinity' and '-infinity', as PostgreSQL spells them;
//   - other years below 0 or above 9999 get an ISO 8601 expanded year: a sign and at least four digits,
//     in astronomical numbering (year 0 is 1 BC, -0043 is 44 BC), e.g. '-0043-03-15' and
//     '+294247-01-10 04:00:54.775806'.
//
// SQLite's date and time functions return NULL for these spellings: they only know years 0000-9999.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mageio::sqlite {

std::string format_date_text(int32_t days);
std::string format_timestamp_text(int64_t micros, bool with_time_zone);

/// nullopt when the text is not a date (or does not fit in date32).
std::optional<int32_t> parse_date_text(std::string_view text);
/// nullopt when the text is not a timestamp (or is outside the int64 microsecond range). An offset
/// ('+02:00', 'Z') is applied: the result is UTC.
std::optional<int64_t> parse_timestamp_text(std::string_view text);

}  // namespace mageio::sqlite
