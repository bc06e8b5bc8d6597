// The file plugin (plugins/file), through the real host: CSV/TSV and JSON Lines load and export, type
// inference and overrides, error messages, streaming, if_exists and atomicity.
#include <doctest/doctest.h>

#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>
#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/values.hpp>

#include <boost/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace doctest {
template <>
struct StringMaker<std::optional<std::string>> {
  static String convert(const std::optional<std::string>& value) {
    return value ? String(("\"" + *value + "\"").c_str()) : String("null");
  }
};
}  // namespace doctest

namespace fs = std::filesystem;
namespace sdk = mageio::sdk;
using Cell = std::optional<std::string>;
using Rows = std::vector<std::vector<Cell>>;

namespace {

// ------------------------------------------------------------------------------------------------
// Helpers

mageio::Registry& registry() {
  static mageio::Registry reg(
      {.plugin_dirs = {MAGEIO_PLUGIN_DIR}, .use_environment = false, .use_default_dirs = false});
  return reg;
}

std::unique_ptr<mageio::Connector> open_file(boost::json::object config = {},
                                             std::shared_ptr<mageio::HostCallbacks> host = nullptr) {
  return registry().find("file")->open(config, std::move(host));
}

mageio::Connector& plugin() {
  static std::unique_ptr<mageio::Connector> connector = open_file();
  return *connector;
}

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("mageio-file-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  REQUIRE(out.good());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A loaded result, every value in its canonical text (ColumnView::to_text), nulls as nullopt.
struct Loaded {
  sdk::Schema schema;
  Rows rows;
  int batches = 0;

  size_t col(const std::string& name) const {
    for (size_t i = 0; i < schema.size(); ++i) {
      if (schema[i].name == name) return i;
    }
    FAIL("no column " << name);
    return 0;
  }
  std::string type(const std::string& name) const { return schema[col(name)].type.name(); }
  Cell at(size_t row, const std::string& name) const { return rows.at(row).at(col(name)); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& f : schema) out.push_back(f.name);
    return out;
  }
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& f : schema) out.push_back(f.type.name());
    return out;
  }
};

Loaded load(mageio::Connector& c, const mageio::LoadOptions& options) {
  auto reader = c.load(options);
  Loaded t;
  t.schema = reader.schema();
  sdk::OwnedArray batch;
  while (reader.next(batch)) {
    sdk::BatchView view(batch.array, t.schema);
    ++t.batches;
    for (int64_t r = 0; r < view.rows(); ++r) {
      std::vector<Cell> row;
      for (size_t c = 0; c < view.column_count(); ++c) {
        const auto& col = view.column(c);
        row.push_back(col.is_null(r) ? Cell{} : Cell{col.to_text(r)});
      }
      t.rows.push_back(std::move(row));
    }
  }
  return t;
}

Loaded load_path(const std::string& path, boost::json::object options = {}) {
  return load(plugin(), {.path = path, .options = std::move(options)});
}

/// Runs `f`, which must throw sdk::Error; returns it.
template <typename F>
sdk::Error expect_error(F&& f) {
  try {
    f();
  } catch (const sdk::Error& e) {
    return e;
  }
  FAIL("expected an error");
  return sdk::Error(MAGEIO_STATUS_OK, "");
}

std::string status_of(const sdk::Error& e) { return sdk::status_name(e.status()); }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// An input stream for export, from rows of text cells (parsed with the SDK parsers by column type).
// Batches of `batch_rows`; batch number `fail_on_batch` (0-based) throws instead; `on_batch` is called
// before each batch is produced.
class TextSource final : public sdk::BatchSource {
 public:
  TextSource(sdk::Schema schema, Rows rows, size_t batch_rows, int fail_on_batch, std::function<void(int)> on_batch)
      : schema_(std::move(schema)),
        rows_(std::move(rows)),
        batch_rows_(batch_rows),
        fail_on_batch_(fail_on_batch),
        on_batch_(std::move(on_batch)) {}

  const sdk::Schema& schema() const override { return schema_; }

  bool next(ArrowArray* out) override {
    if (on_batch_) on_batch_(batch_);
    if (batch_ == fail_on_batch_) throw sdk::Error(MAGEIO_STATUS_INVALID_ARGUMENT, "synthetic failure in batch 2");
    if (pos_ >= rows_.size()) return false;
    sdk::BatchBuilder b(schema_);
    for (size_t n = 0; n < batch_rows_ && pos_ < rows_.size(); ++n, ++pos_) {
      for (size_t c = 0; c < schema_.size(); ++c) append(b.column(c), rows_[pos_][c]);
      b.end_row();
    }
    ++batch_;
    b.finish(out);
    return true;
  }

 private:
  static void append(sdk::ColumnBuilder& col, const Cell& cell) {
    if (!cell) return col.append_null();
    const std::string& t = *cell;
    const sdk::DataType& type = col.type();
    using sdk::TypeId;
    switch (type.id) {
      case TypeId::Bool: return col.append_bool(sdk::parse_bool(t).value());
      case TypeId::UInt64: return col.append_uint(std::stoull(t));
      case TypeId::Float32:
      case TypeId::Float64: return col.append_double(sdk::parse_double(t).value());
      case TypeId::Decimal128: return col.append_decimal(sdk::parse_decimal(t, type.precision, type.scale).value());
      case TypeId::Utf8:
      case TypeId::LargeUtf8:
      case TypeId::Binary:
      case TypeId::LargeBinary: return col.append_string(t);
      case TypeId::Date32: return col.append_date32(sdk::parse_date(t).value());
      case TypeId::Timestamp: return col.append_timestamp_us(sdk::parse_timestamp(t).value());
      case TypeId::Time64: return col.append_time_us(sdk::parse_time(t).value());
      default:
        if (type.is_integer()) return col.append_int(sdk::parse_int64(t).value());
        FAIL("TextSource: unsupported type " << type.name());
    }
  }

  sdk::Schema schema_;
  Rows rows_;
  size_t batch_rows_;
  int fail_on_batch_;
  std::function<void(int)> on_batch_;
  size_t pos_ = 0;
  int batch_ = 0;
};

/// Exports rows to `path` through the plugin; returns rows written.
int64_t export_rows(mageio::Connector& c, const std::string& path, const sdk::Schema& schema, const Rows& rows,
                    const std::string& if_exists = "fail", boost::json::object options = {}, size_t batch_rows = 1000,
                    int fail_on_batch = -1, std::function<void(int)> on_batch = nullptr) {
  ArrowArrayStream stream{};
  sdk::export_stream(std::make_unique<TextSource>(schema, rows, batch_rows, fail_on_batch, std::move(on_batch)),
                     &stream);
  struct Release {
    ArrowArrayStream* s;
    ~Release() {
      if (s->release) s->release(s);
    }
  } release{&stream};
  return c.export_data(
      {.path = path, .if_exists = mageio::sdk::parse_if_exists(if_exists), .options = std::move(options)}, &stream);
}

int64_t export_rows(const std::string& path, const sdk::Schema& schema, const Rows& rows,
                    const std::string& if_exists = "fail", boost::json::object options = {}, size_t batch_rows = 1000,
                    int fail_on_batch = -1) {
  return export_rows(plugin(), path, schema, rows, if_exists, std::move(options), batch_rows, fail_on_batch);
}

sdk::Field field(const std::string& name, sdk::DataType type) { return {name, std::move(type), true}; }

// The table used by the round-trip tests: every supported type, nulls, and text that needs quoting.
sdk::Schema roundtrip_schema() {
  return {field("i", sdk::int64()),
          field("f", sdk::float64()),
          field("b", sdk::bool_type()),
          field("s", sdk::utf8()),
          field("d", sdk::date32()),
          field("ts", sdk::timestamp_us()),
          field("tz", sdk::timestamp_us("UTC"))};
}

Rows roundtrip_rows() {
  return {
      {"0", "3", "true", "plain", "2024-02-29", "2024-01-02 03:04:05", "2024-01-02 03:04:05+00:00"},
      {"-9223372036854775808", "0.1", "false", "", "1970-01-01", "2024-01-02 03:04:05.123456",
       "1999-12-31 23:59:59.999999+00:00"},
      {Cell{}, Cell{}, Cell{}, Cell{}, Cell{}, Cell{}, Cell{}},
      {"9223372036854775807", "-0", "true", "comma, inside; \"quotes\" and\nnewline", "0001-01-01",
       "1969-12-31 23:59:59.999999", "1970-01-01 00:00:00+00:00"},
      {"42", "1e+20", Cell{}, " leading and trailing ", "9999-12-31", Cell{}, Cell{}},
      {"7", "NaN", "false", "Zürich São Paulo 東京 🎉", Cell{}, "2000-01-01 00:00:00", "2038-01-19 03:14:07+00:00"},
      {Cell{}, "-Infinity", "true", "CR\r\nLF and\ttab", "2000-03-01", "2024-06-30 12:00:00.500000",
       "2024-06-30 12:00:00.000001+00:00"},
      {"-1", "5e-324", "false", "null", "2024-12-31", "2024-12-31 23:59:59", "2024-12-31 23:59:59+00:00"},
  };
}

}  // namespace

// ------------------------------------------------------------------------------------------------

TEST_CASE("file plugin: descriptor") {
  auto p = registry().find("file");
  CHECK(p->name() == "file");
  CHECK(p->version() == "0.1.0");
  CHECK(p->has(MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT | MAGEIO_CAP_TABLE_EXISTS | MAGEIO_CAP_PATHS));
  CHECK_FALSE(p->has(MAGEIO_CAP_TABLES));
  CHECK_FALSE(p->has(MAGEIO_CAP_UPSERT));
  CHECK(p->supported_types() ==
        std::vector<std::string>{"bool", "int64", "float64", "utf8", "date32", "timestamp[us]", "timestamp[us, UTC]"});
  CHECK(p->config_schema().section == "");
  REQUIRE(p->config_schema().keys.size() == 1);
  CHECK(p->config_schema().keys[0].name == "FILE_DELIMITER");
  CHECK_FALSE(p->config_schema().keys[0].required);
}

// A pipe hands the reader whatever the writer has written so far: a BOM written one byte at a time arrives in
// three reads, and must still be skipped rather than become part of the first column name (or a bad JSON line).
TEST_CASE("file plugin: a BOM written byte by byte into a FIFO is skipped (CSV and JSON Lines)") {
  for (const std::string format : {"csv", "jsonl"}) {
    CAPTURE(format);
    TempDir dir;
    const std::string fifo = dir.file("in." + format);
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const std::string body = format == "csv" ? "id,name\n1,a\n" : "{\"id\":1,\"name\":\"a\"}\n";
    std::thread writer([&] {
      const int fd = ::open(fifo.c_str(), O_WRONLY);
      if (fd < 0) return;
      for (char byte : std::string("\xEF\xBB\xBF")) {
        (void)!::write(fd, &byte, 1);
        std::this_thread::sleep_for(std::chrono::milliseconds(30));  // each byte its own read
      }
      (void)!::write(fd, body.data(), body.size());
      ::close(fd);
    });
    Loaded t;
    try {
      t = load_path(fifo, {{"format", format}});
    } catch (...) {
      writer.join();
      throw;
    }
    writer.join();
    CHECK(t.names() == std::vector<std::string>{"id", "name"});
    REQUIRE(t.rows.size() == 1);
    CHECK(t.at(0, "name") == Cell{"a"});
  }
}

TEST_CASE("file plugin: CSV quoting, CRLF, BOM, empty vs null, non-ASCII") {
  TempDir dir;
  const std::string path = dir.file("q.csv");
  write_file(path,
             "\xEF\xBB\xBF"
             "id,name,note\r\n"
             "1,\"Smith, Jane\",\"She said \"\"hi\"\"\"\r\n"
             "2,Zoë,\"two\r\nlines\"\r\n"
             "3,,\"\"\r\n"
             "4,東京 🍣,plain \"inner\" quote\r\n"
             "5,\"\",\r\n");
  Loaded t = load_path(path);
  CHECK(t.names() == std::vector<std::string>{"id", "name", "note"});  // BOM not part of "id"
  CHECK(t.types() == std::vector<std::string>{"int64", "utf8", "utf8"});
  REQUIRE(t.rows.size() == 5);
  CHECK(t.at(0, "name") == Cell{"Smith, Jane"});
  CHECK(t.at(0, "note") == Cell{"She said \"hi\""});
  CHECK(t.at(1, "name") == Cell{"Zoë"});
  CHECK(t.at(1, "note") == Cell{"two\r\nlines"});
  CHECK(t.at(2, "name") == Cell{});    // empty unquoted: null
  CHECK(t.at(2, "note") == Cell{""});  // quoted empty: empty string
  CHECK(t.at(3, "name") == Cell{"東京 🍣"});
  CHECK(t.at(3, "note") == Cell{"plain \"inner\" quote"});
  CHECK(t.at(4, "name") == Cell{""});
  CHECK(t.at(4, "note") == Cell{});
  CHECK(t.at(4, "id") == Cell{"5"});

  // No newline at the end of the last record; blank lines skipped; lone CR ends a record.
  write_file(path, "a,b\n\n1,x\r2,y\n\n3,\"z\"");
  t = load_path(path);
  REQUIRE(t.rows.size() == 3);
  CHECK(t.at(1, "b") == Cell{"y"});
  CHECK(t.at(2, "a") == Cell{"3"});
  CHECK(t.at(2, "b") == Cell{"z"});
}

TEST_CASE("file plugin: CSV type inference") {
  TempDir dir;
  const std::string path = dir.file("types.csv");
  write_file(path,
             "int,float,words,bool,date,ts,tsz,zip,big,mixed_dt,empty,text\n"
             "1,1.5,1,true,2024-01-31,2024-01-31 10:00:00,2024-01-31T10:00:00Z,02134,99999999999999999999,"
             "2024-01-01,,a\n"
             "-20,2,NaN,FALSE,1999-12-31,2024-01-31T10:00:00.25,2024-01-31 10:00:00+02:00,10001,1,"
             "2024-01-01 10:00:00,,b\n"
             ",,-inf,,,,,,,,\"\",\n"
             "300,-1e-3,2.5,True,2000-02-29,2024-02-01 00:00,2024-02-01 00:00:00-05:30,90210,2,2024-01-02,,7\n");
  Loaded t = load_path(path);
  CHECK(t.types() == std::vector<std::string>{"int64", "float64", "float64", "bool", "date32", "timestamp[us]",
                                              "timestamp[us, UTC]", "utf8", "decimal128(38, 0)", "utf8", "utf8",
                                              "utf8"});
  REQUIRE(t.rows.size() == 4);
  CHECK(t.at(1, "int") == Cell{"-20"});
  CHECK(t.at(2, "int") == Cell{});
  CHECK(t.at(0, "float") == Cell{"1.5"});
  CHECK(t.at(3, "float") == Cell{"-0.001"});
  CHECK(t.at(1, "words") == Cell{"NaN"});
  CHECK(t.at(2, "words") == Cell{"-Infinity"});
  CHECK(t.at(1, "bool") == Cell{"false"});
  CHECK(t.at(3, "bool") == Cell{"true"});
  CHECK(t.at(3, "date") == Cell{"2000-02-29"});
  CHECK(t.at(1, "ts") == Cell{"2024-01-31 10:00:00.250000"});
  CHECK(t.at(3, "ts") == Cell{"2024-02-01 00:00:00"});
  CHECK(t.at(0, "tsz") == Cell{"2024-01-31 10:00:00+00:00"});
  CHECK(t.at(1, "tsz") == Cell{"2024-01-31 08:00:00+00:00"});  // offsets applied
  CHECK(t.at(3, "tsz") == Cell{"2024-02-01 05:30:00+00:00"});
  CHECK(t.at(0, "zip") == Cell{"02134"});                 // leading zeros keep the column text
  CHECK(t.at(0, "big") == Cell{"99999999999999999999"});  // too big for 64 bits: an exact decimal
  CHECK(t.at(2, "empty") == Cell{""});
  CHECK(t.at(0, "empty") == Cell{});
  CHECK(t.at(3, "text") == Cell{"7"});

  // A column that is all 0/1 is int64, not bool; yes/no stays text.
  write_file(path, "flag,yn\n0,yes\n1,no\n");
  t = load_path(path);
  CHECK(t.types() == std::vector<std::string>{"int64", "utf8"});
}

TEST_CASE("file plugin: per-column type overrides (options.columns)") {
  TempDir dir;
  const std::string path = dir.file("o.csv");
  write_file(path, "zip,amount,when,flag\n02134,1234.50,2024-01-31 10:00:00+01:00,yes\n10001,0.10,2024-02-01,no\n");
  Loaded t = load_path(
      path, {{"columns",
              {{"zip", "int64"}, {"amount", "decimal128(12, 2)"}, {"when", "timestamp[us, UTC]"}, {"flag", "bool"}}}});
  CHECK(t.types() == std::vector<std::string>{"int64", "decimal128(12, 2)", "timestamp[us, UTC]", "bool"});
  CHECK(t.at(0, "zip") == Cell{"2134"});
  CHECK(t.at(0, "amount") == Cell{"1234.50"});
  CHECK(t.at(1, "amount") == Cell{"0.10"});
  CHECK(t.at(0, "when") == Cell{"2024-01-31 09:00:00+00:00"});
  CHECK(t.at(1, "when") == Cell{"2024-02-01 00:00:00+00:00"});
  CHECK(t.at(0, "flag") == Cell{"true"});

  // Too many fractional digits for the declared scale: an error, never a silent rounding.
  write_file(path, "amount\n1.005\n");
  auto e = expect_error([&] { load_path(path, {{"columns", {{"amount", "decimal128(12, 2)"}}}}); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK(contains(e.what(), path + ":2: column \"amount\": \"1.005\" is not a decimal128(12, 2) (type set by "
                                  "options.columns)"));

  e = expect_error([&] { load_path(path, {{"columns", {{"nope", "utf8"}}}}); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK(contains(e.what(), "options.columns names column \"nope\""));
  CHECK(contains(e.what(), "its columns are: amount"));

  e = expect_error([&] { load_path(path, {{"columns", {{"amount", "money"}}}}); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK(contains(e.what(), "options.columns \"amount\""));
}

TEST_CASE("file plugin: a late value that does not fit the inferred type") {
  TempDir dir;
  const std::string path = dir.file("data.csv");
  std::string text = "id,amount,note\n";  // line 1
  int line = 2;
  int64_t id = 0;
  // Line 3 holds a record whose quoted note spans two physical lines: line numbers are physical.
  text += std::to_string(++id) + ",1.25,plain\n";
  ++line;
  text += std::to_string(++id) + ",2.5,\"two\nlines\"\n";
  line += 2;
  while (line < 10452) {
    ++id;
    text += std::to_string(id) + "," + std::to_string(id) + ".75,\n";
    ++line;
  }
  text += std::to_string(++id) + ",12.5x,bad\n";  // line 10452
  text += std::to_string(++id) + ",3,after\n";
  write_file(path, text);

  auto reader = plugin().load({.path = path});
  CHECK(reader.schema()[1].type.name() == "float64");
  sdk::OwnedArray batch;
  auto e = expect_error([&] {
    while (reader.next(batch)) {
    }
  });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  const std::string expected = path +
                               ":10452: column \"amount\": \"12.5x\" is not a float64 (type inferred from the first "
                               "10000 rows); override it with options.columns {\"amount\": \"utf8\"} (CLI: "
                               "--column-type amount=utf8)";
  CHECK_MESSAGE(contains(e.what(), expected), e.what());

  // The suggested override works.
  Loaded t = load_path(path, {{"columns", {{"amount", "utf8"}}}});
  CHECK(t.rows.size() == static_cast<size_t>(id));
  CHECK(t.at(id - 2, "amount") == Cell{"12.5x"});

  // An int64 column that later sees a fraction suggests float64; infer_rows controls the sample.
  write_file(path, "n\n1\n2\n3\n4.5\n");
  e = expect_error([&] { load_path(path, {{"infer_rows", 2}}); });
  CHECK(contains(e.what(), path + ":5: column \"n\": \"4.5\" is not an int64 (type inferred from the first 2 rows); "
                                  "override it with options.columns {\"n\": \"float64\"} (CLI: --column-type "
                                  "n=float64)"));
  CHECK(load_path(path).type("n") == "float64");  // within the default sample: inferred float64

  // A long value is truncated in the message.
  write_file(path, "n\n1\n" + std::string(100, 'x') + "\n");
  e = expect_error([&] { load_path(path, {{"infer_rows", 1}}); });
  CHECK(contains(e.what(), ":3: column \"n\": \"" + std::string(40, 'x') + "...\" is not an int64"));
}

TEST_CASE("file plugin: malformed CSV") {
  TempDir dir;
  const std::string path = dir.file("bad.csv");

  SUBCASE("too many fields") {
    write_file(path, "a,b,c\r\n1,2,3\r\n4,5,6,7\r\n");
    auto e = expect_error([&] { load_path(path); });
    CHECK(status_of(e) == "INVALID_ARGUMENT");
    CHECK(contains(e.what(), path + ":3: expected 3 fields (as in the header), found 4"));
  }
  SUBCASE("too few fields, after a multi-line field, past the sample") {
    write_file(path, "a,b,c\n1,\"x\ny\",3\n4,5,6\n7,8\n");
    auto e = expect_error([&] { load_path(path, {{"infer_rows", 1}}); });
    CHECK(status_of(e) == "INVALID_ARGUMENT");
    CHECK(contains(e.what(), path + ":5: expected 3 fields (as in the header), found 2"));
  }
  SUBCASE("invalid UTF-8") {
    write_file(path, "id,city\n1,Zürich\n2,Z\xFFrich\n");
    auto e = expect_error([&] { load_path(path); });
    CHECK(status_of(e) == "INVALID_ARGUMENT");
    CHECK(contains(e.what(), path + ":3: column \"city\": invalid UTF-8 (byte 0xFF at offset 1 of the value)"));
  }
  SUBCASE("a UTF-8 sequence split between two fields") {
    // "é" is C3 A9: valid in the record's bytes taken together, invalid in each field.
    write_file(path, "a,b\nx,y\nZ\xC3,\xA9Z\n");
    auto e = expect_error([&] { load_path(path); });
    CHECK(status_of(e) == "INVALID_ARGUMENT");
    CHECK(contains(e.what(), path + ":3: column \"a\": invalid UTF-8 (byte 0xC3 at offset 1 of the value)"));
  }
  SUBCASE("unterminated quote") {
    write_file(path, "a,b\n1,\"never closed\n2,3\n");
    auto e = expect_error([&] { load_path(path); });
    CHECK(status_of(e) == "INVALID_ARGUMENT");
    CHECK(contains(e.what(), path + ":2: field 2: a quoted field starting in the record on this line is never closed"));
  }
  SUBCASE("text after a closing quote") {
    write_file(path, "a,b\n1,\"x\"y\n");
    auto e = expect_error([&] { load_path(path); });
    CHECK(status_of(e) == "INVALID_ARGUMENT");
    CHECK(contains(e.what(), path + ":2: field 2: unexpected text after a closing quote"));
  }
  SUBCASE("duplicate header names") {
    write_file(path, "a,b,a\n1,2,3\n");
    auto e = expect_error([&] { load_path(path); });
    CHECK(contains(e.what(), "the header names column \"a\" twice (fields 1 and 3)"));
  }
  SUBCASE("header only") {
    write_file(path, "a,b\n");
    Loaded t = load_path(path);
    CHECK(t.names() == std::vector<std::string>{"a", "b"});
    CHECK(t.types() == std::vector<std::string>{"utf8", "utf8"});
    CHECK(t.rows.empty());
  }
  SUBCASE("empty file") {
    write_file(path, "");
    auto e = expect_error([&] { load_path(path); });
    CHECK(status_of(e) == "INVALID_ARGUMENT");
    CHECK(contains(e.what(), path + ": the file is empty (no header row)"));
  }
}

TEST_CASE("file plugin: CSV round trip keeps every supported type and value") {
  TempDir dir;
  const std::string path = dir.file("rt.csv");
  sdk::Schema schema = roundtrip_schema();
  Rows rows = roundtrip_rows();
  CHECK(export_rows(path, schema, rows, "fail", {}, 3) == static_cast<int64_t>(rows.size()));
  Loaded t = load_path(path);
  CHECK(t.names() == std::vector<std::string>{"i", "f", "b", "s", "d", "ts", "tz"});
  for (size_t c = 0; c < schema.size(); ++c) CHECK(t.schema[c].type == schema[c].type);
  REQUIRE(t.rows.size() == rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < schema.size(); ++c) {
      INFO("row " << r << " column " << schema[c].name);
      CHECK(t.rows[r][c] == rows[r][c]);
    }
  }
  // Quoting only when needed; floats keep a fraction so they read back as float64.
  std::string text = read_file(path);
  CHECK(text.rfind("i,f,b,s,d,ts,tz\n0,3.0,true,plain,2024-02-29,2024-01-02 03:04:05,2024-01-02 03:04:05+00:00\n", 0) ==
        0);
  CHECK(contains(text, ",\"\",1970-01-01,"));  // empty string
  CHECK(contains(text, "\n,,,,,,\n"));         // all null
  CHECK(contains(text, ",\"comma, inside; \"\"quotes\"\" and\nnewline\","));
  CHECK(contains(text, ",\" leading and trailing \","));
}

TEST_CASE("file plugin: JSON Lines round trip keeps every supported type and value") {
  TempDir dir;
  const std::string path = dir.file("rt.jsonl");
  sdk::Schema schema = roundtrip_schema();
  Rows rows = roundtrip_rows();
  CHECK(export_rows(path, schema, rows, "fail", {}, 3) == static_cast<int64_t>(rows.size()));
  std::string text = read_file(path);
  CHECK(text.rfind("{\"i\":0,\"f\":3.0,\"b\":true,\"s\":\"plain\",\"d\":\"2024-02-29\",\"ts\":\"2024-01-02 03:04:05\","
                   "\"tz\":\"2024-01-02 03:04:05+00:00\"}\n",
                   0) == 0);
  CHECK(contains(text, "{\"i\":null,\"f\":null,\"b\":null,\"s\":null,\"d\":null,\"ts\":null,\"tz\":null}\n"));
  CHECK(contains(text, "\"f\":\"NaN\""));
  Loaded t = load_path(path);
  CHECK(t.names() == std::vector<std::string>{"i", "f", "b", "s", "d", "ts", "tz"});
  for (size_t c = 0; c < schema.size(); ++c) CHECK(t.schema[c].type == schema[c].type);
  REQUIRE(t.rows.size() == rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < schema.size(); ++c) {
      INFO("row " << r << " column " << schema[c].name);
      CHECK(t.rows[r][c] == rows[r][c]);
    }
  }
}

TEST_CASE("file plugin: doubles round-trip exactly") {
  // Boost 1.81's JSON DOM parser is off by one ulp for some doubles; the plugin must not be.
  TempDir dir;
  sdk::Schema schema = {field("x", sdk::float64())};
  Rows rows;
  uint64_t state = 0x9E3779B97F4A7C15ull;
  while (rows.size() < 3000) {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    double d;
    std::memcpy(&d, &state, sizeof d);
    if (!std::isfinite(d)) continue;
    rows.push_back({sdk::format_double(d)});
  }
  for (const char* name : {"d.csv", "d.jsonl"}) {
    const std::string path = dir.file(name);
    export_rows(path, schema, rows);
    Loaded t = load_path(path);
    REQUIRE(t.type("x") == "float64");
    REQUIRE(t.rows.size() == rows.size());
    size_t mismatches = 0;
    for (size_t r = 0; r < rows.size(); ++r) mismatches += t.rows[r][0] != rows[r][0];
    CHECK_MESSAGE(mismatches == 0, name);
  }
}

TEST_CASE("file plugin: large files stream in several batches") {
  TempDir dir;
  const std::string path = dir.file("big.csv");
  std::string text = "n,label\n";
  const int total = 25000;
  for (int i = 0; i < total; ++i) text += std::to_string(i) + ",\"row " + std::to_string(i) + ", quoted\"\n";
  write_file(path, text);

  auto host = std::make_shared<mageio::HostCallbacks>();
  int64_t last_rows = 0, last_bytes = 0;
  host->on_progress = [&](int64_t rows, int64_t bytes, int64_t) {
    last_rows = rows;
    last_bytes = bytes;
  };
  auto c = open_file({}, host);
  Loaded t = load(*c, {.path = path, .batch_rows = 1000});
  CHECK(t.batches == 25);
  REQUIRE(t.rows.size() == static_cast<size_t>(total));
  bool in_order = true;
  for (int i = 0; i < total; ++i) {
    in_order = in_order && t.rows[i][0] == Cell{std::to_string(i)} &&
               t.rows[i][1] == Cell{"row " + std::to_string(i) + ", quoted"};
  }
  CHECK(in_order);
  CHECK(last_rows == total);
  CHECK(last_bytes == static_cast<int64_t>(text.size()));

  SUBCASE("limit") {
    Loaded l = load(plugin(), {.path = path, .limit = 2500, .batch_rows = 1000});
    CHECK(l.rows.size() == 2500);
    CHECK(l.batches == 3);
    CHECK(l.rows.back()[0] == Cell{"2499"});
    l = load(plugin(), {.path = path, .limit = 0});
    CHECK(l.rows.empty());
    CHECK(l.names() == std::vector<std::string>{"n", "label"});
    l = load(plugin(), {.path = path, .limit = 3});
    CHECK(l.rows.size() == 3);
  }
  SUBCASE("cancellation") {
    auto reader = c->load({.path = path, .batch_rows = 1000});
    sdk::OwnedArray batch;
    CHECK(reader.next(batch));
    host->cancel_requested = true;
    auto e = expect_error([&] { reader.next(batch); });
    CHECK(status_of(e) == "CANCELLED");
    host->cancel_requested = false;
  }
}

TEST_CASE("file plugin: quotes, doubled quotes and CRLF straddling the 1 MiB read buffer") {
  // The readers read 1 MiB (1048576-byte) chunks: put every byte of a tricky record on the boundary.
  TempDir dir;
  const std::string path = dir.file("edge.csv");
  const std::string tricky = "\"q\"\"u,o\r\nte\",2\r\n";
  const size_t chunk = size_t{1} << 20;
  for (size_t shift = 0; shift <= tricky.size(); ++shift) {
    const std::string header = "a,b\r\n";
    const std::string pad_tail = ",1\r\n";
    size_t pad = chunk - shift - header.size() - pad_tail.size();
    std::string text = header + std::string(pad, 'p') + pad_tail + tricky + "end,3";
    write_file(path, text);
    Loaded t = load_path(path);
    INFO("shift " << shift);
    REQUIRE(t.rows.size() == 3);
    CHECK(t.rows[0][0] == Cell{std::string(pad, 'p')});
    CHECK(t.rows[1][0] == Cell{"q\"u,o\r\nte"});
    CHECK(t.rows[1][1] == Cell{"2"});
    CHECK(t.rows[2][0] == Cell{"end"});
  }
  const std::string jpath = dir.file("edge.jsonl");
  for (size_t shift = 0; shift < 24; shift += 3) {
    std::string first = "{\"s\":\"" + std::string(chunk - shift - 16, 'p') + "\"}\r\n";
    write_file(jpath, first + "{\"s\":\"line two \\u00e9\"}\r\n{\"s\":\"three\"}");
    Loaded t = load_path(jpath);
    INFO("shift " << shift);
    REQUIRE(t.rows.size() == 3);
    CHECK(t.rows[1][0] == Cell{"line two é"});
    CHECK(t.rows[2][0] == Cell{"three"});
  }
}

TEST_CASE("file plugin: if_exists") {
  TempDir dir;
  const std::string path = dir.file("out.csv");
  sdk::Schema schema = {field("id", sdk::int64()), field("name", sdk::utf8())};
  Rows first = {{"1", "a"}, {"2", "b"}};
  Rows second = {{"3", "c"}};

  CHECK(export_rows(path, schema, first) == 2);  // fail mode, file absent: created
  CHECK(read_file(path) == "id,name\n1,a\n2,b\n");

  auto e = expect_error([&] { export_rows(path, schema, second); });
  CHECK(status_of(e) == "ALREADY_EXISTS");
  CHECK(contains(e.what(), path + " already exists"));
  CHECK(read_file(path) == "id,name\n1,a\n2,b\n");

  CHECK(export_rows(path, schema, second, "append") == 1);
  CHECK(read_file(path) == "id,name\n1,a\n2,b\n3,c\n");

  CHECK(export_rows(path, schema, second, "replace") == 1);
  CHECK(read_file(path) == "id,name\n3,c\n");

  // Appending to a file without a final newline starts a new line.
  write_file(path, "id,name\n1,a");
  export_rows(path, schema, second, "append");
  CHECK(read_file(path) == "id,name\n1,a\n3,c\n");

  // Appending to a missing file creates it with a header.
  const std::string fresh = dir.file("fresh.csv");
  export_rows(fresh, schema, first, "append");
  CHECK(read_file(fresh) == "id,name\n1,a\n2,b\n");

  // The existing header must match.
  sdk::Schema other = {field("id", sdk::int64()), field("title", sdk::utf8())};
  e = expect_error([&] { export_rows(path, other, second, "append"); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK(contains(e.what(), "cannot append to " + path +
                               ": its header (\"id\", \"name\") does not match the columns "
                               "being written (\"id\", \"title\")"));
  CHECK(read_file(path) == "id,name\n1,a\n3,c\n");

  // JSON Lines append adds lines.
  const std::string jpath = dir.file("out.jsonl");
  export_rows(jpath, schema, first);
  export_rows(jpath, schema, second, "append");
  CHECK(read_file(jpath) == "{\"id\":1,\"name\":\"a\"}\n{\"id\":2,\"name\":\"b\"}\n{\"id\":3,\"name\":\"c\"}\n");

  // Upsert is not supported; the target directory must exist.
  ArrowArrayStream stream{};
  sdk::export_stream(std::make_unique<TextSource>(schema, first, 10, -1, nullptr), &stream);
  e = expect_error([&] {
    plugin().export_data({.path = path,
                          .if_exists = mageio::IfExists::Append,
                          .unique_constraints = {"id"},
                          .unique_conflict_method = mageio::ConflictMethod::Update},
                         &stream);
  });
  stream.release(&stream);
  CHECK(status_of(e) == "NOT_IMPLEMENTED");
  e = expect_error([&] { export_rows(dir.file("no/such/dir/x.csv"), schema, first); });
  CHECK(status_of(e) == "NOT_FOUND");
  CHECK(contains(e.what(), dir.file("no/such/dir")));
}

TEST_CASE("file plugin: a failed export leaves the destination as it was") {
  TempDir dir;
  sdk::Schema schema = {field("id", sdk::int64()), field("name", sdk::utf8())};
  // 60 rows of 40 kB: each batch of 30 is larger than the writer's 1 MiB buffer, so the first batch
  // really reaches the file before the failure.
  Rows rows;
  for (int i = 0; i < 60; ++i) rows.push_back({std::to_string(i), std::string(40000, char('a' + i % 26))});

  for (const char* name : {"t.csv", "t.jsonl"}) {
    const std::string path = dir.file(name);
    const bool jsonl = std::string(name).ends_with(".jsonl");
    const std::string original = jsonl ? "{\"id\":1,\"name\":\"original\"}\n" : "id,name\n1,original\n";
    write_file(path, original);
    const auto before = dir.listing();
    for (const char* mode : {"replace", "append"}) {
      INFO(name << " " << mode);
      // The second batch fails after the first has been written.
      auto e = expect_error([&] { export_rows(path, schema, rows, mode, {}, 30, 1); });
      CHECK(status_of(e) == "INVALID_ARGUMENT");
      CHECK(contains(e.what(), "synthetic failure in batch 2"));
      CHECK(read_file(path) == original);
      CHECK(dir.listing() == before);  // no temporary file left behind
    }
    fs::remove(path);
  }

  // fail mode with no file: nothing is created.
  const std::string path = dir.file("new.csv");
  auto e = expect_error([&] { export_rows(path, schema, rows, "fail", {}, 30, 1); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK_FALSE(fs::exists(path));
  CHECK(dir.listing().empty());

  // Cancelled after the second batch was written: same guarantee.
  const std::string cpath = dir.file("c.csv");
  write_file(cpath, "id,name\n1,original\n");
  auto host = std::make_shared<mageio::HostCallbacks>();
  auto c = open_file({}, host);
  Rows more = rows;
  more.insert(more.end(), rows.begin(), rows.end());  // 4 batches of 30
  for (const char* mode : {"replace", "append"}) {
    host->cancel_requested = false;
    int last_requested = -1;
    e = expect_error([&] {
      export_rows(*c, cpath, schema, more, mode, {}, 30, -1, [&](int batch) {
        last_requested = batch;
        if (batch == 1) host->cancel_requested = true;  // cancelled while the 2nd batch is produced
      });
    });
    CHECK(status_of(e) == "CANCELLED");
    CHECK(last_requested == 1);  // checked once per batch: the 3rd batch was never asked for
    CHECK(read_file(cpath) == "id,name\n1,original\n");
    CHECK(dir.listing() == std::vector<std::string>{"c.csv"});
  }
}

TEST_CASE("file plugin: TSV and delimiters") {
  TempDir dir;
  const std::string path = dir.file("t.tsv");
  write_file(path, "a\tb\n1\tx,y\n2\t\"tab\there\"\n");
  Loaded t = load_path(path);
  CHECK(t.names() == std::vector<std::string>{"a", "b"});
  CHECK(t.at(0, "b") == Cell{"x,y"});
  CHECK(t.at(1, "b") == Cell{"tab\there"});

  const std::string out = dir.file("out.tsv");
  export_rows(out, {field("a", sdk::int64()), field("b", sdk::utf8())}, {{"1", "x,y"}, {"2", "tab\there"}});
  CHECK(read_file(out) == "a\tb\n1\tx,y\n2\t\"tab\there\"\n");

  // options.delimiter, and the FILE_DELIMITER config key.
  const std::string semi = dir.file("s.csv");
  write_file(semi, "a;b\n1;2,5\n");
  t = load_path(semi, {{"delimiter", ";"}});
  CHECK(t.at(0, "b") == Cell{"2,5"});
  auto c = open_file({{"FILE_DELIMITER", ";"}});
  t = load(*c, {.path = semi});
  CHECK(t.names() == std::vector<std::string>{"a", "b"});
  auto e = expect_error([&] { open_file({{"FILE_DELIMITER", "::"}}); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK(contains(e.what(), "FILE_DELIMITER"));
  e = expect_error([&] { load_path(semi, {{"delimiter", ";;"}}); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK(contains(e.what(), "options.delimiter"));

  // format from an option when the extension says nothing.
  const std::string dat = dir.file("data.txt");
  write_file(dat, "a\n1\n");
  e = expect_error([&] { load_path(dat); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK(contains(e.what(), "set options.format"));
  CHECK(load_path(dat, {{"format", "csv"}}).rows.size() == 1);
}

TEST_CASE("file plugin: header=false and null_string") {
  TempDir dir;
  const std::string path = dir.file("h.csv");
  write_file(path, "1,NA,\n2,x,\"NA\"\n");
  Loaded t = load_path(path, {{"header", false}, {"null_string", "NA"}});
  CHECK(t.names() == std::vector<std::string>{"column_1", "column_2", "column_3"});
  CHECK(t.at(0, "column_2") == Cell{});
  CHECK(t.at(0, "column_3") == Cell{""});    // with null_string set, an empty field is an empty string
  CHECK(t.at(1, "column_3") == Cell{"NA"});  // quoted: the text NA

  const std::string out = dir.file("n.csv");
  export_rows(out, {field("a", sdk::int64()), field("b", sdk::utf8())}, {{"1", Cell{}}, {Cell{}, "NA"}, {"3", ""}},
              "fail", {{"null_string", "NA"}, {"header", false}});
  CHECK(read_file(out) == "1,NA\nNA,\"NA\"\n3,\"\"\n");
}

TEST_CASE("file plugin: JSON Lines inference and errors") {
  TempDir dir;
  const std::string path = dir.file("j.jsonl");
  write_file(path,
             "{\"id\": 1, \"price\": 2, \"ok\": true, \"name\": \"a\", \"day\": \"2024-01-01\", \"tags\": [1, \"x\"]}\n"
             "\n"
             "{\"id\": 2, \"price\": 2.5, \"ok\": null, \"name\": \"Zürich 🎉\", \"extra\": null}\r\n"
             "{\"price\": 1e3, \"id\": 3, \"name\": \"c\\n\\\"d\\\"\", \"day\": \"2024-02-29\", \"tags\": {\"k\": "
             "[true, null]}}\n");
  Loaded t = load_path(path);
  CHECK(t.names() == std::vector<std::string>{"id", "price", "ok", "name", "day", "tags", "extra"});
  CHECK(t.types() == std::vector<std::string>{"int64", "float64", "bool", "utf8", "date32", "utf8", "utf8"});
  REQUIRE(t.rows.size() == 3);
  CHECK(t.at(0, "price") == Cell{"2"});
  CHECK(t.at(2, "price") == Cell{"1000"});
  CHECK(t.at(1, "ok") == Cell{});
  CHECK(t.at(1, "name") == Cell{"Zürich 🎉"});
  CHECK(t.at(2, "name") == Cell{"c\n\"d\""});
  CHECK(t.at(1, "day") == Cell{});
  CHECK(t.at(0, "tags") == Cell{"[1,\"x\"]"});
  CHECK(t.at(2, "tags") == Cell{"{\"k\":[true,null]}"});

  SUBCASE("a later value of the wrong type") {
    write_file(path, "{\"n\": 1}\n{\"n\": 2}\n{\"n\": 2.5}\n");
    auto e = expect_error([&] { load_path(path, {{"infer_rows", 2}}); });
    CHECK(status_of(e) == "INVALID_ARGUMENT");
    CHECK(contains(e.what(), path + ":3: key \"n\": 2.5 is not an int64 (type inferred from the first 2 rows); "
                                    "override it with options.columns {\"n\": \"float64\"} (CLI: --column-type "
                                    "n=float64)"));
    CHECK(load_path(path, {{"infer_rows", 2}, {"columns", {{"n", "float64"}}}}).at(2, "n") == Cell{"2.5"});

    write_file(path, "{\"s\": \"a\"}\n{\"s\": 5}\n");
    e = expect_error([&] { load_path(path, {{"infer_rows", 1}}); });
    CHECK(contains(e.what(), path + ":2: key \"s\": 5 is a number, but the values in the first 1 rows are strings"));
    Loaded u = load_path(path, {{"infer_rows", 1}, {"columns", {{"s", "utf8"}}}});
    CHECK(u.at(1, "s") == Cell{"5"});
  }
  SUBCASE("a key first seen after the sample") {
    write_file(path, "{\"a\": 1}\n{\"a\": 2, \"b\": true}\n");
    auto e = expect_error([&] { load_path(path, {{"infer_rows", 1}}); });
    CHECK(status_of(e) == "INVALID_ARGUMENT");
    CHECK(contains(e.what(), path + ":2: key \"b\" does not appear in the first 1 rows"));
    Loaded u = load_path(path, {{"infer_rows", 1}, {"columns", {{"b", "bool"}}}});
    CHECK(u.names() == std::vector<std::string>{"a", "b"});
    CHECK(u.at(1, "b") == Cell{"true"});
  }
  SUBCASE("mixed JSON types in the sample") {
    write_file(path, "{\"v\": 1}\n{\"v\": \"one\"}\n");
    auto e = expect_error([&] { load_path(path); });
    CHECK(status_of(e) == "INVALID_ARGUMENT");
    CHECK(contains(e.what(),
                   "key \"v\" has values of different JSON types in the first 2 rows: a number on line 1 "
                   "and a string on line 2"));
    CHECK(load_path(path, {{"columns", {{"v", "utf8"}}}}).at(0, "v") == Cell{"1"});
  }
  SUBCASE("not an object, invalid JSON, duplicate keys, bad UTF-8") {
    write_file(path, "{\"a\": 1}\n[1, 2]\n");
    auto e = expect_error([&] { load_path(path); });
    CHECK(contains(e.what(), path + ":2: expected a JSON object, found an array"));
    write_file(path, "{\"a\": 1}\n{\"a\": }\n");
    e = expect_error([&] { load_path(path); });
    CHECK(contains(e.what(), path + ":2: invalid JSON"));
    write_file(path, "{\"a\": 1} x\n");
    e = expect_error([&] { load_path(path); });
    CHECK(contains(e.what(), path + ":1: unexpected text after the JSON object"));
    write_file(path, "{\"a\": 1, \"a\": 2}\n");
    e = expect_error([&] { load_path(path); });
    CHECK(contains(e.what(), path + ":1: key \"a\" appears twice"));
    write_file(path, "{\"a\": \"\xC3\x28\"}\n");
    e = expect_error([&] { load_path(path); });
    CHECK(contains(e.what(), path + ":1: invalid UTF-8"));
  }
  SUBCASE("no lines: no columns, unless declared") {
    write_file(path, "\n\n");
    Loaded u = load_path(path);
    CHECK(u.schema.empty());
    CHECK(u.rows.empty());
    u = load_path(path, {{"columns", {{"a", "int64"}}}});
    CHECK(u.names() == std::vector<std::string>{"a"});
    CHECK(u.rows.empty());
  }
  SUBCASE("CSV-only options are refused") {
    write_file(path, "{\"a\": 1}\n");
    auto e = expect_error([&] { load_path(path, {{"delimiter", ";"}}); });
    CHECK(status_of(e) == "INVALID_ARGUMENT");
    CHECK(contains(e.what(), "options.delimiter applies to CSV files only"));
  }
}

TEST_CASE("file plugin: targets, missing files and options") {
  TempDir dir;
  auto e = expect_error([&] { load_path(dir.file("missing.csv")); });
  CHECK(status_of(e) == "NOT_FOUND");
  CHECK(contains(e.what(), dir.file("missing.csv")));

  e = expect_error([&] { plugin().load({.table = "orders"}); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK(contains(e.what(), "--path"));

  const std::string path = dir.file("x.csv");
  write_file(path, "a\n1\n");
  e = expect_error([&] { load_path(path, {{"bogus", 1}}); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK(contains(e.what(), "bogus"));

  CHECK(plugin().path_exists(path));
  CHECK_FALSE(plugin().path_exists(dir.file("nope.csv")));
  CHECK_FALSE(plugin().path_exists(dir.path.string()));  // a directory is not a file
  e = expect_error([&] { plugin().table_exists("orders"); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
}

/// Runs `f` with file descriptor `fd` (0 or 1) redirected to `path`.
template <typename F>
void with_fd_redirected(int fd, const std::string& path, F&& f) {
  std::fflush(stdout);
  int saved = ::dup(fd);
  REQUIRE(saved >= 0);
  int file = ::open(path.c_str(), fd == 0 ? O_RDONLY : (O_WRONLY | O_CREAT | O_TRUNC), 0644);
  REQUIRE(file >= 0);
  ::dup2(file, fd);
  ::close(file);
  try {
    f();
  } catch (...) {
    ::dup2(saved, fd);
    ::close(saved);
    throw;
  }
  ::dup2(saved, fd);
  ::close(saved);
}

TEST_CASE("file plugin: \"-\" is standard input and output (with options.format)") {
  TempDir dir;
  const std::string out = dir.file("stdout.txt");
  sdk::Schema schema = {field("id", sdk::int64()), field("name", sdk::utf8())};
  with_fd_redirected(1, out, [&] {
    CHECK(export_rows("-", schema, {{"1", "a, b"}, {"2", Cell{}}}, "replace", {{"format", "csv"}}) == 2);
  });
  CHECK(read_file(out) == "id,name\n1,\"a, b\"\n2,\n");
  with_fd_redirected(1, out, [&] { export_rows("-", schema, {{"1", "x"}}, "fail", {{"format", "jsonl"}}); });
  CHECK(read_file(out) == "{\"id\":1,\"name\":\"x\"}\n");
  CHECK_FALSE(fs::exists("-"));  // never a file named "-"

  const std::string in = dir.file("stdin.csv");
  write_file(in, "id,name\n1,a\n2,\"b, c\"\n");
  with_fd_redirected(0, in, [&] {
    Loaded t = load_path("-", {{"format", "csv"}});
    CHECK(t.rows == Rows{{"1", "a"}, {"2", "b, c"}});
  });
  write_file(in, "n\n1\n2\nx\n");
  with_fd_redirected(0, in, [&] {
    auto e = expect_error([&] { load_path("-", {{"format", "csv"}, {"infer_rows", 2}}); });
    CHECK(contains(e.what(), "<stdin>:4: column \"n\": \"x\" is not an int64"));
  });
  auto e = expect_error([&] { load_path("-"); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK(contains(e.what(), "needs options.format"));
}

TEST_CASE("file plugin: the quick start sample") {
  const std::string path = std::string(MAGEIO_SOURCE_DIR) + "/tools/quickstart/sample.csv";
  Loaded t = load_path(path);
  CHECK(t.names() == std::vector<std::string>{"id", "customer", "city", "ordered_on", "amount", "shipped", "note"});
  CHECK(t.types() == std::vector<std::string>{"int64", "utf8", "utf8", "date32", "float64", "bool", "utf8"});
  REQUIRE(t.rows.size() == 20);
  CHECK(t.at(0, "id") == Cell{"1001"});
  CHECK(t.at(0, "city") == Cell{"Zürich"});
  CHECK(t.at(0, "amount") == Cell{"1234.5"});
  CHECK(t.at(0, "note") == Cell{});
  CHECK(t.at(1, "customer") == Cell{"Silva, João"});
  CHECK(t.at(1, "city") == Cell{"São Paulo"});
  CHECK(t.at(2, "city") == Cell{"東京"});
  CHECK(t.at(3, "note") == Cell{"Gift wrap, please 🎁"});
  CHECK(t.at(4, "customer") == Cell{"Zoë \"Z\" Adams"});
  CHECK(t.at(4, "note") == Cell{"Call before delivery:\n+1 212 555 0199"});
  CHECK(t.at(5, "amount") == Cell{});
  CHECK(t.at(7, "note") == Cell{""});
  CHECK(t.at(8, "shipped") == Cell{});
  CHECK(t.at(19, "ordered_on") == Cell{"2024-01-21"});
  CHECK(t.at(19, "shipped") == Cell{"true"});
  // amount as an exact decimal when asked.
  Loaded d = load_path(path, {{"columns", {{"amount", "decimal128(12, 2)"}}}});
  CHECK(d.at(0, "amount") == Cell{"1234.50"});
  CHECK(d.at(2, "amount") == Cell{"15000.00"});
}

// ------------------------------------------------------------------------------------------------
// Canonical spellings: a value after the sample is accepted only in a form inference itself accepts.

/// Loads `body` (CSV or JSON Lines by the file name) with a one-row sample; returns the error text.
std::string error_after_sample(const TempDir& dir, const std::string& name, const std::string& body) {
  const std::string path = dir.file(name);
  write_file(path, body);
  sdk::Error e = expect_error([&] { load_path(path, {{"infer_rows", 1}}); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  return e.what();
}

TEST_CASE("file plugin: CSV values after the sample must be canonical spellings of the inferred type") {
  TempDir dir;
  struct Case {
    std::string first, later, type;
  };
  for (const Case& c : std::vector<Case>{{"8901", "08989", "int64"},
                                         {"8901", "007", "int64"},
                                         {"8901", "+8", "int64"},
                                         {"8901", " 8", "int64"},
                                         {"1.5", "+2.5", "float64"},
                                         {"1.5", " 9 ", "float64"},
                                         {"1.5", "01.5", "float64"},
                                         {"true", "1", "bool"},
                                         {"true", "yes", "bool"},
                                         {"2024-01-31", " 2024-01-31", "date32"}}) {
    const std::string what = error_after_sample(dir, "zip.csv", "zip\n" + c.first + "\n\"" + c.later + "\"\n");
    const std::string expected = dir.file("zip.csv") + ":3: column \"zip\": \"" + c.later + "\" is not " +
                                 (c.type == "int64" ? "an " : "a ") + c.type +
                                 " (type inferred from the first 1 row); override it with options.columns";
    CHECK_MESSAGE(contains(what, expected), what);
    CHECK_MESSAGE(contains(what, "--column-type zip="), what);
  }
  // The canonical spellings themselves still load.
  const std::string path = dir.file("ok.csv");
  write_file(path, "i,f,b\n1,1.5,true\n-7,1e-3,FALSE\n0,NaN,True\n");
  Loaded t = load_path(path, {{"infer_rows", 1}});
  CHECK(t.types() == std::vector<std::string>{"int64", "float64", "bool"});
  CHECK(t.at(1, "f") == Cell{"0.001"});
}

TEST_CASE("file plugin: JSON Lines numbers after the sample must be canonical spellings of the inferred type") {
  TempDir dir;
  // 1.0 is not an int64 (JSON numbers are taken by their spelling), nor is 1e2; a string is never a number.
  for (const char* later : {"1.0", "1e2", "\"007\"", "\"5\""}) {
    const std::string what = error_after_sample(dir, "n.jsonl", "{\"n\": 5}\n{\"n\": " + std::string(later) + "}\n");
    CHECK_MESSAGE(contains(what, ":2: key \"n\": "), what);
    CHECK_MESSAGE(contains(what, "is not an int64 (type inferred from the first 1 row)"), what);
  }
  // A float64 column takes integers (they are exact) and the NaN/Infinity strings export writes.
  const std::string path = dir.file("f.jsonl");
  write_file(path, "{\"x\": 1.5}\n{\"x\": 2}\n{\"x\": \"NaN\"}\n");
  Loaded t = load_path(path, {{"infer_rows", 1}});
  CHECK(t.type("x") == "float64");
  CHECK(t.at(1, "x") == Cell{"2"});
}

TEST_CASE("file plugin: integers beyond int64 or 2^53 are never rounded") {
  TempDir dir;
  SUBCASE("inference widens") {
    const std::string csv = dir.file("w.csv");
    write_file(csv, "big,mixed,neg\n9223372036854775809,1.5,-1\n1,9007199254740993,18446744073709551617\n");
    Loaded c = load_path(csv);
    CHECK(c.types() == std::vector<std::string>{"uint64", "decimal128(38, 1)", "decimal128(38, 0)"});
    CHECK(c.at(0, "big") == Cell{"9223372036854775809"});
    CHECK(c.at(1, "mixed") == Cell{"9007199254740993.0"});
    CHECK(c.at(1, "neg") == Cell{"18446744073709551617"});

    const std::string jsonl = dir.file("w.jsonl");
    write_file(jsonl,
               "{\"big\": 9223372036854775809, \"mixed\": 1.5, \"neg\": -1}\n"
               "{\"big\": 1, \"mixed\": 9007199254740993, \"neg\": 9223372036854775809}\n");
    Loaded j = load_path(jsonl);
    CHECK(j.types() == std::vector<std::string>{"uint64", "decimal128(38, 1)", "decimal128(38, 0)"});
    CHECK(j.at(0, "big") == Cell{"9223372036854775809"});
    CHECK(j.at(1, "mixed") == Cell{"9007199254740993.0"});
    CHECK(j.at(1, "neg") == Cell{"9223372036854775809"});
  }
  SUBCASE("after the sample it is an error naming line and column") {
    std::string what = error_after_sample(dir, "f.csv", "x\n1.5\n9007199254740993\n");
    CHECK_MESSAGE(contains(what, ":3: column \"x\": \"9007199254740993\" cannot be held exactly by a float64"), what);
    CHECK_MESSAGE(contains(what, "--column-type x=decimal128(38, 0)"), what);
    what = error_after_sample(dir, "f.jsonl", "{\"x\": 1.5}\n{\"x\": 9007199254740993}\n");
    CHECK_MESSAGE(contains(what, ":2: key \"x\": 9007199254740993 cannot be held exactly by a float64"), what);
    what = error_after_sample(dir, "i.jsonl", "{\"x\": 1}\n{\"x\": 9223372036854775809}\n");
    CHECK_MESSAGE(contains(what, ":2: key \"x\": 9223372036854775809 is out of range for int64"), what);
    what = error_after_sample(dir, "i.csv", "x\n1\n9223372036854775809\n");
    CHECK_MESSAGE(contains(what, ":3: column \"x\": \"9223372036854775809\" is out of range for int64"), what);
  }
  SUBCASE("doubles written in full or shortest are exact") {
    const std::string path = dir.file("d.csv");
    write_file(path, "x\n0.1\n18014398509481984\n1e300\n0.30000000000000004\n");
    Loaded t = load_path(path);
    CHECK(t.type("x") == "float64");
  }
}

TEST_CASE("file plugin: a JSON key holding a NUL is refused naming the line") {
  TempDir dir;
  const std::string path = dir.file("nul.jsonl");
  write_file(path, "{\"a\": 1}\n{\"foo\\u0000bar\": 42}\n");
  sdk::Error e = expect_error([&] { load_path(path); });
  CHECK(status_of(e) == "INVALID_ARGUMENT");
  CHECK_MESSAGE(contains(e.what(), path + ":2: key \"foo\\u0000bar\" contains a NUL character"), e.what());
  // Inside a nested value it is carried in the JSON text.
  write_file(path, "{\"a\": {\"x\\u0000y\": 1}}\n");
  Loaded t = load_path(path);
  CHECK(t.at(0, "a") == Cell{"{\"x\\u0000y\":1}"});
}

// ------------------------------------------------------------------------------------------------
// What a writer killed outright (SIGKILL, power cut) leaves behind is named for what it is and whose it
// is, and the next export to the same target removes it once its process is gone.

TEST_CASE("file plugin: stale temporary files of dead writers are removed by the next export") {
  TempDir dir;
  const std::string target = dir.file("out.csv");
  // A pid that no longer exists: a child that has exited and been reaped.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  const std::string stale = dir.file(".out.csv.mageio-partial-" + std::to_string(child) + "-0123456789ab.tmp");
  const std::string live = dir.file(".out.csv.mageio-partial-" + std::to_string(::getpid()) + "-0123456789ab.tmp");
  // Our pid, but the file is older than this process: a pid reused since its writer died.
  const std::string reused = dir.file(".out.csv.mageio-partial-" + std::to_string(::getpid()) + "-ba9876543210.tmp");
  // Another target's temporary file, and a file that merely looks alike, are not this target's.
  const std::string other = dir.file(".other.csv.mageio-partial-" + std::to_string(child) + "-0123456789ab.tmp");
  const std::string unrelated = dir.file(".out.csv.mageio-partial-notapid.tmp");
  for (const auto& path : {stale, live, reused, other, unrelated}) write_file(path, "a\npartial");
  std::filesystem::last_write_time(reused,
                                   std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 365));

  const sdk::Schema schema = {field("a", sdk::int64())};
  export_rows(target, schema, {{"1"}}, "replace");
  CHECK(read_file(target) == "a\n1\n");
  CHECK_FALSE(std::filesystem::exists(stale));
  CHECK_FALSE(std::filesystem::exists(reused));
  CHECK(std::filesystem::exists(live));
  CHECK(std::filesystem::exists(other));
  CHECK(std::filesystem::exists(unrelated));

  // An append to the target cleans up too.
  write_file(stale, "a\npartial");
  export_rows(target, schema, {{"2"}}, "append");
  CHECK(read_file(target) == "a\n1\n2\n");
  CHECK_FALSE(std::filesystem::exists(stale));
  CHECK(std::filesystem::exists(live));
}

TEST_CASE("file plugin: an export's temporary file is named for its target and its process") {
  TempDir dir;
  const std::string target = dir.file("named.csv");
  std::vector<std::string> seen;
  const sdk::Schema schema = {field("a", sdk::int64())};
  export_rows(plugin(), target, schema, {{"1"}, {"2"}}, "replace", {}, 1, -1, [&](int batch) {
    if (batch != 1) return;
    for (const auto& e : std::filesystem::directory_iterator(dir.path)) seen.push_back(e.path().filename().string());
  });
  REQUIRE(seen.size() == 1);
  CHECK_MESSAGE(seen[0].starts_with(".named.csv.mageio-partial-" + std::to_string(::getpid()) + "-"), seen[0]);
  CHECK_MESSAGE(seen[0].ends_with(".tmp"), seen[0]);
}

TEST_CASE("file plugin: an append killed mid-way is undone by the next export to the same file") {
  TempDir dir;
  const std::string target = dir.file("log.csv");
  const sdk::Schema schema = {field("a", sdk::int64())};
  export_rows(target, schema, {{"1"}}, "fail");
  REQUIRE(read_file(target) == "a\n1\n");
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  // What SIGKILL in the middle of `append` leaves: a partial tail and the append's journal.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  const std::string journal = dir.file(".log.csv.mageio-append-" + std::to_string(child) + "-0123456789ab.tmp");
  write_file(journal,
             "mageio append journal v1\n4 " + std::to_string(st.st_dev) + " " + std::to_string(st.st_ino) + "\n");
  {
    std::ofstream out(target, std::ios::app | std::ios::binary);
    out << "2\n3\n4";  // cut mid-row
  }
  export_rows(target, schema, {{"5"}}, "append");
  CHECK(read_file(target) == "a\n1\n5\n");
  CHECK_FALSE(std::filesystem::exists(journal));
  CHECK(dir.listing() == std::vector<std::string>{"log.csv"});

  // A live process's journal is left alone (its append may still be running).
  const std::string live = dir.file(".log.csv.mageio-append-" + std::to_string(::getpid()) + "-0123456789ab.tmp");
  write_file(live, "mageio append journal v1\n4 " + std::to_string(st.st_dev) + " " + std::to_string(st.st_ino) + "\n");
  export_rows(target, schema, {{"6"}}, "append");
  CHECK(read_file(target) == "a\n1\n5\n6\n");
  CHECK(std::filesystem::exists(live));
}

TEST_CASE("file plugin: a committed or failed append leaves no journal") {
  TempDir dir;
  const std::string target = dir.file("j.csv");
  const sdk::Schema schema = {field("a", sdk::int64())};
  export_rows(target, schema, {{"1"}}, "fail");
  std::vector<std::string> during;
  export_rows(plugin(), target, schema, {{"2"}, {"3"}}, "append", {}, 1, -1, [&](int batch) {
    if (batch == 1) during = dir.listing();
  });
  REQUIRE(during.size() == 2);  // the journal exists while the append runs
  CHECK_MESSAGE(during[0].starts_with(".j.csv.mageio-append-" + std::to_string(::getpid()) + "-"), during[0]);
  CHECK(dir.listing() == std::vector<std::string>{"j.csv"});
  expect_error([&] { export_rows(target, schema, {{"4"}, {"5"}}, "append", {}, 1, 1); });
  CHECK(read_file(target) == "a\n1\n2\n3\n");
  CHECK(dir.listing() == std::vector<std::string>{"j.csv"});
}

// ------------------------------------------------------------------------------------------------
// Dates and timestamps outside years 0000-9999 and the infinity sentinels (sdk/values.hpp)

namespace {

struct TemporalValues {
  std::vector<std::optional<int32_t>> dates;
  std::vector<std::optional<int64_t>> timestamps;  // the ts (naive) column
  std::vector<std::optional<int64_t>> zoned;       // the tz (UTC) column
};

/// The raw values of columns d, ts and tz as loaded.
TemporalValues load_temporal(const std::string& path, boost::json::object options = {}) {
  auto reader = plugin().load({.path = path, .options = std::move(options)});
  TemporalValues out;
  sdk::OwnedArray batch;
  while (reader.next(batch)) {
    sdk::BatchView view(batch.array, reader.schema());
    for (int64_t r = 0; r < view.rows(); ++r) {
      const auto& d = view.column(0);
      const auto& ts = view.column(1);
      const auto& tz = view.column(2);
      out.dates.push_back(d.is_null(r) ? std::nullopt : std::optional<int32_t>(d.get_date32(r)));
      out.timestamps.push_back(ts.is_null(r) ? std::nullopt : std::optional<int64_t>(ts.get_timestamp_us(r)));
      out.zoned.push_back(tz.is_null(r) ? std::nullopt : std::optional<int64_t>(tz.get_timestamp_us(r)));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("file plugin: dates and timestamps of any year, and the infinities, load back from CSV and JSON Lines") {
  constexpr int32_t kMinDays = sdk::kDateMinusInfinity;
  constexpr int32_t kMaxDays = sdk::kDateInfinity;
  constexpr int64_t kMinMicros = sdk::kTimestampMinusInfinity;
  constexpr int64_t kMaxMicros = sdk::kTimestampInfinity;
  auto day = [](int64_t y, unsigned m, unsigned d) { return sdk::days_from_civil(y, m, d); };
  auto micros = [](int64_t y, unsigned m, unsigned d, int64_t of_day) {
    return int64_t{sdk::days_from_civil(y, m, d)} * sdk::kMicrosPerDay + of_day;
  };
  const int64_t noon = 12 * 3600 * sdk::kMicrosPerSecond;
  // The export's input, as text for the test's source, and the values it stands for, worked out apart.
  const Rows rows = {
      {"-infinity", "-infinity", "-infinity"},
      {"-5877641-06-24", "-290308-12-21 19:59:05.224193", "-290308-12-21 19:59:05.224193+00:00"},
      {"-4713-11-24", "-4713-11-24 12:00:00", "-4713-11-24 12:00:00+00:00"},
      {"-0043-03-15", "-0001-12-31 23:59:59.999999", "-0001-12-31 23:59:59.999999+00:00"},
      {"0000-01-01", "0000-01-01 00:00:00", "0000-01-01 00:00:00+00:00"},
      {"2024-02-29", "2024-02-29 12:00:00", "2024-02-29 12:00:00+00:00"},
      {Cell{}, Cell{}, Cell{}},
      {"9999-12-31", "9999-12-31 23:59:59.999999", "9999-12-31 23:59:59.999999+00:00"},
      {"+10000-01-01", "+10000-01-01 00:00:00", "+10000-01-01 00:00:00+00:00"},
      {"+5881580-07-10", "+294247-01-10 04:00:54.775806", "+294247-01-10 04:00:54.775806+00:00"},
      {"infinity", "infinity", "infinity"},
  };
  const std::vector<std::optional<int32_t>> dates = {
      kMinDays,     kMinDays + 1,      day(-4713, 11, 24), day(-43, 3, 15), day(0, 1, 1), day(2024, 2, 29),
      std::nullopt, day(9999, 12, 31), day(10000, 1, 1),   kMaxDays - 1,    kMaxDays};
  const std::vector<std::optional<int64_t>> timestamps = {kMinMicros,
                                                          kMinMicros + 1,
                                                          micros(-4713, 11, 24, noon),
                                                          micros(0, 1, 1, 0) - 1,
                                                          micros(0, 1, 1, 0),
                                                          micros(2024, 2, 29, noon),
                                                          std::nullopt,
                                                          micros(10000, 1, 1, 0) - 1,
                                                          micros(10000, 1, 1, 0),
                                                          kMaxMicros - 1,
                                                          kMaxMicros};
  const sdk::Schema schema = {field("d", sdk::date32()), field("ts", sdk::timestamp_us()),
                              field("tz", sdk::timestamp_us("UTC"))};
  const boost::json::object typed = {
      {"columns", {{"d", "date32"}, {"ts", "timestamp[us]"}, {"tz", "timestamp[us, UTC]"}}}};

  TempDir dir;
  for (const std::string name : {"values.csv", "values.jsonl"}) {
    CAPTURE(name);
    const std::string path = dir.file(name);
    REQUIRE(export_rows(path, schema, rows) == static_cast<int64_t>(rows.size()));
    // Written in the SDK's spelling: PostgreSQL's words, ISO 8601 expanded years.
    const std::string text = read_file(path);
    for (const char* spelt : {"-infinity", "-0043-03-15", "-0001-12-31 23:59:59.999999+00:00", "+10000-01-01",
                              "+294247-01-10 04:00:54.775806"}) {
      CAPTURE(spelt);
      CHECK(contains(text, spelt));
    }
    CHECK_FALSE(contains(text, "-043-"));
    // Read back exactly, with the types given (--column-type d=date32 ...) and with inferred types
    // (every sample has ordinary dates besides these spellings).
    for (const bool given : {true, false}) {
      CAPTURE(given);
      auto loaded = load_temporal(path, given ? typed : boost::json::object{});
      CHECK(loaded.dates == dates);
      CHECK(loaded.timestamps == timestamps);
      CHECK(loaded.zoned == timestamps);
    }
    CHECK(load_path(path).types() == std::vector<std::string>{"date32", "timestamp[us]", "timestamp[us, UTC]"});
  }

  // Inference takes these spellings for a date only beside an ordinary date, and only as export spells
  // them: "infinity" alone, or "Infinity", in a text column stays text.
  write_file(dir.file("words.csv"),
             "only_words,capital,ordinary_then_words,zoned\n"
             "infinity,2024-01-01,2024-01-01,2024-01-01 00:00:00+00:00\n"
             "-0043-03-15,Infinity,-infinity,infinity\n"
             "+10000-01-01,2024-01-02,+10000-01-01,+10000-01-01 00:00:00+00:00\n");
  Loaded words = load_path(dir.file("words.csv"));
  CHECK(words.types() == std::vector<std::string>{"utf8", "utf8", "date32", "timestamp[us, UTC]"});
  CHECK(words.at(0, "only_words") == Cell{"infinity"});
  CHECK(words.at(1, "capital") == Cell{"Infinity"});
  CHECK(words.at(1, "ordinary_then_words") == Cell{"-infinity"});
  CHECK(words.at(1, "zoned") == Cell{"infinity"});

  // After the sample, an inferred zoned column takes infinity (which has no offset) like any value.
  write_file(dir.file("late.csv"), "tz\n2024-01-01 00:00:00Z\ninfinity\n-infinity\n");
  Loaded late = load_path(dir.file("late.csv"), {{"infer_rows", 1}});
  CHECK(late.types() == std::vector<std::string>{"timestamp[us, UTC]"});
  CHECK(late.rows == Rows{{"2024-01-01 00:00:00+00:00"}, {"infinity"}, {"-infinity"}});
}
