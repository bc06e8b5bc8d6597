// The type map, both ways.
//
// PostgreSQL -> Arrow (load). Decoded from the binary COPY format:
//   boolean -> bool; smallint/integer/bigint -> int16/int32/int64; oid -> int64; real/double -> float32/
//   float64 (NaN and +-Infinity kept); numeric(p, s) with 0 <= s <= p <= 38 -> decimal128(p, s) (a NaN
//   in such a column fails the load naming column and row -- decimal128 cannot hold it; load with
//   options {"numeric_as_text": true} or cast the column); numeric without a usable typmod -> utf8 with
//   the exact decimal text ("NaN", "Infinity", "-Infinity" as PostgreSQL spells them);
//   text/varchar/char(n)/name/citext-like base types -> utf8; bytea -> binary; json -> utf8;
//   jsonb -> utf8 (its binary form is a version byte, 1, then the text); uuid -> utf8 canonical text
//   (8-4-4-4-12 lower-case hex); date -> date32; timestamp -> timestamp[us];
//   timestamptz -> timestamp[us, UTC]; time -> time64[us].
//   Infinity: date 'infinity'/'-infinity' -> date32 INT32_MAX/INT32_MIN, timestamp(tz) 'infinity'/
//   '-infinity' -> INT64_MAX/INT64_MIN microseconds (PostgreSQL's own sentinels); export maps them back,
//   so they round-trip. A finite timestamp beyond what int64 microseconds since 1970 can hold (after
//   the year 294246) fails the load with its column and row.
//   Everything else (interval, arrays, enums, ranges, inet, money, timetz, xml, "char", composite and
//   unknown types) -> utf8 with PostgreSQL's own text output, produced by the server (the column is
//   cast to text inside the COPY query), so any type loads losslessly as text and none is an error.
//
// Arrow -> PostgreSQL (export, creating tables):
//   bool -> boolean; int8, int16, uint8 -> smallint (there is no 1-byte integer); int32, uint16 ->
//   integer; int64, uint32 -> bigint; uint64 -> numeric(20,0); float32 -> real; float64 -> double
//   precision; decimal128(p, s) -> numeric(p,s); utf8, large_utf8 -> text; binary, large_binary ->
//   bytea; date32, date64 -> date; timestamp (any unit) -> timestamp without time zone, with a time
//   zone -> timestamp with time zone; time32, time64 -> time without time zone; null -> text.
#pragma once

#include <mageio/sdk/types.hpp>

#include <cstdint>
#include <string>

namespace mageio::postgres {

using Oid = uint32_t;

// Built-in type OIDs (catalog/pg_type_d.h, which libpq-dev does not ship). They are fixed forever.
namespace oid {
constexpr Oid kBool = 16, kBytea = 17, kChar = 18, kName = 19, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25,
              kOid = 26, kJson = 114, kXml = 142, kFloat4 = 700, kFloat8 = 701, kUnknown = 705, kBpchar = 1042,
              kVarchar = 1043, kDate = 1082, kTime = 1083, kTimestamp = 1114, kTimestamptz = 1184, kInterval = 1186,
              kTimetz = 1266, kNumeric = 1700, kUuid = 2950, kJsonb = 3802;
}  // namespace oid

// Days and microseconds between 1970-01-01 (Arrow) and 2000-01-01 (PostgreSQL's epoch).
constexpr int32_t kEpochDaysOffset = 10957;
constexpr int64_t kEpochMicrosOffset = int64_t{10957} * 86400 * 1000000;

/// How a result column is read from the binary COPY stream.
enum class Decode : uint8_t {
  Bool,
  Int16,
  Int32,
  Int64,
  Oid,  // unsigned 32-bit, widened to int64
  Float32,
  Float64,
  NumericDecimal,  // -> decimal128(p, s)
  NumericText,     // -> exact text
  Text,            // raw bytes, already UTF-8 (client_encoding is UTF8); also server-side ::text casts
  Bytea,
  Jsonb,  // version byte then text
  Uuid,   // 16 bytes -> canonical text
  Date,
  Timestamp,
  Time,
};

struct ColumnPlan {
  std::string name;
  Oid type_oid = 0;
  int32_t typmod = -1;
  Decode decode = Decode::Text;
  sdk::DataType type;
  bool cast_to_text = false;  // the server casts it (types whose binary form we do not decode)
};

/// The plan for one described result column. numeric_as_text maps every numeric column to utf8.
ColumnPlan plan_column(std::string name, Oid type_oid, int32_t typmod, bool numeric_as_text);

/// numeric's typmod: precision and scale, or false when unconstrained (-1) or unusable.
bool numeric_precision_scale(int32_t typmod, int32_t& precision, int32_t& scale);

/// The column type export declares for an Arrow type, spelled the way format_type() prints it (so a
/// replace can tell whether an existing table already has exactly these column types).
std::string pg_type_for(const sdk::DataType& type);

/// The OID of pg_type_for(type).
Oid pg_oid_for(const sdk::DataType& type);

}  // namespace mageio::postgres
