#include "mageio/sdk/random_suffix.hpp"

#include <random>

namespace mageio::sdk {

std::string random_suffix(size_t hex_digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device source;  // getrandom(2) on Linux: no state to share with a forked child
  std::string out;
  out.reserve(hex_digits);
  while (out.size() < hex_digits) {
    unsigned bits = source();
    for (int i = 0; i < 8 && out.size() < hex_digits; ++i, bits >>= 4) out.push_back(kHex[bits & 15]);
  }
  return out;
}

}  // namespace mageio::sdk
