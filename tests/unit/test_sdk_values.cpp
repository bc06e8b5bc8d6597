// Canonical text forms and parsers shared by every plugin.
#include <doctest/doctest.h>

#include <mageio/sdk/values.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>

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
