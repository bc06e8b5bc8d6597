#include "sqlite_types.hpp"

#include "sqlite_handle.hpp"

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/utf8.hpp>
#include <mageio/sdk/values.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace mageio::sqlite {
namespace {

using sdk::DataType;
using sdk::TypeId;

// "  decimal_text( 12 , 2 ) " -> base "DECIMAL_TEXT", args "12 , 2"; words upper-cased and joined by
// single spaces ("double   precision" -> "DOUBLE PRECISION").
struct DeclaredType {
  std::string base;
  std::string args;
  bool has_args = false;
};

DeclaredType split_declared(std::string_view declared) {
  DeclaredType out;
  size_t open = declared.find('(');
  std::string_view head = declared.substr(0, open);
  bool pending_space = false;
  for (char c : head) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      pending_space = !out.base.empty();
      continue;
    }
    if (pending_space) out.base += ' ';
    pending_space = false;
    out.base += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (open != std::string_view::npos) {
    size_t close = declared.find(')', open);
    out.args = std::string(declared.substr(open + 1, close == std::string_view::npos ? close : close - open - 1));
    out.has_args = true;
  }
  return out;
}

std::optional<int32_t> parse_small_int(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  int32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// "P,S" with 1 <= P <= 38 and 0 <= S <= P.
std::optional<DataType> decimal_from_args(const std::string& args) {
  size_t comma = args.find(',');
  if (comma == std::string::npos) return std::nullopt;
  auto precision = parse_small_int(std::string_view(args).substr(0, comma));
  auto scale = parse_small_int(std::string_view(args).substr(comma + 1));
  if (!precision || !scale || *precision < 1 || *precision > 38 || *scale < 0 || *scale > *precision)
    return std::nullopt;
  return sdk::decimal128(*precision, *scale);
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

std::string_view text_of(sqlite3_value* value) {
  const auto* data = reinterpret_cast<const char*>(sqlite3_value_text(value));
  return data == nullptr ? std::string_view() : std::string_view(data, static_cast<size_t>(sqlite3_value_bytes(value)));
}

std::string_view blob_of(sqlite3_value* value) {
  const auto* data = static_cast<const char*>(sqlite3_value_blob(value));
  return data == nullptr ? std::string_view() : std::string_view(data, static_cast<size_t>(sqlite3_value_bytes(value)));
}

// The value as a person would recognise it in an error message (text shortened).
std::string describe(sqlite3_value* value) {
  switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER: return "integer " + std::to_string(sqlite3_value_int64(value));
    case SQLITE_FLOAT: return "real " + sdk::format_double(sqlite3_value_double(value));
    case SQLITE_TEXT: {
      std::string_view text = text_of(value);
      if (!sdk::valid_utf8(text)) return "text of " + std::to_string(text.size()) + " bytes that is not valid UTF-8";
      if (text.size() <= 40) return "text '" + std::string(text) + "'";
      size_t cut = 40;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole characters
      return "text '" + std::string(text.substr(0, cut)) + "...'";
    }
    case SQLITE_BLOB: return "a blob of " + std::to_string(sqlite3_value_bytes(value)) + " bytes";
    default: return "NULL";
  }
}

[[noreturn]] void not_a(sqlite3_value* value, const DataType& type) {
  throw sdk::invalid_argument(describe(value) + " is not a valid " + type.name());
}

// An integral REAL within int64, as SQLite itself would compare it.
std::optional<int64_t> integral(double value) {
  if (!(std::trunc(value) == value) || value < -9223372036854775808.0 || value >= 9223372036854775808.0)
    return std::nullopt;
  return static_cast<int64_t>(value);
}

void append_integer(sdk::ColumnBuilder& out, sqlite3_value* value) {
  switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER: return out.append_int(sqlite3_value_int64(value));
    case SQLITE_FLOAT:
      if (auto whole = integral(sqlite3_value_double(value))) return out.append_int(*whole);
      break;
    case SQLITE_TEXT: {
      std::string_view text = text_of(value);
      if (out.type().id == TypeId::UInt64) {
        uint64_t parsed = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
        if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return out.append_uint(parsed);
      } else if (auto parsed = sdk::parse_int64(text)) {
        return out.append_int(*parsed);
      }
      break;
    }
    default: break;
  }
  not_a(value, out.type());
}

void append_floating(sdk::ColumnBuilder& out, sqlite3_value* value) {
  double number = 0;
  switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER: number = static_cast<double>(sqlite3_value_int64(value)); break;
    case SQLITE_FLOAT: number = sqlite3_value_double(value); break;
    case SQLITE_TEXT:
      if (auto parsed = sdk::parse_double(text_of(value))) {
        number = *parsed;
        break;
      }
      not_a(value, out.type());
    default: not_a(value, out.type());
  }
  if (out.type().id == TypeId::Float32 && std::isfinite(number) &&
      std::fabs(number) > static_cast<double>(std::numeric_limits<float>::max()))
    throw sdk::invalid_argument(describe(value) + " does not fit in float32");
  out.append_double(number);
}

void append_decimal(sdk::ColumnBuilder& out, sqlite3_value* value) {
  const DataType& type = out.type();
  std::string text;
  switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER: text = std::to_string(sqlite3_value_int64(value)); break;
    case SQLITE_FLOAT: {
      // NUMERIC affinity already made it a double: round it to the column's scale.
      char buffer[512];
      std::snprintf(buffer, sizeof buffer, "%.*f", type.scale, sqlite3_value_double(value));
      text = buffer;
      break;
    }
    case SQLITE_TEXT: text = std::string(text_of(value)); break;
    default: not_a(value, type);
  }
  auto parsed = sdk::parse_decimal(text, type.precision, type.scale);
  if (!parsed)
    throw sdk::invalid_argument(describe(value) + " is not a " + type.name() + " (more than " +
                                std::to_string(type.precision) + " digits, more than " + std::to_string(type.scale) +
                                " after the point, or not a number)");
  out.append_decimal(*parsed);
}

void append_text(sdk::ColumnBuilder& out, sqlite3_value* value) {
  switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER: return out.append_string(std::to_string(sqlite3_value_int64(value)));
    case SQLITE_FLOAT: return out.append_string(sdk::format_double(sqlite3_value_double(value)));
    case SQLITE_TEXT: {
      std::string_view text = text_of(value);
      if (!sdk::valid_utf8(text)) throw sdk::invalid_argument("the text is not valid UTF-8");
      return out.append_string(text);
    }
    default: {
      std::string_view bytes = blob_of(value);
      if (!sdk::valid_utf8(bytes)) throw sdk::invalid_argument(describe(value) + " is not valid UTF-8 text");
      return out.append_string(bytes);
    }
  }
}

void append_binary(sdk::ColumnBuilder& out, sqlite3_value* value) {
  switch (sqlite3_value_type(value)) {
    case SQLITE_BLOB: return out.append_string(blob_of(value));
    case SQLITE_INTEGER: return out.append_string(std::to_string(sqlite3_value_int64(value)));
    case SQLITE_FLOAT: return out.append_string(sdk::format_double(sqlite3_value_double(value)));
    default: return out.append_string(text_of(value));
  }
}

void append_temporal(sdk::ColumnBuilder& out, sqlite3_value* value) {
  if (sqlite3_value_type(value) != SQLITE_TEXT) not_a(value, out.type());
  std::string_view text = text_of(value);
  switch (out.type().id) {
    case TypeId::Date32:
      if (auto days = sdk::parse_date(text)) return out.append_date32(*days);
      break;
    case TypeId::Timestamp:
      // Text without an offset is taken as UTC for a zoned column; an offset is always applied.
      if (auto micros = sdk::parse_timestamp(text)) return out.append_timestamp_us(*micros);
      break;
    default:
      if (auto micros = sdk::parse_time(text)) return out.append_time_us(*micros);
      break;
  }
  not_a(value, out.type());
}

}  // namespace

std::string declared_type_for(const DataType& type) {
  switch (type.id) {
    case TypeId::Null: return "TEXT";
    case TypeId::Bool: return "BOOLEAN";
    case TypeId::Int8: return "TINYINT";
    case TypeId::Int16: return "SMALLINT";
    case TypeId::Int32: return "INT32";
    case TypeId::Int64: return "BIGINT";
    case TypeId::UInt8: return "UTINYINT";
    case TypeId::UInt16: return "USMALLINT";
    case TypeId::UInt32: return "UINT32";
    case TypeId::UInt64: return "UBIGINT";
    case TypeId::Float32: return "FLOAT32";
    case TypeId::Float64: return "DOUBLE";
    case TypeId::Decimal128:
      if (type.scale < 0 || type.precision < 1 || type.precision > 38 || type.scale > type.precision)
        throw sdk::not_implemented("cannot store " + type.name() +
                                   ": only decimals with 1 <= precision <= 38 and 0 <= scale <= precision");
      return "DECIMAL_TEXT(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case TypeId::Utf8:
    case TypeId::LargeUtf8: return "TEXT";
    case TypeId::Binary:
    case TypeId::LargeBinary: return "BLOB";
    case TypeId::Date32:
    case TypeId::Date64: return "DATE";
    case TypeId::Timestamp: return type.timezone.empty() ? "TIMESTAMP" : "TIMESTAMPTZ";
    case TypeId::Time32:
    case TypeId::Time64: return "TIME";
    case TypeId::Duration: break;  // not mapped (yet)
  }
  throw sdk::not_implemented("no SQLite type for " + type.name());
}

std::optional<DataType> type_for_declared(std::string_view declared) {
  DeclaredType d = split_declared(declared);
  const std::string& b = d.base;
  if (b.empty()) return std::nullopt;
  if (b == "BOOLEAN" || b == "BOOL") return sdk::bool_type();
  if (b == "TINYINT") return sdk::int8();
  if (b == "SMALLINT") return sdk::int16();
  if (b == "INT32") return sdk::int32();
  if (b == "UTINYINT") return sdk::uint8();
  if (b == "USMALLINT") return sdk::uint16();
  if (b == "UINT32") return sdk::uint32();
  if (b == "UBIGINT") return sdk::uint64();
  if (b == "FLOAT32") return sdk::float32();
  if (b == "DATE") return sdk::date32();
  if (b == "TIMESTAMP" || b == "DATETIME") return sdk::timestamp_us();
  if (b == "TIMESTAMPTZ" || b == "TIMESTAMP WITH TIME ZONE") return sdk::timestamp_us("UTC");
  if (b == "TIME") return sdk::time64_us();
  if ((b == "DECIMAL_TEXT" || b == "DECIMAL" || b == "NUMERIC") && d.has_args)
    if (auto decimal = decimal_from_args(d.args)) return decimal;
  // SQLite's affinity rules, in SQLite's order.
  if (contains(b, "INT")) return sdk::int64();
  if (contains(b, "CHAR") || contains(b, "CLOB") || contains(b, "TEXT")) return sdk::utf8();
  if (contains(b, "BLOB")) return sdk::binary();
  if (contains(b, "REAL") || contains(b, "FLOA") || contains(b, "DOUB")) return sdk::float64();
  return std::nullopt;  // NUMERIC affinity under some other name: look at the values
}

DataType infer_type(StorageClasses seen) {
  if (seen & storage_class_bit(SQLITE_BLOB)) return sdk::binary();
  if (seen & storage_class_bit(SQLITE_TEXT)) return sdk::utf8();
  if (seen & storage_class_bit(SQLITE_FLOAT)) return sdk::float64();
  if (seen & storage_class_bit(SQLITE_INTEGER)) return sdk::int64();
  return sdk::utf8();
}

void append_value(sdk::ColumnBuilder& out, sqlite3_value* value) {
  if (sqlite3_value_type(value) == SQLITE_NULL) return out.append_null();
  const DataType& type = out.type();
  switch (type.id) {
    case TypeId::Bool: {
      int kind = sqlite3_value_type(value);
      if (kind == SQLITE_INTEGER || kind == SQLITE_FLOAT) {
        double number = sqlite3_value_double(value);
        if (number == 0 || number == 1) return out.append_bool(number == 1);
      } else if (kind == SQLITE_TEXT) {
        if (auto parsed = sdk::parse_bool(text_of(value))) return out.append_bool(*parsed);
      }
      not_a(value, type);
    }
    case TypeId::Int8:
    case TypeId::Int16:
    case TypeId::Int32:
    case TypeId::Int64:
    case TypeId::UInt8:
    case TypeId::UInt16:
    case TypeId::UInt32:
    case TypeId::UInt64: return append_integer(out, value);
    case TypeId::Float32:
    case TypeId::Float64: return append_floating(out, value);
    case TypeId::Decimal128: return append_decimal(out, value);
    case TypeId::Utf8:
    case TypeId::LargeUtf8: return append_text(out, value);
    case TypeId::Binary:
    case TypeId::LargeBinary: return append_binary(out, value);
    case TypeId::Date32:
    case TypeId::Timestamp:
    case TypeId::Time64: return append_temporal(out, value);
    default: throw sdk::Error(MAGEIO_STATUS_INTERNAL, "cannot load values as " + type.name());
  }
}

bool bind_value(Statement& statement, int index, const sdk::ColumnView& column, int64_t row) {
  if (column.is_null(row)) {
    statement.bind_null(index);
    return true;
  }
  const DataType& type = column.type();
  switch (type.id) {
    case TypeId::Null: statement.bind_null(index); return true;
    case TypeId::Bool: statement.bind_int(index, column.get_bool(row) ? 1 : 0); return true;
    case TypeId::Int8:
    case TypeId::Int16:
    case TypeId::Int32:
    case TypeId::Int64:
    case TypeId::UInt8:
    case TypeId::UInt16:
    case TypeId::UInt32: statement.bind_int(index, column.get_int(row)); return true;
    case TypeId::UInt64: {
      uint64_t value = column.get_uint(row);
      if (value > static_cast<uint64_t>(INT64_MAX))
        throw sdk::invalid_argument("value " + std::to_string(value) +
                                    " does not fit in SQLite's 64-bit signed INTEGER (at most 9223372036854775807)");
      statement.bind_int(index, static_cast<int64_t>(value));
      return true;
    }
    case TypeId::Float32:
    case TypeId::Float64: {
      double value = column.get_double(row);
      if (std::isnan(value)) {
        statement.bind_null(index);  // SQLite would store NULL anyway; the caller warns
        return false;
      }
      statement.bind_double(index, value);
      return true;
    }
    case TypeId::Decimal128:
      statement.bind_text(index, sdk::format_decimal(column.get_decimal(row), type.scale), true);
      return true;
    case TypeId::Utf8:
    case TypeId::LargeUtf8: statement.bind_text(index, column.get_string(row), false); return true;
    case TypeId::Binary:
    case TypeId::LargeBinary: statement.bind_blob(index, column.get_string(row)); return true;
    case TypeId::Date32:
    case TypeId::Date64: statement.bind_text(index, sdk::format_date(column.get_date32(row)), true); return true;
    case TypeId::Timestamp:
      statement.bind_text(index, sdk::format_timestamp(column.get_timestamp_us(row), !type.timezone.empty()), true);
      return true;
    case TypeId::Time32:
    case TypeId::Time64: statement.bind_text(index, sdk::format_time(column.get_time_us(row)), true); return true;
    case TypeId::Duration: break;  // not mapped (yet)
  }
  throw sdk::not_implemented("cannot store " + type.name());
}

}  // namespace mageio::sqlite
