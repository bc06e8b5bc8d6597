#include "text_util.hpp"

#include <cstdint>

namespace mageio::file {

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
  sdk::append_json_string(out, value);
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
