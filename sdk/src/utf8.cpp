#include "mageio/sdk/utf8.hpp"

#include <cstring>

namespace mageio::sdk {
namespace {

/// The first index at or after `i` whose byte is not ASCII, or `n`; eight bytes at a time.
size_t ascii_run_end(const unsigned char* s, size_t i, size_t n) {
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, s + i, 8);
    if (word & 0x8080808080808080ull) break;
  }
  while (i < n && s[i] < 0x80) ++i;
  return i;
}

}  // namespace

int32_t decode_utf8(std::string_view text, size_t i, size_t& length) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  length = 1;
  if (lead < 0x80) return lead;
  size_t need;
  int32_t code;
  if (lead >= 0xC2 && lead <= 0xDF) {  // 0xC0 and 0xC1 could only start overlong forms
    need = 1;
    code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    code = lead & 0x07;
  } else {
    return -1;
  }
  if (i + need >= text.size()) return -1;  // truncated sequence
  for (size_t k = 1; k <= need; ++k) {
    const unsigned char c = byte(i + k);
    if ((c & 0xC0) != 0x80) return -1;
    code = (code << 6) | (c & 0x3F);
  }
  if ((need == 2 && code < 0x800) || (need == 3 && (code < 0x10000 || code > 0x10FFFF)) ||
      (code >= 0xD800 && code <= 0xDFFF))
    return -1;
  length = need + 1;
  return code;
}

size_t invalid_utf8_offset(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (true) {
    i = ascii_run_end(s, i, n);
    if (i >= n) return std::string_view::npos;
    size_t length;
    if (decode_utf8(text, i, length) < 0) return i;
    i += length;
  }
}

bool is_ascii(std::string_view text) {
  return ascii_run_end(reinterpret_cast<const unsigned char*>(text.data()), 0, text.size()) == text.size();
}

}  // namespace mageio::sdk
