#include "data.hpp"

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/error.hpp>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <limits>
#include <map>

namespace mageio::conformance::detail {
namespace {

using sdk::TypeId;

int32_t day(int y, unsigned m, unsigned d) { return sdk::days_from_civil(y, m, d); }

int64_t micros(int y, unsigned m, unsigned d, int hh, int mm, int ss, int64_t us) {
  return static_cast<int64_t>(day(y, m, d)) * sdk::kMicrosPerDay +
         ((static_cast<int64_t>(hh) * 60 + mm) * 60 + ss) * sdk::kMicrosPerSecond + us;
}

sdk::int128 pow10(int n) {
  sdk::int128 value = 1;
  for (int i = 0; i < n; ++i) value *= 10;
  return value;
}

void append(sdk::ColumnBuilder& column, const Cell& cell) {
  if (!cell) {
    column.append_null();
    return;
  }
  const Value& v = *cell;
  switch (column.type().id) {
    case TypeId::Null: column.append_null(); return;
    case TypeId::Bool: column.append_bool(v.b); return;
    case TypeId::Int8:
    case TypeId::Int16:
    case TypeId::Int32:
    case TypeId::Int64: column.append_int(v.i); return;
    case TypeId::UInt8:
    case TypeId::UInt16:
    case TypeId::UInt32:
    case TypeId::UInt64: column.append_uint(v.kind == Value::Kind::UInt ? v.u : static_cast<uint64_t>(v.i)); return;
    case TypeId::Float32:
    case TypeId::Float64: column.append_double(v.d); return;
    case TypeId::Decimal128: column.append_decimal(v.dec); return;
    case TypeId::Utf8:
    case TypeId::LargeUtf8:
    case TypeId::Binary:
    case TypeId::LargeBinary: column.append_string(v.s); return;
    case TypeId::Date32:
    case TypeId::Date64: column.append_date32(static_cast<int32_t>(v.i)); return;
    case TypeId::Timestamp: column.append_timestamp_us(v.i); return;
    case TypeId::Time32:
    case TypeId::Time64: column.append_time_us(v.i); return;
    case TypeId::Duration: column.append_duration_us(v.i); return;
  }
}

class TableSource : public sdk::BatchSource {
 public:
  TableSource(Table table, SourceOptions options)
      : table_(std::move(table)), options_(std::move(options)), builder_(table_.schema) {
    if (options_.batch_rows < 1) options_.batch_rows = 1;
  }
  const sdk::Schema& schema() const override { return table_.schema; }
  bool next(ArrowArray* out) override {
    if (options_.zero_batches) return false;
    const int batch = batch_++;
    if (options_.before_batch) options_.before_batch(batch);
    if (batch == options_.fail_at_batch)
      throw sdk::invalid_argument("the conformance kit's input stream fails at batch " + std::to_string(batch + 1) +
                                  " on purpose");
    if (next_row_ >= table_.rows.size()) return false;
    for (int64_t n = 0; n < options_.batch_rows && next_row_ < table_.rows.size(); ++n, ++next_row_) {
      const auto& row = table_.rows[next_row_];
      for (size_t c = 0; c < row.size(); ++c) append(builder_.column(c), row[c]);
      builder_.end_row();
    }
    builder_.finish(out);
    return true;
  }

 private:
  Table table_;
  SourceOptions options_;
  sdk::BatchBuilder builder_;
  size_t next_row_ = 0;
  int batch_ = 0;
};

std::string show_row(const TextRow& row) {
  std::string out = "(";
  for (size_t i = 0; i < row.size(); ++i) out += (i ? ", " : "") + show(row[i]);
  out += ")";
  if (out.size() > 300) out = out.substr(0, 300) + "...)";
  return out;
}

bool less_cell(const TextCell& a, const TextCell& b) {
  if (!a || !b) return !a && b;  // null first
  return *a < *b;
}

bool less_row(const TextRow& a, const TextRow& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), less_cell);
}

// Elements of `a` not in `b` (multiset difference); both sorted.
template <typename T, typename Less>
std::vector<T> difference(const std::vector<T>& a, const std::vector<T>& b, Less less) {
  std::vector<T> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out), less);
  return out;
}

template <typename T, typename Less, typename Show>
std::optional<std::string> compare_multisets(std::vector<T> expected, std::vector<T> actual, Less less, Show show_one,
                                             const char* what) {
  std::sort(expected.begin(), expected.end(), less);
  std::sort(actual.begin(), actual.end(), less);
  auto missing = difference(expected, actual, less);
  auto extra = difference(actual, expected, less);
  if (missing.empty() && extra.empty()) return std::nullopt;
  std::string message =
      std::to_string(expected.size()) + " " + what + " expected, " + std::to_string(actual.size()) + " loaded";
  if (!missing.empty())
    message += "; " + std::to_string(missing.size()) + " missing, e.g. " + show_one(missing.front());
  if (!extra.empty()) message += "; " + std::to_string(extra.size()) + " unexpected, e.g. " + show_one(extra.front());
  return message;
}

}  // namespace

Value Value::boolean(bool v) {
  Value x;
  x.kind = Kind::Bool;
  x.b = v;
  return x;
}
Value Value::integer(int64_t v) {
  Value x;
  x.kind = Kind::Int;
  x.i = v;
  return x;
}
Value Value::unsigned_integer(uint64_t v) {
  Value x;
  x.kind = Kind::UInt;
  x.u = v;
  return x;
}
Value Value::real(double v) {
  Value x;
  x.kind = Kind::Double;
  x.d = v;
  return x;
}
Value Value::decimal(sdk::int128 unscaled) {
  Value x;
  x.kind = Kind::Decimal;
  x.dec = unscaled;
  return x;
}
Value Value::bytes(std::string v) {
  Value x;
  x.kind = Kind::Bytes;
  x.s = std::move(v);
  return x;
}
Value Value::date(int32_t days) {
  Value x;
  x.kind = Kind::Date;
  x.i = days;
  return x;
}
Value Value::timestamp(int64_t us) {
  Value x;
  x.kind = Kind::Timestamp;
  x.i = us;
  return x;
}
Value Value::time(int64_t us) {
  Value x;
  x.kind = Kind::Time;
  x.i = us;
  return x;
}

std::vector<Value> edge_values(const sdk::DataType& type) {
  auto ints = [](std::initializer_list<int64_t> values) {
    std::vector<Value> out;
    for (auto v : values) out.push_back(Value::integer(v));
    return out;
  };
  auto uints = [](std::initializer_list<uint64_t> values) {
    std::vector<Value> out;
    for (auto v : values) out.push_back(Value::unsigned_integer(v));
    return out;
  };
  auto reals = [](std::initializer_list<double> values) {
    std::vector<Value> out;
    for (auto v : values) out.push_back(Value::real(v));
    return out;
  };
  switch (type.id) {
    case TypeId::Null: return {};
    case TypeId::Bool: return {Value::boolean(true), Value::boolean(false)};
    case TypeId::Int8: return ints({INT8_MIN, INT8_MAX, 0, -1, 42});
    case TypeId::Int16: return ints({INT16_MIN, INT16_MAX, 0, -1, 1234});
    case TypeId::Int32: return ints({INT32_MIN, INT32_MAX, 0, -1, 123456});
    case TypeId::Int64: return ints({INT64_MIN, INT64_MAX, 0, -1, 1234567890123});
    case TypeId::UInt8: return uints({0, UINT8_MAX, 1, 200});
    case TypeId::UInt16: return uints({0, UINT16_MAX, 1, 40000});
    case TypeId::UInt32: return uints({0, UINT32_MAX, 1, 3000000000u});
    case TypeId::UInt64: return uints({0, UINT64_MAX, 1, uint64_t{1} << 63});
    case TypeId::Float32:
      // Values a float holds exactly, its largest and smallest normal magnitudes among them.
      return reals({0.0, 1.5, -2.25, static_cast<double>(0.1f), static_cast<double>(FLT_MAX),
                    static_cast<double>(-FLT_MAX), static_cast<double>(FLT_MIN), 16777216.0});
    case TypeId::Float64:
      return reals(
          {0.0, 0.1, -1.5, 123456.789, DBL_MAX, -DBL_MAX, DBL_MIN, -3.141592653589793, 1e-300, 9007199254740992.0});
    case TypeId::Decimal128: {
      const sdk::int128 max = pow10(type.precision) - 1;
      const sdk::int128 mid = max / 7;  // a mix of digits, every place used
      return {Value::decimal(max), Value::decimal(-max), Value::decimal(0),   Value::decimal(1),
              Value::decimal(-1),  Value::decimal(mid),  Value::decimal(-mid)};
    }
    case TypeId::Utf8:
    case TypeId::LargeUtf8:
      return {Value::bytes(""),
              Value::bytes("plain text"),
              Value::bytes("quotes: 'single' \"double\" `back`"),
              Value::bytes("separators: comma, semicolon; pipe| tab\there"),
              Value::bytes("line\nbreak and\r\nCRLF"),
              Value::bytes("  leading and trailing spaces  "),
              Value::bytes("back\\slash \\N \\x41"),
              Value::bytes("NULL"),
              Value::bytes("null"),
              Value::bytes("12345"),
              Value::bytes("Zo\xC3\xAB na\xC3\xAFve caf\xC3\xA9"),
              Value::bytes(std::string(5000, 'x'))};
    case TypeId::Binary:
    case TypeId::LargeBinary: {
      std::string all;
      for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
      return {Value::bytes(""), Value::bytes(std::string(1, '\0')), Value::bytes(all),
              Value::bytes("\xFF\xFE not UTF-8: \xC3\x28"), Value::bytes("plain text")};
    }
    case TypeId::Date32:
    case TypeId::Date64:
      return {Value::date(0),
              Value::date(-1),
              Value::date(day(1900, 1, 1)),
              Value::date(day(1000, 1, 1)),
              Value::date(day(2000, 2, 29)),
              Value::date(day(9999, 12, 31)),
              Value::date(day(2024, 6, 15))};
    case TypeId::Timestamp:
      return {Value::timestamp(0),
              Value::timestamp(-1),  // 1969-12-31 23:59:59.999999
              Value::timestamp(micros(1900, 1, 1, 0, 0, 0, 1)),
              Value::timestamp(micros(1000, 1, 1, 0, 0, 0, 0)),
              Value::timestamp(micros(2024, 2, 29, 12, 34, 56, 123456)),
              Value::timestamp(micros(9999, 12, 31, 23, 59, 59, 999999)),
              Value::timestamp(micros(2000, 1, 1, 0, 0, 0, 500000))};
    case TypeId::Time32:
    case TypeId::Time64:
      return {Value::time(0), Value::time(sdk::kMicrosPerDay - 1),
              Value::time(((12 * 60 + 34) * 60 + 56) * 1000000LL + 1), Value::time(500000)};
    case TypeId::Duration:  // signed, beyond one day (MySQL's TIME holds +-838:59:59.999999)
      return {Value::time(0), Value::time(-1), Value::time(sdk::kMicrosPerDay),
              Value::time(100LL * 3600 * 1000000 + 123456),
              Value::time(-(((838LL * 60 + 59) * 60 + 59) * 1000000 + 999999))};
  }
  return {};
}

std::vector<Value> unicode_strings() {
  return {
      Value::bytes("\xF0\x9F\x98\x80 grinning face (4 bytes)"),
      Value::bytes("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7 family (ZWJ sequence)"),
      Value::bytes("e\xCC\x81 and a\xCC\x88 (combining marks, not normalised)"),
      Value::bytes("\xC3\xA9 and \xC3\xA4 (precomposed)"),
      Value::bytes("\xE6\xBC\xA2\xE5\xAD\x97\xE3\x81\x8B\xE3\x81\xAA (CJK)"),
      Value::bytes("\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A (right to left)"),
      Value::bytes("zero\xE2\x80\x8Bwidth space"),
      Value::bytes("\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7 \xF0\x9D\x84\x9E flag and clef")};
}

std::string column_name_for(const sdk::DataType& type) {
  std::string out = "c_";
  for (char c : type.name()) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out += c;
    } else if (out.back() != '_') {
      out += '_';
    }
  }
  while (out.back() == '_') out.pop_back();
  return out;
}

Table all_types_table(const std::vector<sdk::DataType>& types) {
  Table table;
  std::vector<std::vector<Value>> values;
  size_t longest = 1;
  std::map<std::string, int> used;
  for (const auto& type : types) {
    std::string name = column_name_for(type);
    if (int n = used[name]++; n > 0) name += "_" + std::to_string(n + 1);
    table.schema.push_back({name, type, true});
    values.push_back(edge_values(type));
    longest = std::max(longest, values.back().size());
  }
  const size_t columns = types.size();
  table.rows.push_back(std::vector<Cell>(columns));  // all null
  for (size_t k = 0; k < longest; ++k) {
    if (k == 2) table.rows.push_back(std::vector<Cell>(columns));  // a null row between values
    std::vector<Cell> row(columns);
    for (size_t c = 0; c < columns; ++c)
      if (!values[c].empty()) row[c] = values[c][k % values[c].size()];
    table.rows.push_back(std::move(row));
  }
  return table;
}

Value key_value(const sdk::DataType& type, int64_t n) {
  if (type.is_string() || type.is_binary()) return Value::bytes(std::to_string(n));
  if (type.is_unsigned_integer()) return Value::unsigned_integer(static_cast<uint64_t>(n));
  return Value::integer(n);
}

Table basic_table(const sdk::DataType& key_type, const sdk::DataType& text_type,
                  const std::vector<std::pair<int64_t, std::string>>& rows) {
  Table table;
  table.schema = {{"id", key_type, true}, {"name", text_type, true}};
  for (const auto& [id, name] : rows) table.rows.push_back({key_value(key_type, id), Value::bytes(name)});
  return table;
}

std::unique_ptr<sdk::BatchSource> make_source(const Table& table, SourceOptions options) {
  return std::make_unique<TableSource>(table, std::move(options));
}

Stream::Stream(std::unique_ptr<sdk::BatchSource> source) { sdk::export_stream(std::move(source), &stream_); }

Stream::~Stream() {
  if (stream_.release) stream_.release(&stream_);
}

int TextTable::column(const std::string& name) const {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

namespace {

void append_rows(TextTable& out, const ArrowArray& batch, const sdk::Schema& schema) {
  sdk::BatchView view(batch, schema);
  for (int64_t r = 0; r < view.rows(); ++r) {
    TextRow row;
    row.reserve(view.column_count());
    for (size_t c = 0; c < view.column_count(); ++c) {
      const auto& column = view.column(c);
      if (column.is_null(r) || column.type().id == TypeId::Null)
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(column.to_text(r));
    }
    out.rows.push_back(std::move(row));
  }
}

void set_header(TextTable& out, const sdk::Schema& schema) {
  for (const auto& field : schema) {
    out.names.push_back(field.name);
    out.types.push_back(field.type);
  }
}

}  // namespace

TextTable to_text(const Table& table) {
  TextTable out;
  set_header(out, table.schema);
  sdk::BatchBuilder builder(table.schema);
  for (const auto& row : table.rows) {
    for (size_t c = 0; c < row.size(); ++c) append(builder.column(c), row[c]);
    builder.end_row();
  }
  sdk::OwnedArray batch;
  builder.finish(&batch.array);
  append_rows(out, batch.array, table.schema);
  return out;
}

TextTable read_all(BatchReader& reader) {
  TextTable out;
  set_header(out, reader.schema());
  sdk::OwnedArray batch;
  while (reader.next(batch)) append_rows(out, batch.array, reader.schema());
  return out;
}

std::optional<std::string> compare_tables(const TextTable& expected, const TextTable& actual) {
  if (expected.names != actual.names)
    return "columns differ: expected " + show_names(expected.names) + ", loaded " + show_names(actual.names);
  return compare_multisets(expected.rows, actual.rows, less_row, show_row, "rows");
}

std::optional<std::string> compare_columns(const TextTable& expected, int expected_column, const TextTable& actual,
                                           int actual_column) {
  std::vector<TextCell> a, b;
  for (const auto& row : expected.rows) a.push_back(row[static_cast<size_t>(expected_column)]);
  for (const auto& row : actual.rows) b.push_back(row[static_cast<size_t>(actual_column)]);
  return compare_multisets(
      a, b, less_cell, [](const TextCell& c) { return show(c); }, "values");
}

std::string show(const TextCell& cell) {
  if (!cell) return "NULL";
  const std::string& text = *cell;
  std::string out = "\"";
  size_t shown = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (shown >= 60) {
      out += "...\" (" + std::to_string(text.size()) + " bytes)";
      return out;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    char buffer[8];
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
      out += buffer;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // Keep valid UTF-8 sequences; escape stray bytes.
      size_t length = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
      bool valid = length > 0 && i + length <= text.size();
      for (size_t k = 1; valid && k < length; ++k) valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
      if (valid) {
        out.append(text, i, length);
        i += length - 1;
      } else {
        std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
        out += buffer;
      }
    }
    ++shown;
  }
  return out + "\"";
}

std::string show_names(const std::vector<std::string>& names) {
  std::string out = "(";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + show(names[i]);
  return out + ")";
}

}  // namespace mageio::conformance::detail
