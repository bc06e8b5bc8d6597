#include "jsonl_table.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/export_input.hpp>
#include <mageio/sdk/json_cell.hpp>
#include <mageio/sdk/random_suffix.hpp>
#include <mageio/sdk/utf8.hpp>
#include <mageio/sdk/values.hpp>

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

namespace json = boost::json;
namespace sdk = mageio::sdk;

namespace jsonl_table {
namespace {

constexpr int64_t kLinesPerCancelCheck = 65536;

std::string describe_errno(int err) { return std::strerror(err); }

std::optional<std::string> decode_hex(std::string_view text) {
  if (!text.starts_with("\\x") || text.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string bytes;
  bytes.reserve(text.size() / 2 - 1);
  for (size_t i = 2; i < text.size(); i += 2) {
    int high = digit(text[i]), low = digit(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return bytes;
}

// Where a value came from, for error messages.
struct Place {
  const std::string& file;
  int64_t line;
  const std::string& column;
};

[[noreturn]] void bad_value(const Place& at, const sdk::DataType& type, const json::value& value) {
  throw sdk::invalid_argument(at.file + ": line " + std::to_string(at.line) + ": column \"" + at.column +
                              "\": " + json::serialize(value) + " is not a " + type.name() + " value");
}

std::string_view text_of(const json::value& value, const Place& at, const sdk::DataType& type) {
  if (!value.is_string()) bad_value(at, type, value);
  return value.get_string();
}

void append_cell(sdk::ColumnBuilder& builder, const json::value& value, const Place& at) {
  using sdk::TypeId;
  const sdk::DataType& type = builder.type();
  if (value.is_null()) {
    builder.append_null();
    return;
  }
  switch (type.id) {
    case TypeId::Null: bad_value(at, type, value);
    case TypeId::Bool:
      if (!value.is_bool()) bad_value(at, type, value);
      builder.append_bool(value.get_bool());
      return;
    case TypeId::Int8:
    case TypeId::Int16:
    case TypeId::Int32:
    case TypeId::Int64:
      if (!value.is_int64()) bad_value(at, type, value);
      builder.append_int(value.get_int64());
      return;
    case TypeId::UInt8:
    case TypeId::UInt16:
    case TypeId::UInt32:
    case TypeId::UInt64:
      if (value.is_uint64()) {
        builder.append_uint(value.get_uint64());
      } else if (value.is_int64() && value.get_int64() >= 0) {
        builder.append_uint(static_cast<uint64_t>(value.get_int64()));
      } else {
        bad_value(at, type, value);
      }
      return;
    case TypeId::Float32:
    case TypeId::Float64:
      if (value.is_double()) {
        builder.append_double(value.get_double());
      } else if (value.is_int64()) {
        builder.append_double(static_cast<double>(value.get_int64()));
      } else if (value.is_uint64()) {
        builder.append_double(static_cast<double>(value.get_uint64()));
      } else if (auto special = sdk::parse_double(text_of(value, at, type))) {
        builder.append_double(*special);
      } else {
        bad_value(at, type, value);
      }
      return;
    case TypeId::Decimal128: {
      auto decimal = sdk::parse_decimal(text_of(value, at, type), type.precision, type.scale);
      if (!decimal) bad_value(at, type, value);
      builder.append_decimal(*decimal);
      return;
    }
    case TypeId::Utf8:
    case TypeId::LargeUtf8: builder.append_string(text_of(value, at, type)); return;
    case TypeId::Binary:
    case TypeId::LargeBinary: {
      auto bytes = decode_hex(text_of(value, at, type));
      if (!bytes) bad_value(at, type, value);
      builder.append_string(*bytes);
      return;
    }
    case TypeId::Date32: {
      auto days = sdk::parse_date(text_of(value, at, type));
      if (!days) bad_value(at, type, value);
      builder.append_date32(*days);
      return;
    }
    case TypeId::Timestamp: {
      auto micros = sdk::parse_timestamp(text_of(value, at, type));
      if (!micros) bad_value(at, type, value);
      builder.append_timestamp_us(*micros);
      return;
    }
    case TypeId::Time64: {
      auto micros = sdk::parse_time(text_of(value, at, type));
      if (!micros) bad_value(at, type, value);
      builder.append_time_us(*micros);
      return;
    }
    default: bad_value(at, type, value);  // not a storable type: read_schema never returns one
  }
}

json::object parse_row(const std::string& line, const std::string& file, int64_t line_number) {
  boost::system::error_code ec;
  json::value row = json::parse(line, ec);
  if (ec || !row.is_object())
    throw sdk::invalid_argument(file + ": line " + std::to_string(line_number) + " is not a JSON object" +
                                (ec ? " (" + ec.message() + ")" : ""));
  return std::move(row.get_object());
}

// Reads a table file line by line into batches.
class RowSource final : public sdk::BatchSource {
 public:
  RowSource(std::string file, std::optional<int64_t> limit, int64_t batch_rows, const sdk::Host& host)
      : file_(std::move(file)), limit_(limit), batch_rows_(batch_rows), host_(host) {
    schema_ = read_schema(file_);
    in_.open(file_, std::ios::binary);
    std::string header;
    if (!in_ || !std::getline(in_, header)) throw sdk::io_error("cannot read " + file_);
    bytes_ = static_cast<int64_t>(header.size()) + 1;
    for (size_t i = 0; i < schema_.size(); ++i) index_[schema_[i].name] = i;
  }

  const sdk::Schema& schema() const override { return schema_; }

  bool next(ArrowArray* out) override {
    host_.check_cancelled();
    if (done_ || (limit_ && rows_ >= *limit_)) return false;
    sdk::BatchBuilder batch(schema_);
    std::string line;
    std::vector<const json::value*> cells(schema_.size());
    while (batch.rows() < batch_rows_ && batch.byte_size() < sdk::kDefaultBatchBytes && (!limit_ || rows_ < *limit_)) {
      if (!std::getline(in_, line)) {
        if (in_.bad()) throw sdk::io_error("cannot read " + file_);
        done_ = true;
        break;
      }
      ++line_number_;
      bytes_ += static_cast<int64_t>(line.size()) + 1;
      if (line.empty()) continue;
      const json::object row = parse_row(line, file_, line_number_);
      std::fill(cells.begin(), cells.end(), nullptr);
      for (const auto& [key, value] : row) {
        auto it = index_.find(std::string(key));
        if (it == index_.end())
          throw sdk::invalid_argument(file_ + ": line " + std::to_string(line_number_) + " has a key \"" +
                                      std::string(key) + "\" that is not a column");
        cells[it->second] = &value;
      }
      static const json::value null_value;
      for (size_t c = 0; c < schema_.size(); ++c)
        append_cell(batch.column(c), cells[c] ? *cells[c] : null_value, Place{file_, line_number_, schema_[c].name});
      batch.end_row();
      ++rows_;
    }
    if (batch.rows() == 0) return false;
    batch.finish(out);
    host_.progress(rows_, bytes_, -1);
    return true;
  }

 private:
  std::string file_;
  std::optional<int64_t> limit_;
  int64_t batch_rows_;
  sdk::Host host_;
  sdk::Schema schema_;
  std::map<std::string, size_t> index_;
  std::ifstream in_;
  int64_t line_number_ = 1;  // the header
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  bool done_ = false;
};

}  // namespace

sdk::DataType storable_type(const sdk::DataType& type) {
  using sdk::TypeId;
  switch (type.id) {
    case TypeId::Date64: return sdk::date32();
    case TypeId::Time32:
    case TypeId::Time64: return sdk::time64_us();
    case TypeId::Timestamp: return sdk::timestamp_us(type.timezone);
    default: return type;
  }
}

sdk::Schema storable_schema(const sdk::Schema& schema) {
  sdk::Schema out = schema;
  for (auto& field : out) {
    field.type = storable_type(field.type);
    field.nullable = true;
  }
  return out;
}

void check_schema(const sdk::Schema& schema, const std::string& what) {
  sdk::check_export_input(schema, {}, what);
  for (const auto& field : schema)
    if (!sdk::valid_utf8(field.name))
      throw sdk::invalid_argument("cannot write " + what + ": a column name is not UTF-8");
}

std::string file_name_for(std::string_view table) {
  if (table.empty()) throw sdk::invalid_argument("a table name cannot be empty");
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string name;
  for (char c : table) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9') || c == '_' ||
        c == '-') {
      name += c;
    } else {
      name += '%';
      name += kHex[byte >> 4];
      name += kHex[byte & 15];
    }
  }
  name += ".jsonl";
  if (name.size() > 255) throw sdk::invalid_argument("the table name \"" + std::string(table) + "\" is too long");
  return name;
}

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

sdk::Schema read_schema(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) throw sdk::not_found(file + " does not exist");
    throw sdk::io_error("cannot open " + file + ": " + describe_errno(errno));
  }
  std::string header;
  std::getline(in, header);
  auto not_a_table = [&](const std::string& why) {
    return sdk::invalid_argument(file + " is not a table file (" + why + ")");
  };
  boost::system::error_code ec;
  json::value value = json::parse(header, ec);
  if (ec || !value.is_object() || !value.get_object().contains("columns") ||
      !value.get_object().at("columns").is_array())
    throw not_a_table("its first line is not {\"columns\": [...]}");
  sdk::Schema schema;
  for (const auto& item : value.get_object().at("columns").get_array()) {
    const json::object* column = item.if_object();
    if (column == nullptr || !column->contains("name") || !column->at("name").is_string() ||
        !column->contains("type") || !column->at("type").is_string())
      throw not_a_table("a column is not {\"name\": ..., \"type\": ...}");
    try {
      schema.push_back({std::string(column->at("name").get_string()),
                        sdk::DataType::from_name(std::string(column->at("type").get_string())), true});
    } catch (const sdk::Error& e) {
      throw not_a_table(e.what());
    }
  }
  if (schema.empty()) throw not_a_table("it has no columns");
  return schema;
}

std::unique_ptr<sdk::BatchSource> open_rows(const std::string& file, std::optional<int64_t> limit, int64_t batch_rows,
                                            const sdk::Host& host) {
  return std::make_unique<RowSource>(file, limit, batch_rows, host);
}

void write_header(sdk::AtomicFile& out, const sdk::Schema& schema) {
  json::array columns;
  for (const auto& field : schema) columns.push_back(json::object{{"name", field.name}, {"type", field.type.name()}});
  out.write(json::serialize(json::object{{"columns", std::move(columns)}}));
  out.write("\n");
}

void copy_rows(const std::string& file, sdk::AtomicFile& out, const sdk::Host& host) {
  std::ifstream in(file, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line)) throw sdk::io_error("cannot read " + file);
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (n % kLinesPerCancelCheck == 0) host.check_cancelled();
    out.write(line);
    out.write("\n");
  }
  if (in.bad()) throw sdk::io_error("cannot read " + file);
}

int64_t write_rows(sdk::AtomicFile& out, sdk::StreamReader& input, const sdk::Host& host) {
  const sdk::Schema& schema = input.schema();
  std::vector<std::string> keys;  // `{"name":` then `,"name":`
  for (size_t i = 0; i < schema.size(); ++i) {
    std::string key = i == 0 ? "{" : ",";
    sdk::append_json_string(key, schema[i].name);
    keys.push_back(key + ":");
  }
  int64_t rows = 0;
  std::string line;
  sdk::OwnedArray batch;
  while (true) {
    host.check_cancelled();
    if (!input.next(batch)) break;
    sdk::BatchView view(batch.array, schema);
    for (int64_t r = 0; r < view.rows(); ++r) {
      line.clear();
      for (size_t c = 0; c < view.column_count(); ++c) {
        line += keys[c];
        if (sdk::append_json_cell(line, view.column(c), r) != std::string_view::npos)
          throw sdk::invalid_argument("column \"" + schema[c].name + "\" holds a string that is not UTF-8");
      }
      line += "}\n";
      out.write(line);
    }
    rows += view.rows();
    host.progress(rows, out.bytes_written(), -1);
  }
  host.check_cancelled();
  return rows;
}

void rewrite_rows(const std::string& file, sdk::AtomicFile& out, const std::string& column, const std::string& new_name,
                  const sdk::Host& host) {
  std::ifstream in(file, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line)) throw sdk::io_error("cannot read " + file);
  for (int64_t n = 2; std::getline(in, line); ++n) {
    if (n % kLinesPerCancelCheck == 0) host.check_cancelled();
    if (line.empty()) continue;
    json::object row = parse_row(line, file, n);
    if (auto it = row.find(column); it != row.end()) {
      json::value value = std::move(it->value());
      row.erase(it);
      if (!new_name.empty()) row[new_name] = std::move(value);
    }
    out.write(json::serialize(row));
    out.write("\n");
  }
  if (in.bad()) throw sdk::io_error("cannot read " + file);
}

}  // namespace jsonl_table
