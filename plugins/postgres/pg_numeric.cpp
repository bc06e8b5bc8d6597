#include "pg_numeric.hpp"

#include <cstring>

namespace mageio::postgres {
namespace {

using uint128 = unsigned __int128;
using sdk::int128;

constexpr uint16_t kPositive = 0x0000, kNegative = 0x4000, kNaN = 0xC000, kPosInf = 0xD000, kNegInf = 0xF000;

inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// 10^0 .. 10^38 as unsigned 128-bit integers.
struct Pow10 {
  uint128 value[39];
  constexpr Pow10() : value() {
    value[0] = 1;
    for (int i = 1; i < 39; ++i) value[i] = value[i - 1] * 10;
  }
};
constexpr Pow10 kPow10;
const uint128 kMaxDecimal = kPow10.value[38] - 1;  // 38 nines

struct Header {
  int ndigits;
  int weight;
  uint16_t sign;
  int dscale;
};

bool read_header(const uint8_t* data, int32_t length, Header& header) {
  if (length < 8) return false;
  header.ndigits = static_cast<int16_t>(be16(data));
  header.weight = static_cast<int16_t>(be16(data + 2));
  header.sign = be16(data + 4);
  header.dscale = static_cast<int16_t>(be16(data + 6));
  return header.ndigits >= 0 && length == 8 + 2 * header.ndigits && header.dscale >= 0;
}

}  // namespace

NumericValue numeric_to_decimal(const uint8_t* data, int32_t length, int32_t scale, int128& out) {
  Header h;
  if (!read_header(data, length, h)) return NumericValue::Malformed;
  if (h.sign == kNaN) return NumericValue::NaN;
  if (h.sign == kPosInf) return NumericValue::PositiveInfinity;
  if (h.sign == kNegInf) return NumericValue::NegativeInfinity;
  if (h.sign != kPositive && h.sign != kNegative) return NumericValue::Malformed;
  uint128 total = 0;
  for (int i = 0; i < h.ndigits; ++i) {
    const uint32_t digit = be16(data + 8 + 2 * i);
    if (digit > 9999) return NumericValue::Malformed;
    if (digit == 0) continue;
    // This digit's unit sits at 10^(4 * (weight - i)); in the unscaled value at 10^(that + scale).
    const int exponent = 4 * (h.weight - i) + scale;
    uint128 part;
    if (exponent >= 0) {
      if (exponent > 38) return NumericValue::DoesNotFit;
      part = static_cast<uint128>(digit) * kPow10.value[exponent];
      if (exponent > 34 && part / kPow10.value[exponent] != digit) return NumericValue::DoesNotFit;
    } else {
      if (exponent < -3) return NumericValue::DoesNotFit;
      const uint32_t divisor = static_cast<uint32_t>(kPow10.value[-exponent]);
      if (digit % divisor != 0) return NumericValue::DoesNotFit;  // more fractional digits than the scale
      part = digit / divisor;
    }
    if (part > kMaxDecimal) return NumericValue::DoesNotFit;
    total += part;
    if (total > kMaxDecimal) return NumericValue::DoesNotFit;
  }
  out = h.sign == kNegative ? -static_cast<int128>(total) : static_cast<int128>(total);
  return NumericValue::Finite;
}

bool numeric_to_text(const uint8_t* data, int32_t length, std::string& out) {
  Header h;
  if (!read_header(data, length, h)) return false;
  if (h.sign == kNaN) return out.append("NaN"), true;
  if (h.sign == kPosInf) return out.append("Infinity"), true;
  if (h.sign == kNegInf) return out.append("-Infinity"), true;
  if (h.sign != kPositive && h.sign != kNegative) return false;
  auto digit_at = [&](int index) -> uint32_t {  // index into the digit array; 0 outside it
    return index >= 0 && index < h.ndigits ? be16(data + 8 + 2 * index) : 0;
  };
  if (h.sign == kNegative) out += '-';
  if (h.weight < 0) {
    out += '0';
  } else {
    for (int i = 0; i <= h.weight; ++i) {
      uint32_t digit = digit_at(i);
      if (digit > 9999) return false;
      char buffer[4] = {static_cast<char>('0' + digit / 1000), static_cast<char>('0' + digit / 100 % 10),
                        static_cast<char>('0' + digit / 10 % 10), static_cast<char>('0' + digit % 10)};
      if (i == 0) {  // no leading zeros
        int skip = digit >= 1000 ? 0 : digit >= 100 ? 1 : digit >= 10 ? 2 : 3;
        out.append(buffer + skip, 4 - skip);
      } else {
        out.append(buffer, 4);
      }
    }
  }
  if (h.dscale > 0) {
    out += '.';
    int written = 0;
    for (int i = h.weight + 1; written < h.dscale; ++i) {
      uint32_t digit = digit_at(i);
      if (digit > 9999) return false;
      char buffer[4] = {static_cast<char>('0' + digit / 1000), static_cast<char>('0' + digit / 100 % 10),
                        static_cast<char>('0' + digit / 10 % 10), static_cast<char>('0' + digit % 10)};
      int take = h.dscale - written < 4 ? h.dscale - written : 4;
      out.append(buffer, static_cast<size_t>(take));
      written += take;
    }
  }
  return true;
}

size_t decimal_to_numeric(int128 unscaled, int32_t scale, uint8_t* out) {
  const bool negative = unscaled < 0;
  uint128 magnitude = negative ? static_cast<uint128>(-(unscaled + 1)) + 1 : static_cast<uint128>(unscaled);
  uint128 integer = magnitude / kPow10.value[scale];
  uint128 fraction = magnitude % kPow10.value[scale];

  // Integer groups, least significant first.
  uint16_t int_groups[12];
  int n_int = 0;
  if (integer <= UINT64_MAX) {
    uint64_t small = static_cast<uint64_t>(integer);  // 64-bit division: a multiply, not a libcall
    while (small > 0) {
      int_groups[n_int++] = static_cast<uint16_t>(small % 10000);
      small /= 10000;
    }
  } else {
    while (integer > 0) {
      int_groups[n_int++] = static_cast<uint16_t>(integer % 10000);
      integer /= 10000;
    }
  }
  // Fraction groups, most significant first: `scale` digits padded on the right to a multiple of 4.
  uint16_t frac_groups[12];
  const int n_frac = (scale + 3) / 4;
  if (n_frac > 0) {
    const int last_digits = scale - 4 * (n_frac - 1);  // 1..4 digits in the last group
    const uint32_t last_pow = static_cast<uint32_t>(kPow10.value[last_digits]);
    uint64_t small_fraction = 0;
    const bool small = fraction <= UINT64_MAX;
    if (small) small_fraction = static_cast<uint64_t>(fraction);
    auto take = [&](uint32_t divisor) -> uint32_t {
      if (small) {
        uint32_t r = static_cast<uint32_t>(small_fraction % divisor);
        small_fraction /= divisor;
        return r;
      }
      uint32_t r = static_cast<uint32_t>(fraction % divisor);
      fraction /= divisor;
      return r;
    };
    frac_groups[n_frac - 1] = static_cast<uint16_t>(take(last_pow) * (10000 / last_pow));
    for (int i = n_frac - 2; i >= 0; --i) frac_groups[i] = static_cast<uint16_t>(take(10000));
  }

  // Digits most significant first, then strip leading and trailing zero groups.
  uint16_t digits[24];
  int n = 0;
  for (int i = n_int - 1; i >= 0; --i) digits[n++] = int_groups[i];
  for (int i = 0; i < n_frac; ++i) digits[n++] = frac_groups[i];
  int weight = n_int - 1;
  int first = 0;
  while (first < n && digits[first] == 0) {
    ++first;
    --weight;
  }
  int last = n;
  while (last > first && digits[last - 1] == 0) --last;
  const int ndigits = last - first;
  if (ndigits == 0) weight = 0;

  put16(out, static_cast<uint16_t>(ndigits));
  put16(out + 2, static_cast<uint16_t>(static_cast<int16_t>(weight)));
  put16(out + 4, ndigits == 0 ? kPositive : negative ? kNegative : kPositive);
  put16(out + 6, static_cast<uint16_t>(scale));
  for (int i = 0; i < ndigits; ++i) put16(out + 8 + 2 * i, digits[first + i]);
  return 8 + 2 * static_cast<size_t>(ndigits);
}

}  // namespace mageio::postgres
