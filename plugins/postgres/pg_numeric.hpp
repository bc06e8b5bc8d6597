// PostgreSQL's binary numeric format <-> Arrow decimal128 and exact text.
//
// The binary form: int16 ndigits, int16 weight, uint16 sign, int16 dscale, then ndigits base-10000
// digits, most significant first; the value is sum(digit[i] * 10000^(weight - i)). Sign 0x0000 is
// positive, 0x4000 negative, 0xC000 NaN, 0xD000 +Infinity, 0xF000 -Infinity. All integers big-endian.
#pragma once

#include <mageio/sdk/values.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace mageio::postgres {

enum class NumericValue { Finite, NaN, PositiveInfinity, NegativeInfinity, Malformed, DoesNotFit };

/// The unscaled value of a numeric at `scale` (123.45 at scale 2 -> 12345). DoesNotFit when it has more
/// fractional digits than `scale` or more than 38 significant digits.
NumericValue numeric_to_decimal(const uint8_t* data, int32_t length, int32_t scale, sdk::int128& out);

/// Appends the exact text PostgreSQL prints for the numeric (dscale digits after the point; "NaN",
/// "Infinity", "-Infinity"). False when malformed.
bool numeric_to_text(const uint8_t* data, int32_t length, std::string& out);

/// The largest binary numeric decimal_to_numeric writes: 8 header bytes and at most 20 digits.
constexpr size_t kMaxNumericBytes = 8 + 2 * 22;

/// Writes the binary numeric for unscaled/10^scale (0 <= scale <= 38); returns the bytes written.
size_t decimal_to_numeric(sdk::int128 unscaled, int32_t scale, uint8_t* out);

}  // namespace mageio::postgres
