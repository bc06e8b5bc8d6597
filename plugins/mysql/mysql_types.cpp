#include "mysql_types.hpp"

#include <mageio/sdk/error.hpp>

#include <cppconn/datatype.h>
#include <cppconn/resultset_metadata.h>

#include <algorithm>
#include <cctype>

namespace mageio::mysql {

int32_t decimal_precision(uint32_t display_length, int32_t scale, bool is_unsigned) {
  int64_t precision =
      static_cast<int64_t>(display_length) - (scale > 0 ? 1 : 0) - (is_unsigned || display_length == 0 ? 0 : 1);
  return static_cast<int32_t>(std::max<int64_t>(precision, std::max<int32_t>(scale, 1)));
}

namespace {

std::string with_fraction(const std::string& name, int32_t digits) {
  return digits > 0 && digits <= 6 ? name + "(" + std::to_string(digits) + ")" : name;
}

}  // namespace

LoadColumn load_column(sql::ResultSetMetaData& metadata, unsigned index, const LoadTypeOptions& options) {
  LoadColumn column;
  column.name = metadata.getColumnLabel(index);
  const int type = metadata.getColumnType(index);
  const std::string type_name = metadata.getColumnTypeName(index);
  column.mysql_type = type_name;
  const bool is_signed = metadata.isSigned(index);
  auto integer = [&](sdk::DataType signed_type, sdk::DataType unsigned_type) {
    column.kind = is_signed ? ColumnKind::Int : ColumnKind::UInt;
    column.type = is_signed ? signed_type : unsigned_type;
  };
  switch (type) {
    case sql::DataType::BIT:
      column.kind = ColumnKind::Bit;
      column.type = sdk::uint64();
      column.mysql_type = "BIT(" + std::to_string(metadata.getColumnDisplaySize(index)) + ")";
      break;
    case sql::DataType::TINYINT:
      if (options.tinyint1_as_bool && is_signed && metadata.getColumnDisplaySize(index) == 1) {
        column.kind = ColumnKind::Bool;
        column.type = sdk::bool_type();
        column.mysql_type = "TINYINT(1)";
      } else {
        integer(sdk::int8(), sdk::uint8());
      }
      break;
    case sql::DataType::SMALLINT: integer(sdk::int16(), sdk::uint16()); break;
    case sql::DataType::MEDIUMINT:
    case sql::DataType::INTEGER: integer(sdk::int32(), sdk::uint32()); break;
    case sql::DataType::BIGINT: integer(sdk::int64(), sdk::uint64()); break;
    case sql::DataType::REAL:
      column.kind = ColumnKind::Float32;
      column.type = sdk::float32();
      break;
    case sql::DataType::DOUBLE:
      column.kind = ColumnKind::Float64;
      column.type = sdk::float64();
      break;
    case sql::DataType::DECIMAL:
    case sql::DataType::NUMERIC: {
      const int32_t scale = static_cast<int32_t>(metadata.getScale(index));
      const int32_t precision = decimal_precision(metadata.getColumnDisplaySize(index), scale, !is_signed);
      column.kind = ColumnKind::Decimal;
      column.type = sdk::decimal128(std::min(precision, 38), std::min(scale, 38));
      column.mysql_type = "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
      break;
    }
    case sql::DataType::CHAR:
    case sql::DataType::VARCHAR:
    case sql::DataType::LONGVARCHAR:
    case sql::DataType::ENUM:
    case sql::DataType::SET:
    case sql::DataType::JSON:
      column.kind = ColumnKind::Text;
      column.type = sdk::utf8();
      break;
    case sql::DataType::BINARY:
    case sql::DataType::VARBINARY:
    case sql::DataType::LONGVARBINARY:
    case sql::DataType::GEOMETRY:
      column.kind = ColumnKind::Binary;
      column.type = sdk::binary();
      break;
    case sql::DataType::DATE:
      column.kind = ColumnKind::Date;
      column.type = sdk::date32();
      break;
    case sql::DataType::TIMESTAMP: {
      // DATETIME and TIMESTAMP share this code; only the type name tells them apart.
      const bool zoned = type_name.find("TIMESTAMP") != std::string::npos && options.timestamp_utc;
      column.kind = ColumnKind::DateTime;
      column.type = sdk::timestamp_us(zoned ? "UTC" : "");
      column.mysql_type = with_fraction(type_name, static_cast<int32_t>(metadata.getScale(index)));
      break;
    }
    case sql::DataType::TIME:
      if (options.time_as_text) {
        column.kind = ColumnKind::TimeText;
        column.type = sdk::utf8();
      } else if (options.time_as_time64) {
        column.kind = ColumnKind::Time;
        column.type = sdk::time64_us();
      } else {
        column.kind = ColumnKind::Duration;
        column.type = sdk::duration_us();
      }
      column.mysql_type = with_fraction("TIME", static_cast<int32_t>(metadata.getScale(index)));
      break;
    case sql::DataType::YEAR:
      column.kind = ColumnKind::Year;
      column.type = sdk::int16();
      break;
    case sql::DataType::SQLNULL:
      column.kind = ColumnKind::Null;
      column.type = sdk::null_type();
      break;
    default:
      column.kind = ColumnKind::Text;
      column.type = sdk::utf8();
      break;
  }
  return column;
}

// --- Parsing ------------------------------------------------------------------------------------

namespace {

inline bool digits(std::string_view text, size_t at, size_t count, int64_t& out) {
  if (at + count > text.size()) return false;
  int64_t value = 0;
  for (size_t i = at; i < at + count; ++i) {
    unsigned d = static_cast<unsigned char>(text[i]) - '0';
    if (d > 9) return false;
    value = value * 10 + d;
  }
  out = value;
  return true;
}

bool valid_date(int64_t year, int64_t month, int64_t day) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  int limit = kDays[month - 1];
  if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))) limit = 29;
  return day <= limit;
}

// Parses ".f{1,6}" at `at` (if present) into microseconds; returns the position after it.
bool fraction(std::string_view text, size_t& at, int64_t& micros) {
  micros = 0;
  if (at >= text.size()) return true;
  if (text[at] != '.') return false;
  ++at;
  int count = 0;
  while (at < text.size() && count < 6) {
    unsigned d = static_cast<unsigned char>(text[at]) - '0';
    if (d > 9) return false;
    micros = micros * 10 + d;
    ++at;
    ++count;
  }
  if (count == 0 || at != text.size()) return false;
  for (; count < 6; ++count) micros *= 10;
  return true;
}

}  // namespace

std::optional<int32_t> parse_date_text(std::string_view text, bool* invalid) {
  *invalid = false;
  int64_t year, month, day;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(text, 0, 4, year) ||
      !digits(text, 5, 2, month) || !digits(text, 8, 2, day))
    return std::nullopt;
  if (!valid_date(year, month, day)) {
    *invalid = true;
    return std::nullopt;
  }
  return sdk::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::optional<int64_t> parse_datetime_text(std::string_view text, bool* invalid) {
  *invalid = false;
  if (text.size() < 19) return std::nullopt;
  auto date = parse_date_text(text.substr(0, 10), invalid);
  if (*invalid) return std::nullopt;
  int64_t hour, minute, second, micros;
  if (!date || (text[10] != ' ' && text[10] != 'T') || text[13] != ':' || text[16] != ':' ||
      !digits(text, 11, 2, hour) || !digits(text, 14, 2, minute) || !digits(text, 17, 2, second) || hour > 23 ||
      minute > 59 || second > 59)
    return std::nullopt;
  size_t at = 19;
  if (!fraction(text, at, micros)) return std::nullopt;
  return int64_t{*date} * sdk::kMicrosPerDay + ((hour * 60 + minute) * 60 + second) * sdk::kMicrosPerSecond + micros;
}

std::optional<int64_t> parse_time_text(std::string_view text) {
  bool negative = !text.empty() && text[0] == '-';
  size_t at = negative ? 1 : 0;
  int64_t hours = 0;
  size_t start = at;
  while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) && at - start < 4)
    hours = hours * 10 + (text[at++] - '0');
  int64_t minute, second, micros;
  if (at == start || at + 6 > text.size() || text[at] != ':' || text[at + 3] != ':' ||
      !digits(text, at + 1, 2, minute) || !digits(text, at + 4, 2, second) || minute > 59 || second > 59)
    return std::nullopt;
  at += 6;
  if (!fraction(text, at, micros)) return std::nullopt;
  int64_t value = ((hours * 60 + minute) * 60 + second) * sdk::kMicrosPerSecond + micros;
  return negative ? -value : value;
}

std::optional<sdk::int128> parse_decimal_text(std::string_view text, int32_t precision, int32_t scale) {
  size_t at = 0;
  bool negative = false;
  if (at < text.size() && (text[at] == '-' || text[at] == '+')) negative = text[at++] == '-';
  sdk::int128 value = 0;
  int32_t integer_digits = 0, fraction_digits = 0;
  bool seen_digit = false, seen_point = false;
  for (; at < text.size(); ++at) {
    char c = text[at];
    if (c == '.') {
      if (seen_point) return std::nullopt;
      seen_point = true;
      continue;
    }
    unsigned d = static_cast<unsigned char>(c) - '0';
    if (d > 9) return std::nullopt;
    seen_digit = true;
    if (seen_point) {
      if (++fraction_digits > scale) {
        if (d != 0) return std::nullopt;  // trailing zeros beyond the scale are harmless
        --fraction_digits;
        continue;
      }
    } else if (integer_digits > 0 || d != 0) {
      ++integer_digits;
    }
    if (integer_digits > precision - scale) return std::nullopt;
    value = value * 10 + d;
  }
  if (!seen_digit) return std::nullopt;
  for (; fraction_digits < scale; ++fraction_digits) value *= 10;
  return negative ? -value : value;
}

// --- Export -------------------------------------------------------------------------------------

bool variable_width(const sdk::DataType& type) {
  return type.is_string() || type.is_binary() || type.id == sdk::TypeId::Null;
}

int key_bytes(const sdk::DataType& type) {
  using sdk::TypeId;
  switch (type.id) {
    case TypeId::Bool: return 1;
    case TypeId::Date32:
    case TypeId::Date64: return 3;
    case TypeId::Time32:
    case TypeId::Time64:
    case TypeId::Duration: return 6;
    case TypeId::Timestamp: return 8;
    case TypeId::Decimal128: return (type.precision + 8) / 9 * 4 + 1;
    default: break;
  }
  // Integers and floats take their Arrow width in a key too; anything else counts as 8.
  const int64_t width = sdk::byte_width(type.id);
  return width > 0 ? static_cast<int>(width) : 8;
}

std::string_view exact_text_collation(bool mariadb) { return mariadb ? "utf8mb4_nopad_bin" : "utf8mb4_0900_bin"; }

namespace {

// 4 bytes per character in the index; VARCHAR lengths count characters.
std::string key_varchar(const KeyColumn& key) {
  return "VARCHAR(" + std::to_string(std::max(1, key.budget / 4)) + ") COLLATE " + std::string(key.text_collation);
}

}  // namespace

std::string sql_type(const sdk::DataType& type, std::optional<KeyColumn> key) {
  using sdk::TypeId;
  switch (type.id) {
    case TypeId::Null: return key ? key_varchar(*key) : "TEXT";
    case TypeId::Bool: return "BOOLEAN";
    case TypeId::Int8: return "TINYINT";
    case TypeId::Int16: return "SMALLINT";
    case TypeId::Int32: return "INT";
    case TypeId::Int64: return "BIGINT";
    case TypeId::UInt8: return "TINYINT UNSIGNED";
    case TypeId::UInt16: return "SMALLINT UNSIGNED";
    case TypeId::UInt32: return "INT UNSIGNED";
    case TypeId::UInt64: return "BIGINT UNSIGNED";
    case TypeId::Float32: return "FLOAT";
    case TypeId::Float64: return "DOUBLE";
    case TypeId::Decimal128:
      return "DECIMAL(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case TypeId::Utf8:
    case TypeId::LargeUtf8: return key ? key_varchar(*key) : "LONGTEXT";
    case TypeId::Binary:
    case TypeId::LargeBinary: return key ? "VARBINARY(" + std::to_string(std::max(1, key->budget)) + ")" : "LONGBLOB";
    case TypeId::Date32:
    case TypeId::Date64: return "DATE";
    case TypeId::Timestamp: return "DATETIME(6)";
    case TypeId::Time32:
    case TypeId::Time64:
    case TypeId::Duration: return "TIME(6)";
  }
  throw sdk::not_implemented("no MySQL type for Arrow type " + type.name());
}

}  // namespace mageio::mysql
