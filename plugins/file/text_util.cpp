#include "text_util.hpp"

#include <cstdint>

namespace mageio::file {

namespace {

/// The first index at or after `i` whose byte is not ASCII, or `n`; eight bytes at a time.
size_t ascii_run_end(const unsigned char* s, size_t i, size_t n) {
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    __builtin_memcpy(&word, s + i, 8);
    if (word & 0x8080808080808080ull) break;
  }
  while (i < n && s[i] < 0x80) ++i;
  return i;
}

}  // namespace

bool is_ascii(std::string_view text) {
  return ascii_run_end(reinterpret_cast<const unsigned char*>(text.data()), 0, text.size()) == text.size();
}

size_t invalid_utf8_offset(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    i = ascii_run_end(s, i, n);
    if (i >= n) break;
    const unsigned char c = s[i];  // not ASCII: the lead byte of a multi-byte sequence, or invalid
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

void append_json_string(std::string& out, std::string_view text) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the pending run of characters that need no escape
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xF]);
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

std::string quote_for_message(std::string_view value, size_t max_bytes) {
  bool truncated = false;
  if (value.size() > max_bytes) {
    size_t cut = max_bytes;
    // Back up to a character boundary (never split a UTF-8 sequence).
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
    value = value.substr(0, cut);
    truncated = true;
  }
  std::string out;
  append_json_string(out, value);
  if (truncated) out.insert(out.size() - 1, "...");
  return out;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

const char* article_for(std::string_view type_name) { return (!type_name.empty() && type_name[0] == 'i') ? "an" : "a"; }

}  // namespace mageio::file
