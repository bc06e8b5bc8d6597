// Random suffixes name temporary files and tables: lowercase hex of the asked length, different each call.
#include <doctest/doctest.h>

#include <mageio/sdk/random_suffix.hpp>

#include <set>
#include <string>

using mageio::sdk::random_suffix;

TEST_CASE("a suffix has the asked number of lowercase hex digits") {
  for (size_t digits : {0u, 1u, 6u, 8u, 12u, 32u}) {
    CAPTURE(digits);
    const std::string s = random_suffix(digits);
    CHECK(s.size() == digits);
    CHECK(s.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  CHECK(random_suffix().size() == 12);
}

TEST_CASE("suffixes do not repeat and use every digit") {
  std::set<std::string> seen;
  std::set<char> digits;
  for (int i = 0; i < 1000; ++i) {
    std::string s = random_suffix(12);
    seen.insert(s);
    digits.insert(s.begin(), s.end());
  }
  CHECK(seen.size() == 1000);  // 48 random bits: a repeat in 1000 draws has odds of about 2e-9
  CHECK(digits.size() == 16);
}
