// The SDK's UTF-8 check: what RFC 3629 accepts, every way it rejects, and where it points.
#include <doctest/doctest.h>

#include <mageio/sdk/utf8.hpp>

#include <string>
#include <string_view>

using namespace mageio::sdk;
using namespace std::string_view_literals;

TEST_CASE("valid text of every sequence length passes") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain ascii, long enough to take the eight-byte path"));
  CHECK(valid_utf8("caf\xC3\xA9"));       // U+00E9
  CHECK(valid_utf8("\xE2\x82\xAC 5"));    // U+20AC
  CHECK(valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
  CHECK(valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  CHECK(valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  CHECK(valid_utf8("a\0b"sv));            // NUL is a character
  CHECK(is_ascii("0123456789abcdefXYZ"));
  CHECK_FALSE(is_ascii("0123456789abcdef\xC3\xA9"));
}

TEST_CASE("invalid sequences are found at their first byte") {
  CHECK(invalid_utf8_offset("abc\x80") == 3);               // a lone continuation byte
  CHECK(invalid_utf8_offset("\xC0\xAF") == 0);              // overlong '/'
  CHECK(invalid_utf8_offset("\xC1\xBF") == 0);              // overlong
  CHECK(invalid_utf8_offset("ok\xE0\x80\xAF") == 2);        // overlong three-byte form
  CHECK(invalid_utf8_offset("\xF0\x8F\xBF\xBF") == 0);      // overlong four-byte form
  CHECK(invalid_utf8_offset("12345678\xED\xA0\x80") == 8);  // U+D800, a surrogate
  CHECK(invalid_utf8_offset("\xF4\x90\x80\x80") == 0);      // above U+10FFFF
  CHECK(invalid_utf8_offset("\xF5\x80\x80\x80") == 0);      // lead byte never used
  CHECK(invalid_utf8_offset("x\xC3") == 1);                 // truncated at the end
  CHECK(invalid_utf8_offset("\xE2\x82") == 0);              // truncated
  CHECK(invalid_utf8_offset("\xE2(\xAC") == 0);             // a continuation byte missing
  CHECK(invalid_utf8_offset("caf\xC3\xA9 \xFF") == 6);      // after valid multi-byte text
  CHECK_FALSE(valid_utf8("\xFE"));
}

TEST_CASE("decode returns code points and lengths") {
  size_t length = 0;
  CHECK(decode_utf8("A", 0, length) == 'A');
  CHECK(length == 1);
  CHECK(decode_utf8("x\xE2\x82\xAC", 1, length) == 0x20AC);
  CHECK(length == 3);
  CHECK(decode_utf8("\xF0\x9F\x98\x80", 0, length) == 0x1F600);
  CHECK(length == 4);
  CHECK(decode_utf8("\xC3", 0, length) == -1);
  CHECK(length == 1);  // a caller skips one byte past what is not UTF-8
}
