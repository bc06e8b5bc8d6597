#include "sqlite_temporal.hpp"

#include <mageio/sdk/values.hpp>

#include <cctype>
#include <cstdio>
#include <limits>

namespace mageio::sqlite {
namespace {

constexpr int32_t kDateInfinity = std::numeric_limits<int32_t>::max();
constexpr int32_t kDateMinusInfinity = std::numeric_limits<int32_t>::min();
constexpr int64_t kTimestampInfinity = std::numeric_limits<int64_t>::max();
constexpr int64_t kTimestampMinusInfinity = std::numeric_limits<int64_t>::min();

// The Gregorian calendar repeats every 400 years, which are exactly 146097 days: an expanded year is
// parsed by the SDK as the year of 2000..2399 that falls on the same place of the cycle, and the
// whole cycles are added back.
constexpr int64_t kYearsPerCycle = 400;
constexpr int64_t kDaysPerCycle = 146097;
constexpr int64_t kProxyBase = 2000;

bool equals_ignoring_case(std::string_view text, std::string_view word) {
  if (text.size() != word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != word[i]) return false;
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// +1 for 'infinity' / '+infinity', -1 for '-infinity', 0 otherwise.
int infinity_sign(std::string_view text) {
  if (equals_ignoring_case(text, "infinity") || equals_ignoring_case(text, "+infinity")) return 1;
  if (equals_ignoring_case(text, "-infinity")) return -1;
  return 0;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// A date whose year is outside 0000..9999: the sign, at least four digits, then -MM-DD.
std::string format_expanded_date(int64_t year, unsigned month, unsigned day) {
  char buffer[48];
  const long long magnitude = year < 0 ? -static_cast<long long>(year) : static_cast<long long>(year);
  std::snprintf(buffer, sizeof buffer, "%c%04lld-%02u-%02u", year < 0 ? '-' : '+', magnitude, month, day);
  return buffer;
}

std::string format_any_date(int64_t days) {
  int64_t year;
  unsigned month, day;
  sdk::civil_from_days(days, year, month, day);
  if (year >= 0 && year <= 9999) return sdk::format_date(static_cast<int32_t>(days));
  return format_expanded_date(year, month, day);
}

// Replaces a leading expanded year ('-0043', '+10000') by its proxy year in 2000..2399. Text starting
// with a plain four-digit year is returned as it is, with cycle_days 0.
struct ProxyText {
  std::string text;        // the text with the year replaced by one in 2000..2399
  int64_t cycle_days = 0;  // days to add to what the SDK parses
};

std::optional<ProxyText> replace_expanded_year(std::string_view text) {
  if (text.empty() || (text.front() != '+' && text.front() != '-')) return ProxyText{std::string(text), 0};
  const bool negative = text.front() == '-';
  size_t pos = 1;
  int64_t year = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    if (pos > 10) return std::nullopt;  // far beyond what int64 microseconds reach
    year = year * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos - 1 < 4 || pos >= text.size() || text[pos] != '-') return std::nullopt;
  if (negative) year = -year;
  const int64_t cycles = floor_div(year, kYearsPerCycle);
  const int64_t proxy_year = kProxyBase + (year - cycles * kYearsPerCycle);
  char proxy[24];
  std::snprintf(proxy, sizeof proxy, "%04lld", static_cast<long long>(proxy_year));
  return ProxyText{std::string(proxy) + std::string(text.substr(pos)),
                   (cycles - kProxyBase / kYearsPerCycle) * kDaysPerCycle};
}

}  // namespace

std::string format_date_text(int32_t days) {
  if (days == kDateInfinity) return "infinity";
  if (days == kDateMinusInfinity) return "-infinity";
  return format_any_date(days);
}

std::string format_timestamp_text(int64_t micros, bool with_time_zone) {
  if (micros == kTimestampInfinity) return "infinity";
  if (micros == kTimestampMinusInfinity) return "-infinity";
  // Split without multiplying back, which would overflow near the ends of int64.
  int64_t days = micros / sdk::kMicrosPerDay;
  int64_t time_of_day = micros % sdk::kMicrosPerDay;
  if (time_of_day < 0) {
    time_of_day += sdk::kMicrosPerDay;
    days -= 1;
  }
  std::string out = format_any_date(days);
  out += ' ';
  out += sdk::format_time(time_of_day);
  if (with_time_zone) out += "+00:00";
  return out;
}

std::optional<int32_t> parse_date_text(std::string_view text) {
  text = trim(text);
  if (int sign = infinity_sign(text)) return sign > 0 ? kDateInfinity : kDateMinusInfinity;
  auto proxy = replace_expanded_year(text);
  if (!proxy) return std::nullopt;
  auto days = sdk::parse_date(proxy->text);
  if (!days) return std::nullopt;
  const int64_t total = int64_t{*days} + proxy->cycle_days;
  if (total < std::numeric_limits<int32_t>::min() || total > std::numeric_limits<int32_t>::max()) return std::nullopt;
  return static_cast<int32_t>(total);
}

std::optional<int64_t> parse_timestamp_text(std::string_view text) {
  text = trim(text);
  if (int sign = infinity_sign(text)) return sign > 0 ? kTimestampInfinity : kTimestampMinusInfinity;
  auto proxy = replace_expanded_year(text);
  if (!proxy) return std::nullopt;
  auto micros = sdk::parse_timestamp(proxy->text);
  if (!micros) return std::nullopt;
  // Both parts are far inside int64; their sum may not be.
  const __int128 total = static_cast<__int128>(*micros) + static_cast<__int128>(proxy->cycle_days) * sdk::kMicrosPerDay;
  if (total < std::numeric_limits<int64_t>::min() || total > std::numeric_limits<int64_t>::max()) return std::nullopt;
  return static_cast<int64_t>(total);
}

}  // namespace mageio::sqlite
