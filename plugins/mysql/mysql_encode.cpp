#include "mysql_encode.hpp"

#include "mysql_sql.hpp"

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/values.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace mageio::mysql {
namespace {

inline void append_digits(std::string& out, int64_t value, int width) {
  char buffer[24];
  for (int i = width - 1; i >= 0; --i) {
    buffer[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buffer, static_cast<size_t>(width));
}

template <typename T>
inline void append_number(std::string& out, T value) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

inline int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// PostgreSQL's 'infinity' and '-infinity' dates and timestamps reach us as the extreme values of their
// Arrow storage (the postgres plugin hands them over that way): INT32_MAX/MIN days, INT64_MAX/MIN
// microseconds. MySQL has no infinity, and the year they would print as (294247, 5881580) says nothing.
template <typename T>
bool is_infinity_sentinel(T value) {
  return value == std::numeric_limits<T>::max() || value == std::numeric_limits<T>::min();
}

std::string infinity_message(bool positive, const char* what) {
  return std::string(positive ? "'infinity'" : "'-infinity'") + " (PostgreSQL's " + what +
         " infinity, the largest/smallest value the Arrow type holds) has no MySQL equivalent; replace it "
         "(e.g. with NULL or a far date) before exporting";
}

}  // namespace

void append_date(std::string& out, int32_t days, DateCache* cache) {
  if (cache != nullptr && cache->days == days) {
    out.append(cache->text, sizeof cache->text);
    return;
  }
  int64_t year;
  unsigned month, day;
  sdk::civil_from_days(days, year, month, day);
  if (year < 0 || year > 9999)
    throw sdk::invalid_argument("the date is outside MySQL's range 0000-01-01..9999-12-31 (year " +
                                std::to_string(year) + ")");
  char text[10];
  int64_t y = year;
  for (int i = 3; i >= 0; --i, y /= 10) text[i] = static_cast<char>('0' + y % 10);
  text[4] = '-';
  text[5] = static_cast<char>('0' + month / 10);
  text[6] = static_cast<char>('0' + month % 10);
  text[7] = '-';
  text[8] = static_cast<char>('0' + day / 10);
  text[9] = static_cast<char>('0' + day % 10);
  out.append(text, sizeof text);
  if (cache != nullptr) {
    cache->days = days;
    std::memcpy(cache->text, text, sizeof text);
  }
}

void append_timestamp(std::string& out, int64_t micros, DateCache* cache) {
  const int64_t days = floor_div(micros, sdk::kMicrosPerDay);
  int64_t rest = micros - days * sdk::kMicrosPerDay;
  append_date(out, static_cast<int32_t>(days), cache);
  const int64_t seconds = rest / sdk::kMicrosPerSecond;
  const int64_t fraction = rest % sdk::kMicrosPerSecond;
  char text[16] = {' ', 0, 0, ':', 0, 0, ':', 0, 0, '.'};
  const int64_t hours = seconds / 3600, minutes = seconds / 60 % 60, secs = seconds % 60;
  text[1] = static_cast<char>('0' + hours / 10);
  text[2] = static_cast<char>('0' + hours % 10);
  text[4] = static_cast<char>('0' + minutes / 10);
  text[5] = static_cast<char>('0' + minutes % 10);
  text[7] = static_cast<char>('0' + secs / 10);
  text[8] = static_cast<char>('0' + secs % 10);
  if (fraction == 0) {
    out.append(text, 9);
    return;
  }
  int64_t f = fraction;
  for (int i = 15; i >= 10; --i, f /= 10) text[i] = static_cast<char>('0' + f % 10);
  out.append(text, 16);
}

// MySQL's TIME holds -838:59:59.999999..838:59:59.999999 (MariaDB; MySQL 8 stops at .000000 and warns,
// which exports treat as an error).
constexpr int64_t kMaxTimeMicros = ((838LL * 60 + 59) * 60 + 59) * 1000000 + 999999;

void append_time(std::string& out, int64_t micros) {
  // Checked before negating: -INT64_MIN does not exist.
  if (micros > kMaxTimeMicros || micros < -kMaxTimeMicros)
    throw sdk::invalid_argument("the duration " + sdk::format_duration(micros) +
                                " is outside MySQL's TIME range -838:59:59.999999..838:59:59.999999");
  if (micros < 0) {
    out += '-';
    micros = -micros;
  }
  const int64_t seconds = micros / sdk::kMicrosPerSecond;
  const int64_t fraction = micros % sdk::kMicrosPerSecond;
  const int64_t hours = seconds / 3600;
  append_digits(out, hours, hours >= 100 ? 3 : 2);
  out += ':';
  append_digits(out, seconds / 60 % 60, 2);
  out += ':';
  append_digits(out, seconds % 60, 2);
  if (fraction != 0) {
    out += '.';
    append_digits(out, fraction, 6);
  }
}

void append_decimal(std::string& out, sdk::int128 unscaled, int32_t scale) {
  // Most decimals fit 64 bits, where division is several times cheaper than on 128.
  if (unscaled > -static_cast<sdk::int128>(UINT64_MAX) && unscaled < static_cast<sdk::int128>(UINT64_MAX)) {
    char buffer[48];  // up to 38 digits (zeros up to the scale), the point, a leading 0 and the sign
    char* end = buffer + sizeof buffer;
    char* p = end;
    const bool negative = unscaled < 0;
    uint64_t magnitude = static_cast<uint64_t>(negative ? -unscaled : unscaled);
    int written = 0;
    do {
      *--p = static_cast<char>('0' + magnitude % 10);
      magnitude /= 10;
      if (++written == scale) *--p = '.';
    } while (magnitude != 0 || written < scale);
    if (scale > 0 && *p == '.') *--p = '0';
    if (negative) *--p = '-';
    out.append(p, end);
    return;
  }
  char buffer[48];
  char* end = buffer + sizeof buffer;
  char* p = end;
  const bool negative = unscaled < 0;
  unsigned __int128 magnitude =
      negative ? -static_cast<unsigned __int128>(unscaled) : static_cast<unsigned __int128>(unscaled);
  int written = 0;
  do {
    *--p = static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
    if (++written == scale) *--p = '.';
  } while (magnitude != 0 || written < scale);
  if (scale > 0 && *p == '.') *--p = '0';
  if (negative) *--p = '-';
  out.append(p, end);
}

void append_escaped_field(std::string& out, std::string_view bytes) {
  const char* data = bytes.data();
  const size_t size = bytes.size();
  size_t run = 0;
  for (size_t i = 0; i < size; ++i) {
    const char c = data[i];
    const char* escape = nullptr;
    switch (c) {
      case '\\': escape = "\\\\"; break;
      case '\t': escape = "\\t"; break;
      case '\n': escape = "\\n"; break;
      case '\0': escape = "\\0"; break;
      default: continue;
    }
    out.append(data + run, i - run);
    out.append(escape, 2);
    run = i + 1;
  }
  out.append(data + run, size - run);
}

ValueWriter::ValueWriter(const sdk::Schema& schema, bool backslash_escapes)
    : schema_(schema), dates_(schema.size()), backslash_escapes_(backslash_escapes) {
  using sdk::TypeId;
  for (const auto& field : schema_) {
    const auto& type = field.type;
    Kind kind;
    switch (type.id) {
      case TypeId::Null: kind = Kind::Null; break;
      case TypeId::Bool: kind = Kind::Bool; break;
      case TypeId::Int8:
      case TypeId::Int16:
      case TypeId::Int32:
      case TypeId::Int64:
      case TypeId::UInt8:
      case TypeId::UInt16:
      case TypeId::UInt32: kind = Kind::Signed; break;
      case TypeId::UInt64: kind = Kind::Unsigned; break;
      case TypeId::Float32: kind = Kind::Float32; break;
      case TypeId::Float64: kind = Kind::Float64; break;
      case TypeId::Decimal128: kind = Kind::Decimal; break;
      case TypeId::Utf8:
      case TypeId::LargeUtf8: kind = Kind::Text; break;
      case TypeId::Binary:
      case TypeId::LargeBinary: kind = Kind::Binary; break;
      case TypeId::Date32:
      case TypeId::Date64: kind = Kind::Date; break;
      case TypeId::Timestamp: kind = Kind::Timestamp; break;
      case TypeId::Time32:
      case TypeId::Time64: kind = Kind::Time; break;
      case TypeId::Duration: kind = Kind::Duration; break;
      default: throw sdk::not_implemented("cannot export column \"" + field.name + "\" of type " + type.name());
    }
    kinds_.push_back(kind);
  }
}

void ValueWriter::bad_value(size_t c, int64_t row_number, const std::string& why) const {
  throw sdk::invalid_argument("row " + std::to_string(row_number) + ", column \"" + schema_[c].name + "\" (" +
                              schema_[c].type.name() + "): " + why);
}

void ValueWriter::append_value(const sdk::ColumnView& column, size_t c, int64_t row, int64_t row_number, bool sql,
                               std::string& out) const {
  const Kind kind = kinds_[c];
  if (kind == Kind::Null || column.is_null(row)) {
    out += sql ? "NULL" : "\\N";
    return;
  }
  try {
    switch (kind) {
      case Kind::Null: break;
      case Kind::Bool: out += column.get_bool(row) ? '1' : '0'; break;
      case Kind::Signed: append_number(out, column.get_int(row)); break;
      case Kind::Unsigned: append_number(out, column.get_uint(row)); break;
      case Kind::Float32:
      case Kind::Float64: {
        const double value = column.get_double(row);
        if (!std::isfinite(value))
          bad_value(c, row_number,
                    std::string(std::isnan(value) ? "NaN" : "an infinity") +
                        " cannot be stored in a MySQL FLOAT/DOUBLE column");
        // Float32 too is written as the shortest text of its (exact) double value: the server parses a
        // literal as a double before narrowing it to FLOAT, and the float's own shortest text can round
        // outside FLOAT's range (FLT_MAX prints as 3.4028235e38, which is above it as a double).
        append_number(out, value);
        break;
      }
      case Kind::Decimal: append_decimal(out, column.get_decimal(row), column.type().scale); break;
      case Kind::Text:
        if (sql)
          append_string_literal(out, column.get_string(row), backslash_escapes_);
        else
          append_escaped_field(out, column.get_string(row));
        break;
      case Kind::Binary:
        if (sql)
          append_hex_literal(out, column.get_string(row));
        else
          append_escaped_field(out, column.get_string(row));
        break;
      case Kind::Date: {
        const int32_t days = column.get_date32(row);
        if (column.type().id == sdk::TypeId::Date32 && is_infinity_sentinel(days))
          bad_value(c, row_number, infinity_message(days > 0, "date"));
        if (sql) out += '\'';
        append_date(out, days, &dates_[c]);
        if (sql) out += '\'';
        break;
      }
      case Kind::Timestamp: {
        const int64_t micros = column.get_timestamp_us(row);
        if (column.type().unit == sdk::TimeUnit::Micro && is_infinity_sentinel(micros))
          bad_value(c, row_number, infinity_message(micros > 0, "timestamp"));
        if (sql) out += '\'';
        append_timestamp(out, micros, &dates_[c]);
        if (sql) out += '\'';
        break;
      }
      case Kind::Time:
        if (sql) out += '\'';
        append_time(out, column.get_time_us(row));
        if (sql) out += '\'';
        break;
      case Kind::Duration:
        if (sql) out += '\'';
        append_time(out, column.get_duration_us(row));
        if (sql) out += '\'';
        break;
    }
  } catch (const sdk::Error& error) {
    if (error.status() != MAGEIO_STATUS_INVALID_ARGUMENT || std::string_view(error.what()).starts_with("row ")) throw;
    bad_value(c, row_number, error.what());
  }
}

void ValueWriter::append_line(const sdk::BatchView& batch, int64_t row, int64_t row_number, std::string& out) const {
  for (size_t c = 0; c < kinds_.size(); ++c) {
    if (c > 0) out += '\t';
    append_value(batch.column(c), c, row, row_number, false, out);
  }
  out += '\n';
}

void ValueWriter::append_tuple(const sdk::BatchView& batch, int64_t row, int64_t row_number, std::string& out) const {
  out += '(';
  for (size_t c = 0; c < kinds_.size(); ++c) {
    if (c > 0) out += ',';
    append_value(batch.column(c), c, row, row_number, true, out);
  }
  out += ')';
}

}  // namespace mageio::mysql
