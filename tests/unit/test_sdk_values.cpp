// Canonical text forms and parsers shared by every plugin.
#include <doctest/doctest.h>

#include <mageio/sdk/values.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

using namespace mageio::sdk;

TEST_CASE("dates convert both ways across eras") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(days_from_civil(1, 1, 1) == -719162);
  for (int32_t days : {-719162, -1, 0, 59, 11016, 11017, 2932896}) {
    CAPTURE(days);
    CHECK(parse_date(format_date(days)) == days);
  }
  CHECK(format_date(-1) == "1969-12-31");
  CHECK(parse_date("2024-02-29") == days_from_civil(2024, 2, 29));
  CHECK_FALSE(parse_date("2023-02-29"));
  CHECK_FALSE(parse_date("2023-13-01"));
  CHECK_FALSE(parse_date("2023-1-01"));
  CHECK_FALSE(parse_date("yesterday"));
}

TEST_CASE("timestamps parse with separators, fractions and offsets") {
  CHECK(parse_timestamp("1970-01-01 00:00:00") == 0);
  CHECK(parse_timestamp("1970-01-01T00:00:01.5") == 1500000);
  CHECK(parse_timestamp("1970-01-01 00:00:00.123456789") == 123456);
  CHECK(parse_timestamp("1970-01-01 01:00:00+01:00") == 0);
  CHECK(parse_timestamp("1970-01-01 00:00:00-0130") == 5400000000);
  CHECK(parse_timestamp("1970-01-01 00:00Z") == 0);
  CHECK(parse_timestamp("2024-05-06") == int64_t{days_from_civil(2024, 5, 6)} * kMicrosPerDay);
  bool offset = true;
  CHECK(parse_timestamp("2024-05-06 10:00:00", &offset));
  CHECK_FALSE(offset);
  CHECK(parse_timestamp("2024-05-06 10:00:00Z", &offset));
  CHECK(offset);
  CHECK_FALSE(parse_timestamp("2024-05-06 25:00:00"));
  CHECK_FALSE(parse_timestamp("2024-05-06 10:00:00 UTC"));
  CHECK(format_timestamp(-1, false) == "1969-12-31 23:59:59.999999");
  CHECK(format_timestamp(0, true) == "1970-01-01 00:00:00+00:00");
  CHECK(format_time(45296000001) == "12:34:56.000001");
  CHECK(parse_time("24:00:00") == kMicrosPerDay);
  CHECK_FALSE(parse_time("12:60"));
}

TEST_CASE("decimals are exact: no rounding, no overflow past the precision") {
  CHECK(parse_decimal("1234.5", 12, 2) == 123450);
  CHECK(parse_decimal("-0.01", 12, 2) == -1);
  CHECK(parse_decimal("+7", 3, 0) == 7);
  CHECK(parse_decimal("1.2300", 12, 2) == 123);
  CHECK_FALSE(parse_decimal("1.234", 12, 2));  // would need rounding
  CHECK_FALSE(parse_decimal("12345", 5, 2));   // three integer digits at most
  CHECK_FALSE(parse_decimal("1e5", 12, 2));
  CHECK_FALSE(parse_decimal(".", 12, 2));
  CHECK(format_decimal(-1, 2) == "-0.01");
  CHECK(format_decimal(123450, 2) == "1234.50");
  CHECK(format_decimal(5, 0) == "5");
  int128 big = 1;
  for (int i = 0; i < 37; ++i) big *= 10;
  CHECK(format_decimal(-big, 0) == "-1" + std::string(37, '0'));
  CHECK(parse_decimal(format_decimal(-big, 10), 38, 10) == -big);
}

TEST_CASE("numbers and booleans") {
  CHECK(parse_int64("-9223372036854775808") == INT64_MIN);
  CHECK_FALSE(parse_int64("9223372036854775808"));
  CHECK_FALSE(parse_int64("12abc"));
  CHECK_FALSE(parse_int64(""));
  CHECK(parse_double("1e-3") == 0.001);
  CHECK(std::isnan(*parse_double("NaN")));
  CHECK(parse_double("-Infinity") == -INFINITY);
  CHECK(format_double(0.1) == "0.1");
  CHECK(format_double(-INFINITY) == "-Infinity");
  CHECK(parse_double(format_double(1.0 / 3)) == 1.0 / 3);
  CHECK(parse_bool("TRUE") == true);
  CHECK(parse_bool("f") == false);
  CHECK_FALSE(parse_bool("maybe"));
  CHECK(format_hex_binary(std::string("\x01\xab", 2)) == "\\x01ab");
}

TEST_CASE("format_double: shortest round-trip digits, plain notation unless it needs many zeros") {
  CHECK(format_double(0.0002) == "0.0002");  // not 2e-04
  CHECK(format_double(-0.0002) == "-0.0002");
  CHECK(format_double(0.0000001) == "0.0000001");
  CHECK(format_double(0.00000001) == "1e-08");
  CHECK(format_double(1.5e-10) == "1.5e-10");
  CHECK(format_double(1234.5) == "1234.5");
  CHECK(format_double(1500000) == "1500000");
  CHECK(format_double(1e6) == "1000000");
  CHECK(format_double(1e7) == "1e+07");
  CHECK(format_double(123456789012345678.0) == "123456789012345680");
  CHECK(format_double(1e300) == "1e+300");
  CHECK(format_double(0) == "0");
  CHECK(format_double(-0.0) == "-0");
  CHECK(format_double(5e-324) == "5e-324");
  CHECK(format_double(NAN) == "NaN");
  CHECK(format_float(0.1f) == "0.1");
  CHECK(format_float(0.0002f) == "0.0002");
  // Every text reads back to the same double.
  uint64_t state = 0x243F6A8885A308D3ull;
  int mismatches = 0;
  for (int i = 0; i < 20000; ++i) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    double d = 0;
    std::memcpy(&d, &state, sizeof d);
    if (!std::isfinite(d)) continue;
    mismatches += parse_double(format_double(d)) != d;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("every date32 value has a spelling that reads back: infinities and years outside 0000-9999") {
  constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  // The sentinels are PostgreSQL's words; their neighbours are ordinary (expanded) dates.
  CHECK(format_date(kMax) == "infinity");
  CHECK(format_date(kMin) == "-infinity");
  CHECK(format_date(kMax - 1) == "+5881580-07-10");
  CHECK(format_date(kMin + 1) == "-5877641-06-24");
  CHECK(format_date(days_from_civil(-4713, 11, 24)) == "-4713-11-24");  // PostgreSQL's first day (4714 BC)
  CHECK(format_date(days_from_civil(-43, 3, 15)) == "-0043-03-15");     // 44 BC
  CHECK(format_date(days_from_civil(-1, 12, 31)) == "-0001-12-31");
  CHECK(format_date(days_from_civil(0, 1, 1)) == "0000-01-01");
  CHECK(format_date(days_from_civil(9999, 12, 31)) == "9999-12-31");
  CHECK(format_date(days_from_civil(10000, 1, 1)) == "+10000-01-01");
  for (int32_t days : {kMin, kMin + 1, kMin + 2, kMax - 2, kMax - 1, kMax, days_from_civil(-4713, 11, 24),
                       days_from_civil(-1, 12, 31), days_from_civil(0, 1, 1), days_from_civil(0, 2, 29),
                       days_from_civil(9999, 12, 31), days_from_civil(10000, 1, 1), days_from_civil(-10000, 12, 31)}) {
    CAPTURE(days);
    CAPTURE(format_date(days));
    CHECK(parse_date(format_date(days)) == days);
  }
  // Other spellings of the same values are read too.
  CHECK(parse_date("Infinity") == kMax);
  CHECK(parse_date("+infinity") == kMax);
  CHECK(parse_date(" -INFINITY ") == kMin);
  CHECK(parse_date("+2024-01-02") == days_from_civil(2024, 1, 2));
  CHECK(parse_date("-0000-01-01") == days_from_civil(0, 1, 1));
  // Not dates, or beyond date32 (one day past each end; a tenth year digit).
  for (const char* bad :
       {"-043-03-15", "+-0043-03-15", "10000-01-01", "-0043-13-01", "-0043-02-29", "infinity!", "infinit",
        "+5881580-07-12", "-5877641-06-22", "+1234567890-01-01", "+0043", "-0043-03-15 12:00"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_date(bad));
  }
  CHECK(parse_date("+5881580-07-11") == kMax);  // the sentinel's own day reads as the sentinel
}

TEST_CASE("every timestamp[us] value has a spelling that reads back: infinities and years outside 0000-9999") {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto at = [](int64_t year, unsigned month, unsigned day, int64_t micros_of_day) {
    return int64_t{days_from_civil(year, month, day)} * kMicrosPerDay + micros_of_day;
  };
  CHECK(format_timestamp(kMax, false) == "infinity");
  CHECK(format_timestamp(kMax, true) == "infinity");
  CHECK(format_timestamp(kMin, false) == "-infinity");
  CHECK(format_timestamp(kMin, true) == "-infinity");
  CHECK(format_timestamp(kMax - 1, false) == "+294247-01-10 04:00:54.775806");
  CHECK(format_timestamp(kMax - 1, true) == "+294247-01-10 04:00:54.775806+00:00");
  CHECK(format_timestamp(kMin + 1, false) == "-290308-12-21 19:59:05.224193");
  CHECK(format_timestamp(at(-4713, 11, 24, 12 * 3600 * kMicrosPerSecond), true) == "-4713-11-24 12:00:00+00:00");
  CHECK(format_timestamp(at(0, 1, 1, 0) - 1, false) == "-0001-12-31 23:59:59.999999");
  CHECK(format_timestamp(at(0, 1, 1, 0), false) == "0000-01-01 00:00:00");
  CHECK(format_timestamp(at(10000, 1, 1, 0) - 1, false) == "9999-12-31 23:59:59.999999");
  CHECK(format_timestamp(at(10000, 1, 1, 0), false) == "+10000-01-01 00:00:00");
  for (int64_t micros : {kMin, kMin + 1, kMin + 2, kMax - 2, kMax - 1, kMax, at(-4713, 11, 24, 0),
                         at(-4713, 11, 24, 0) - 1, at(0, 1, 1, 0), at(0, 1, 1, 0) - 1, at(9999, 12, 31, 1),
                         at(10000, 1, 1, 0), at(10000, 1, 1, 0) - 1, at(-43, 3, 15, 1)}) {
    for (bool zoned : {false, true}) {
      CAPTURE(micros);
      CAPTURE(format_timestamp(micros, zoned));
      bool offset = !zoned;
      CHECK(parse_timestamp(format_timestamp(micros, zoned), &offset) == micros);
      const bool sentinel = micros == kMin || micros == kMax;
      CHECK(offset == (zoned && !sentinel));
    }
  }
  // Other spellings; an offset is applied even next to the ends of the range.
  CHECK(parse_timestamp("+Infinity") == kMax);
  CHECK(parse_timestamp("-0001-12-31T23:59:59Z") == at(0, 1, 1, 0) - kMicrosPerSecond);
  CHECK(parse_timestamp("+294247-01-10 05:00:54.775806+01:00") == kMax - 1);
  CHECK(parse_timestamp("-290308-12-21 18:59:05.224193-01:00") == kMin + 1);
  CHECK(parse_timestamp("+294247-01-10") == at(294247, 1, 10, 0));
  // One microsecond past each end, before or after applying the offset, is refused, never wrapped.
  for (const char* bad :
       {"+294247-01-10 04:00:54.775808", "-290308-12-21 19:59:05.224191", "+294247-01-10 04:00:54.775806-01:00",
        "-290308-12-21 19:59:05.224193+01:00", "+5879610-07-10 00:00:00", "infinity+00:00", "infinity 00:00",
        "-043-03-15 00:00:00", "10000-01-01 00:00:00", "+1234567890-01-01 00:00:00"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_timestamp(bad));
  }
}
