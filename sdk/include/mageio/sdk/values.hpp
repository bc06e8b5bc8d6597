// Conversions between typed values and their canonical text, shared by every plugin so CSV, SQLite
// text, PostgreSQL text and MySQL strings agree on one spelling.
//
// Canonical text forms:
//   date       YYYY-MM-DD                      (proleptic Gregorian, years 0000-9999)
//   timestamp  YYYY-MM-DD HH:MM:SS[.ffffff]    (UTC-suffixed "+00:00" when the type has a time zone)
//   time       HH:MM:SS[.ffffff]
//   decimal    -123.45 (exactly `scale` digits after the point)
//   bool       true / false
//   binary     \x followed by lowercase hex (as PostgreSQL's bytea output)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mageio::sdk {

using int128 = __int128;

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

/// Days since 1970-01-01 for a proleptic Gregorian date.
int32_t days_from_civil(int64_t year, unsigned month, unsigned day);
/// The date of a day count since 1970-01-01.
void civil_from_days(int64_t days, int64_t& year, unsigned& month, unsigned& day);

std::string format_date(int32_t days);
std::string format_timestamp(int64_t micros, bool with_time_zone);
std::string format_time(int64_t micros);
std::string format_duration(int64_t micros);  // [-]HH:MM:SS[.ffffff], hours unbounded (-838:59:59, 100:00:00)
std::string format_decimal(int128 value, int32_t scale);
/// THE text of a float, everywhere a float becomes text (CSV/JSON Lines export, the CLI's tables,
/// ColumnView::to_text, SQLite text): the shortest digits that read back to the same value, in plain
/// notation ("0.0002", "1500000", "-2.5") unless that needs more than six zeros beyond those digits
/// (then "1e-08", "1.5e+300"); "NaN", "Infinity", "-Infinity". A float32 gets the shortest digits of
/// the float32 ("0.1", not "0.10000000149011612").
std::string format_double(double value);
std::string format_float(float value);
std::string format_hex_binary(std::string_view bytes);

// Parsers return nullopt when the text is not of that form (callers build the error message, since
// only they know the line and column).
std::optional<int32_t> parse_date(std::string_view text);
/// Accepts "YYYY-MM-DD[ T]HH:MM[:SS[.f{1,9}]]" with an optional "Z" or "+HH[:MM]"/"-HH[:MM]" offset,
/// which is applied (the result is UTC micros). has_offset tells whether one was given.
std::optional<int64_t> parse_timestamp(std::string_view text, bool* has_offset = nullptr);
std::optional<int64_t> parse_time(std::string_view text);
std::optional<int64_t> parse_int64(std::string_view text);
std::optional<double> parse_double(std::string_view text);  // also nan, inf, -inf, infinity
std::optional<bool> parse_bool(std::string_view text);      // true/false/t/f/yes/no/1/0, any case
/// Parses a decimal and rescales it to `scale`; nullopt when it is not a number, has more fractional
/// digits than scale allows (no silent rounding), or does not fit in `precision` digits.
std::optional<int128> parse_decimal(std::string_view text, int32_t precision, int32_t scale);

}  // namespace mageio::sdk
