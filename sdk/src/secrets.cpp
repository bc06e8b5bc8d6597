#include <mageio/sdk/secrets.hpp>

#include <algorithm>
#include <cctype>

namespace mageio::sdk {
namespace {

// Letters, digits, `_` and every byte of a multi-byte UTF-8 character: the bytes a word is made of.
bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || u == '_' || u >= 0x80;
}

}  // namespace

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets) {
  std::vector<std::string> sorted;
  for (const auto& secret : secrets)
    if (!secret.empty()) sorted.push_back(secret);
  if (sorted.empty()) return text;
  std::sort(sorted.begin(), sorted.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  // Whole occurrences only: replacing every substring garbled messages and, for a short password, gave it
  // away (the password `y` turned "mysql open" into "m****sql open"). A secret shorter than this matches
  // only between non-word characters, whatever its own edges are.
  constexpr size_t kShortSecret = 4;
  auto whole = [&](size_t at, const std::string& secret) {
    const bool strict = secret.size() < kShortSecret;
    const bool left_ok = at == 0 || !is_word_byte(text[at - 1]) || (!strict && !is_word_byte(secret.front()));
    const size_t after = at + secret.size();
    const bool right_ok =
        after >= text.size() || !is_word_byte(text[after]) || (!strict && !is_word_byte(secret.back()));
    return left_ok && right_ok;
  };
  // One pass, longest first at each position, so a replacement is never matched again.
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    bool matched = false;
    for (const auto& secret : sorted) {
      if (text.compare(i, secret.size(), secret) == 0 && whole(i, secret)) {
        out += "****";
        i += secret.size();
        matched = true;
        break;
      }
    }
    if (!matched) out += text[i++];
  }
  return out;
}

}  // namespace mageio::sdk
