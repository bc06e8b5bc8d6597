// Type mapping between MySQL/MariaDB columns and Arrow, both ways, and the parsers for the text the
// server sends (Connector/C++ reads results in the text protocol).
//
// Load (from result-set metadata):
//   TINYINT(1), BOOLEAN            bool        (values other than 0/1 are an error: load them as
//                                               integers with the option {"tinyint1_as": "int8"})
//   TINYINT / SMALLINT / MEDIUMINT / INT / BIGINT
//                                  int8 / int16 / int32 / int32 / int64
//   ... UNSIGNED                   uint8 / uint16 / uint32 / uint32 / uint64 (BIGINT UNSIGNED never overflows)
//   FLOAT / DOUBLE                 float32 / float64
//   DECIMAL(p, s)                  decimal128(p, s); p > 38 (MySQL allows 65) becomes decimal128(38, s) and
//                                  a value that does not fit is an error naming the column (CAST it to CHAR
//                                  to load it as text)
//   CHAR, VARCHAR, TEXT (any size, any character set: the session is utf8mb4), JSON, ENUM, SET
//                                  utf8
//   BINARY, VARBINARY, BLOB (any size), GEOMETRY (WKB with MySQL's SRID prefix)
//                                  binary
//   DATE                           date32
//   DATETIME(n)                    timestamp[us]  (wall-clock time, no zone)
//   TIMESTAMP(n)                   timestamp[us, UTC]: the session runs with time_zone '+00:00' (see
//                                  mysql_session.hpp); timestamp[us] if the user changed the session zone
//   TIME(n)                        duration[us]: MySQL's TIME is a signed duration (-838:59:59.999999 to
//                                  838:59:59.999999), not a time of day, so every value loads exactly.
//                                  Options: {"time_as": "time64"} loads time64[us] (a value outside
//                                  00:00:00..23:59:59.999999 is then an error naming the column and the
//                                  value, never a wrap); {"time_as": "utf8"} loads the exact text.
//   YEAR                           int16
//   BIT(n)                         uint64 (the bits as an unsigned number, BIT(1) included)
//   NULL (SELECT NULL)             null
//   anything else                  utf8 (the server's text)
// Zero and invalid dates ('0000-00-00', '2024-00-10', '2024-02-30', which sql_modes without NO_ZERO_DATE
// or with ALLOW_INVALID_DATES let a table hold) load as NULL: the first one per column is logged as a
// warning, and a summary with the count when the stream ends. They have no Arrow value; failing a
// whole load over a placeholder the application wrote on purpose helps nobody.
//
// Export (CREATE TABLE from an Arrow schema):
//   bool BOOLEAN; int8..int64 TINYINT..BIGINT; uint8..uint64 the same UNSIGNED; float32 FLOAT;
//   float64 DOUBLE (never DECIMAL); decimal128(p, s) DECIMAL(p, s); utf8/large_utf8 LONGTEXT;
//   binary/large_binary LONGBLOB; date32/date64 DATE; timestamp (any unit, any zone) DATETIME(6) holding
//   UTC for zoned timestamps; time32/time64 TIME(6); duration (any unit) TIME(6), a value outside
//   +-838:59:59.999999 is an error naming the row and column; null TEXT.
//   Columns of a unique key must be indexable: text becomes VARCHAR(n) with a binary NO PAD collation
//   (exact comparison, like the other backends: 'pad' and 'pad ' are two keys, which utf8mb4_bin, a PAD
//   SPACE collation, would merge) and binary VARBINARY(n), with n chosen so the key fits InnoDB's
//   3072-byte limit. A longer value fails the export (which then changes nothing).
#pragma once

#include <mageio/sdk/types.hpp>
#include <mageio/sdk/values.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sql {
class ResultSetMetaData;
}

namespace mageio::mysql {

enum class ColumnKind {
  Null,
  Bool,
  Int,
  UInt,
  Float32,
  Float64,
  Decimal,
  Text,
  Binary,
  Date,
  DateTime,
  Time,
  Duration,
  TimeText,
  Bit,
  Year
};

struct LoadTypeOptions {
  bool time_as_text = false;     // {"time_as": "utf8"}
  bool time_as_time64 = false;   // {"time_as": "time64"}; the default is duration
  bool tinyint1_as_bool = true;  // {"tinyint1_as": "bool" | "int8"}
  bool timestamp_utc = true;     // the session time zone is UTC
};

struct LoadColumn {
  std::string name;
  ColumnKind kind = ColumnKind::Text;
  sdk::DataType type;
  std::string mysql_type;  // for messages, e.g. "DATETIME(6)"
};

/// The Arrow column for result column `index` (1-based).
LoadColumn load_column(sql::ResultSetMetaData& metadata, unsigned index, const LoadTypeOptions& options);

/// DECIMAL's precision from the display length MySQL reports (the inverse of the server's
/// my_decimal_precision_to_length_no_truncation); Connector/C++ 1.1's getPrecision() is broken for DECIMAL.
int32_t decimal_precision(uint32_t display_length, int32_t scale, bool is_unsigned);

// --- Parsing the server's text -------------------------------------------------------------------

/// "YYYY-MM-DD". Sets *invalid (and returns nullopt) for a zero or impossible date.
std::optional<int32_t> parse_date_text(std::string_view text, bool* invalid);
/// "YYYY-MM-DD HH:MM:SS[.ffffff]" as microseconds since the epoch. Sets *invalid for zero/impossible dates.
std::optional<int64_t> parse_datetime_text(std::string_view text, bool* invalid);
/// "[-]H+:MM:SS[.ffffff]" as signed microseconds (any MySQL TIME value).
std::optional<int64_t> parse_time_text(std::string_view text);
/// "[-]digits[.digits]" as the unscaled value at `scale`; nullopt when malformed, with more fractional
/// digits than `scale`, or not fitting `precision` digits.
std::optional<sdk::int128> parse_decimal_text(std::string_view text, int32_t precision, int32_t scale);

// --- Export ---------------------------------------------------------------------------------------

/// InnoDB's limit on the bytes of one index (DYNAMIC row format, the default since MySQL 5.7 / MariaDB 10.2).
constexpr int kMaxKeyBytes = 3072;

/// True for the types that need a length when they are part of a key (text and binary).
bool variable_width(const sdk::DataType& type);
/// Bytes a fixed-width type takes in an index.
int key_bytes(const sdk::DataType& type);

/// A variable-width column of a unique key: the index bytes it may use, and the collation for text.
struct KeyColumn {
  int budget = 0;
  std::string_view text_collation;
};

/// The exact (binary, NO PAD) utf8mb4 collation of the server: MariaDB has utf8mb4_nopad_bin, MySQL 8
/// utf8mb4_0900_bin; neither knows the other's.
std::string_view exact_text_collation(bool mariadb);

/// The column type export creates for `type`; `key` when the column is part of a unique key and variable
/// width.
std::string sql_type(const sdk::DataType& type, std::optional<KeyColumn> key = std::nullopt);

}  // namespace mageio::mysql
