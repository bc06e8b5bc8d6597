#include <mageio/sdk/values.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace mageio::sdk {
namespace {

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool is_leap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Reads exactly `width` digits at `pos`.
bool read_digits(std::string_view text, size_t& pos, size_t width, int64_t& out) {
  if (pos + width > text.size()) return false;
  int64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += width;
  out = value;
  return true;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// HH:MM[:SS[.fraction]] at pos, as micros since midnight. Fractions beyond microseconds are truncated.
bool read_time_of_day(std::string_view text, size_t& pos, int64_t& micros) {
  int64_t hour = 0, minute = 0, second = 0, fraction = 0;
  if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') || !read_digits(text, pos, 2, minute)) return false;
  if (expect(text, pos, ':')) {
    if (!read_digits(text, pos, 2, second)) return false;
    if (expect(text, pos, '.')) {
      size_t digits = 0;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        if (digits < 6) fraction = fraction * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0 || digits > 9) return false;
      for (size_t i = digits; i < 6; ++i) fraction *= 10;
    }
  }
  // 24:00:00 is allowed for times (end of day), as PostgreSQL does.
  bool end_of_day = hour == 24 && minute == 0 && second == 0 && fraction == 0;
  if ((hour > 23 && !end_of_day) || minute > 59 || second > 59) return false;
  micros = ((hour * 60 + minute) * 60 + second) * kMicrosPerSecond + fraction;
  return true;
}

// Days from 1970-01-01 without narrowing, for years far outside what date32 holds (the era-based civil
// calendar algorithm: 400-year cycles of 146097 days).
int64_t days_from_civil_wide(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = floor_div(year, 400);
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// An expanded year has a sign and at least four digits. Nine digits reach far beyond date32 and int64
// microseconds (about 5.9 million and 294 thousand years) while keeping the arithmetic inside int64;
// the callers check the range of their type.
constexpr size_t kMaxExpandedYearDigits = 9;

// The year at pos: four digits, or a sign and 4..9 digits (ISO 8601 expanded, astronomical numbering).
bool read_year(std::string_view text, size_t& pos, int64_t& year) {
  if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return read_digits(text, pos, 4, year);
  const bool negative = text[pos] == '-';
  size_t end = pos + 1;
  while (end < text.size() && end - (pos + 1) <= kMaxExpandedYearDigits &&
         std::isdigit(static_cast<unsigned char>(text[end])))
    ++end;
  const size_t digits = end - (pos + 1);
  if (digits < 4 || digits > kMaxExpandedYearDigits) return false;
  size_t digits_pos = pos + 1;
  if (!read_digits(text, digits_pos, digits, year)) return false;
  if (negative) year = -year;
  pos = end;
  return true;
}

// YYYY-MM-DD (or an expanded year) at pos, as days since 1970-01-01; not range-checked.
bool read_date(std::string_view text, size_t& pos, int64_t& days) {
  int64_t year = 0, month = 0, day = 0;
  if (!read_year(text, pos, year) || !expect(text, pos, '-') || !read_digits(text, pos, 2, month) ||
      !expect(text, pos, '-') || !read_digits(text, pos, 2, day))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, static_cast<unsigned>(month))) return false;
  days = days_from_civil_wide(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return true;
}

bool equals_ignoring_case(std::string_view text, std::string_view lowercase_word) {
  if (text.size() != lowercase_word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != lowercase_word[i]) return false;
  return true;
}

// +1 for infinity / +infinity, -1 for -infinity (any case, as PostgreSQL reads them), 0 otherwise.
int infinity_sign(std::string_view text) {
  if (equals_ignoring_case(text, "infinity") || equals_ignoring_case(text, "+infinity")) return 1;
  if (equals_ignoring_case(text, "-infinity")) return -1;
  return 0;
}

// A day count as text: YYYY-MM-DD for years 0000-9999, else a sign and at least four year digits.
std::string format_civil_date(int64_t days) {
  int64_t year;
  unsigned month, day;
  civil_from_days(days, year, month, day);
  char buffer[48];
  if (year >= 0 && year <= 9999) {
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02u", static_cast<long long>(year), month, day);
  } else {
    const long long magnitude = year < 0 ? -static_cast<long long>(year) : static_cast<long long>(year);
    std::snprintf(buffer, sizeof buffer, "%c%04lld-%02u-%02u", year < 0 ? '-' : '+', magnitude, month, day);
  }
  return buffer;
}

void append_two(std::string& out, int64_t value) {
  out += static_cast<char>('0' + value / 10);
  out += static_cast<char>('0' + value % 10);
}

}  // namespace

int32_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  return static_cast<int32_t>(days_from_civil_wide(year, month, day));
}

void civil_from_days(int64_t days, int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const int64_t era = floor_div(days, 146097);
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_index = (5 * day_of_year + 2) / 153;
  day = static_cast<unsigned>(day_of_year - (153 * month_index + 2) / 5 + 1);
  month = static_cast<unsigned>(month_index < 10 ? month_index + 3 : month_index - 9);
  year = year_of_era + era * 400 + (month <= 2);
}

std::string format_date(int32_t days) {
  if (days == kDateInfinity) return "infinity";
  if (days == kDateMinusInfinity) return "-infinity";
  return format_civil_date(days);
}

std::string format_time(int64_t micros) {
  std::string out;
  int64_t seconds = micros / kMicrosPerSecond;
  int64_t fraction = micros % kMicrosPerSecond;
  append_two(out, seconds / 3600);
  out += ':';
  append_two(out, seconds / 60 % 60);
  out += ':';
  append_two(out, seconds % 60);
  if (fraction != 0) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, ".%06lld", static_cast<long long>(fraction));
    out += buffer;
  }
  return out;
}

std::string format_duration(int64_t micros) {
  // The magnitude as unsigned, so INT64_MIN does not overflow.
  const uint64_t magnitude = micros < 0 ? uint64_t{0} - static_cast<uint64_t>(micros) : static_cast<uint64_t>(micros);
  const uint64_t seconds = magnitude / kMicrosPerSecond;
  const uint64_t fraction = magnitude % kMicrosPerSecond;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s%02llu:%02llu:%02llu", micros < 0 ? "-" : "",
                static_cast<unsigned long long>(seconds / 3600), static_cast<unsigned long long>(seconds / 60 % 60),
                static_cast<unsigned long long>(seconds % 60));
  std::string out = buffer;
  if (fraction != 0) {
    std::snprintf(buffer, sizeof buffer, ".%06llu", static_cast<unsigned long long>(fraction));
    out += buffer;
  }
  return out;
}

std::string format_timestamp(int64_t micros, bool with_time_zone) {
  if (micros == kTimestampInfinity) return "infinity";
  if (micros == kTimestampMinusInfinity) return "-infinity";
  // Split without multiplying back, which would overflow near INT64_MIN.
  int64_t days = micros / kMicrosPerDay;
  int64_t time_of_day = micros % kMicrosPerDay;
  if (time_of_day < 0) {
    time_of_day += kMicrosPerDay;
    days -= 1;
  }
  std::string out = format_civil_date(days);
  out += ' ';
  out += format_time(time_of_day);
  if (with_time_zone) out += "+00:00";
  return out;
}

std::string format_decimal(int128 value, int32_t scale) {
  bool negative = value < 0;
  // Work with the magnitude as unsigned so the most negative value does not overflow.
  unsigned __int128 magnitude = negative ? static_cast<unsigned __int128>(-(value + 1)) + 1 : value;
  std::string digits;
  do {
    digits += static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  while (static_cast<int32_t>(digits.size()) <= scale) digits += '0';
  std::reverse(digits.begin(), digits.end());
  if (scale > 0) digits.insert(digits.size() - scale, 1, '.');
  return negative ? "-" + digits : digits;
}

namespace {

/// The most zeros plain notation may add that are not among the shortest round-trip digits
/// (0.0000001 and 1000000 are written plain; 0.00000001 and 10000000 as 1e-08 and 1e+07).
constexpr int kMaxPlainFillerZeros = 6;

/// Shortest round-trip text of a float or double: to_chars' shortest digits, placed in plain notation
/// unless that would take more than kMaxPlainFillerZeros zeros, else in to_chars' scientific form.
template <typename Float>
std::string format_floating(Float value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string_view scientific(buffer, static_cast<size_t>(end - buffer));
  // scientific is "-d.ddde+XX": split it into sign, significant digits and the exponent.
  const size_t e = scientific.find('e');
  const bool negative = scientific.front() == '-';
  std::string digits;
  for (char c : scientific.substr(negative ? 1 : 0, e - (negative ? 1 : 0))) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  const char* exponent_start = scientific.data() + e + 1 + (scientific[e + 1] == '+' ? 1 : 0);
  std::from_chars(exponent_start, scientific.data() + scientific.size(), exponent);
  const int count = static_cast<int>(digits.size());
  // value = d.ddd x 10^exponent; in plain notation the point goes after exponent + 1 digits.
  const int point = exponent + 1;
  const int filler = point > count ? point - count : point <= 0 ? -point : 0;
  if (filler > kMaxPlainFillerZeros) return std::string(scientific);
  std::string out = negative ? "-" : "";
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += digits;
  } else if (point >= count) {
    out += digits;
    out.append(static_cast<size_t>(point - count), '0');
  } else {
    out.append(digits, 0, static_cast<size_t>(point));
    out += '.';
    out.append(digits, static_cast<size_t>(point));
  }
  return out;
}

}  // namespace

std::string format_double(double value) { return format_floating(value); }
std::string format_float(float value) { return format_floating(value); }

std::string format_hex_binary(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (unsigned char byte : bytes) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

std::optional<int32_t> parse_date(std::string_view text) {
  text = trim(text);
  if (const int sign = infinity_sign(text)) return sign > 0 ? kDateInfinity : kDateMinusInfinity;
  size_t pos = 0;
  int64_t days = 0;
  if (!read_date(text, pos, days) || pos != text.size()) return std::nullopt;
  if (days < std::numeric_limits<int32_t>::min() || days > std::numeric_limits<int32_t>::max()) return std::nullopt;
  return static_cast<int32_t>(days);
}

std::optional<int64_t> parse_timestamp(std::string_view text, bool* has_offset) {
  text = trim(text);
  if (const int sign = infinity_sign(text)) {
    if (has_offset) *has_offset = false;
    return sign > 0 ? kTimestampInfinity : kTimestampMinusInfinity;
  }
  size_t pos = 0;
  int64_t days = 0;
  int64_t time_of_day = 0;
  if (!read_date(text, pos, days)) return std::nullopt;
  if (pos < text.size() && (text[pos] == ' ' || text[pos] == 'T')) {
    ++pos;
    if (!read_time_of_day(text, pos, time_of_day) || time_of_day >= kMicrosPerDay) return std::nullopt;
  } else if (pos != text.size()) {
    return std::nullopt;
  }
  int64_t offset_micros = 0;
  bool offset_given = false;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
    offset_given = true;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int64_t hours = 0, minutes = 0;
    if (!read_digits(text, pos, 2, hours)) return std::nullopt;
    if (expect(text, pos, ':')) {
      if (!read_digits(text, pos, 2, minutes)) return std::nullopt;
    } else if (pos < text.size()) {
      if (!read_digits(text, pos, 2, minutes)) return std::nullopt;
    }
    if (hours > 15 || minutes > 59) return std::nullopt;
    offset_micros = sign * (hours * 60 + minutes) * 60 * kMicrosPerSecond;
    offset_given = true;
  }
  if (pos != text.size()) return std::nullopt;
  // The days of an expanded year may be far outside int64 microseconds: add up in 128 bits.
  const int128 micros = static_cast<int128>(days) * kMicrosPerDay + time_of_day - offset_micros;
  if (micros < std::numeric_limits<int64_t>::min() || micros > std::numeric_limits<int64_t>::max()) return std::nullopt;
  if (has_offset) *has_offset = offset_given;
  return static_cast<int64_t>(micros);
}

std::optional<int64_t> parse_time(std::string_view text) {
  text = trim(text);
  size_t pos = 0;
  int64_t micros = 0;
  if (!read_time_of_day(text, pos, micros) || pos != text.size()) return std::nullopt;
  return micros;
}

std::optional<int64_t> parse_int64(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view text) {
  text = trim(text);
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (lower == "inf" || lower == "infinity" || lower == "+inf" || lower == "+infinity")
    return std::numeric_limits<double>::infinity();
  if (lower == "-inf" || lower == "-infinity") return -std::numeric_limits<double>::infinity();
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  text = trim(text);
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "true" || lower == "t" || lower == "yes" || lower == "y" || lower == "1") return true;
  if (lower == "false" || lower == "f" || lower == "no" || lower == "n" || lower == "0") return false;
  return std::nullopt;
}

std::optional<int128> parse_decimal(std::string_view text, int32_t precision, int32_t scale) {
  text = trim(text);
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  int128 value = 0;
  int32_t integer_digits = 0, fraction_digits = 0;
  bool seen_point = false, seen_digit = false;
  for (char c : text) {
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    seen_digit = true;
    if (seen_point) {
      if (++fraction_digits > scale) {
        if (c != '0') return std::nullopt;  // would need rounding: refuse rather than lose digits
        --fraction_digits;
        continue;
      }
    } else if (integer_digits > 0 || c != '0') {
      ++integer_digits;
    }
    if (integer_digits > precision - scale) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (!seen_digit) return std::nullopt;
  for (int32_t i = fraction_digits; i < scale; ++i) value *= 10;
  return negative ? -value : value;
}

}  // namespace mageio::sdk
