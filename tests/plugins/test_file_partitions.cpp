// Partitioned loads of the file plugin (ABI 1.1), through the real host: a plan's descriptors, each
// loaded on a fresh instance and read in partition order, give the single load's schema and rows, row
// for row, in CSV and JSON Lines, whatever the file's shape; what cannot be split is one partition, said
// in a log line; a file that changed since the plan is refused.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>
#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/error.hpp>

#include <boost/json.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
namespace sdk = mageio::sdk;
using Cell = std::optional<std::string>;
using Rows = std::vector<std::vector<Cell>>;

namespace {

mageio::Registry& registry() {
  static mageio::Registry reg(
      {.plugin_dirs = {MAGEIO_PLUGIN_DIR}, .use_environment = false, .use_default_dirs = false});
  return reg;
}

// The warnings the plugin logged, collected from every instance.
using Logs = mageio::test::HostLogs;

std::unique_ptr<mageio::Connector> open_file(Logs* logs = nullptr) {
  auto host = logs != nullptr ? logs->callbacks() : std::make_shared<mageio::HostCallbacks>();
  return registry().find("file")->open({}, host);
}

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("mageio-file-partitions-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string file = (path / name).string();
    std::ofstream out(file, std::ios::binary);
    out << bytes;
    REQUIRE(out.good());
    return file;
  }
};

struct Loaded {
  std::vector<std::string> columns;  // "name type"
  Rows rows;
  bool operator==(const Loaded&) const = default;
};

void read_into(mageio::BatchReader& reader, Loaded& out) {
  std::vector<std::string> columns;
  for (const auto& f : reader.schema()) columns.push_back(f.name + " " + f.type.name());
  if (out.columns.empty()) out.columns = columns;
  CHECK(columns == out.columns);  // every partition has the single load's schema
  sdk::OwnedArray batch;
  while (reader.next(batch)) {
    sdk::BatchView view(batch.array, reader.schema());
    for (int64_t r = 0; r < view.rows(); ++r) {
      std::vector<Cell> row;
      for (size_t c = 0; c < view.column_count(); ++c)
        row.push_back(view.column(c).is_null(r) ? Cell{} : Cell{view.column(c).to_text(r)});
      out.rows.push_back(std::move(row));
    }
  }
}

// An error message from the file's path on (the host puts "file load: " or "file load_partition: " first).
std::string from_path(const std::string& message, const std::string& path) {
  const size_t at = message.find(path);
  return at == std::string::npos ? message : message.substr(at);
}

mageio::LoadOptions request(const std::string& path, boost::json::object options = {}) {
  return {.path = path, .options = std::move(options)};
}

Loaded single(const mageio::LoadOptions& options) {
  auto reader = open_file()->load(options);
  Loaded out;
  read_into(reader, out);
  return out;
}

std::vector<std::string> plan(const mageio::LoadOptions& options, int64_t partitions, Logs* logs = nullptr) {
  return open_file(logs)->plan_partitions({.load = options, .partitions = partitions});
}

// Every descriptor on an instance of its own, in partition order.
Loaded load_plan(const std::vector<std::string>& descriptors) {
  Loaded out;
  for (const auto& descriptor : descriptors) {
    auto reader = open_file()->load_partition(descriptor);
    read_into(reader, out);
  }
  return out;
}

// The file loaded in 1, 2, 3 and 7 partitions equals the single load; returns the plan sizes.
std::vector<size_t> expect_same_as_single(const mageio::LoadOptions& options) {
  const Loaded expected = single(options);
  std::vector<size_t> sizes;
  for (int64_t n : {1, 2, 3, 7}) {
    CAPTURE(n);
    const auto descriptors = plan(options, n);
    REQUIRE(!descriptors.empty());
    CHECK(static_cast<int64_t>(descriptors.size()) <= n);
    sizes.push_back(descriptors.size());
    const Loaded got = load_plan(descriptors);
    CHECK(got.columns == expected.columns);
    CHECK(got.rows.size() == expected.rows.size());
    CHECK(got.rows == expected.rows);
  }
  return sizes;
}

// Lines of JSON whose strings hold 2-, 3- and 4-byte UTF-8 characters, so most byte offsets fall inside
// a character.
std::string jsonl_lines(int count, const std::string& eol = "\n") {
  std::string out;
  for (int i = 1; i <= count; ++i) {
    out += "{\"id\": " + std::to_string(i) + ", \"name\": \"é日本語🙂 " + std::to_string(i) +
           "\", \"x\": " + std::to_string(i) + ".5, \"tags\": [" + std::to_string(i % 3) + "]}" + eol;
  }
  return out;
}

std::string csv_lines(int count, const std::string& eol = "\n") {
  std::string out = "id,name,note" + eol;
  for (int i = 1; i <= count; ++i) {
    // Quoted fields with the delimiter and doubled quotes, but no line break; every 5th note null.
    out += std::to_string(i) + ",\"日本, \"\"語\"\" " + std::to_string(i) + "\"," + (i % 5 ? "ü" : "") + eol;
  }
  return out;
}

}  // namespace

TEST_CASE("file partitions: JSON Lines partitions equal the single load, row for row") {
  TempDir dir;
  const auto sizes = expect_same_as_single(request(dir.write("a.jsonl", jsonl_lines(3000))));
  CHECK(sizes == std::vector<size_t>{1, 2, 3, 7});
  // CRLF line ends, no newline after the last line, blank lines, a byte order mark.
  expect_same_as_single(request(dir.write("crlf.jsonl", jsonl_lines(500, "\r\n"))));
  std::string open_end = jsonl_lines(300);
  open_end.pop_back();
  expect_same_as_single(request(dir.write("open.jsonl", open_end)));
  expect_same_as_single(request(dir.write("blank.jsonl", "\n\n" + jsonl_lines(50) + "\n\n  \n" + jsonl_lines(50))));
  expect_same_as_single(request(dir.write("bom.jsonl", "\xEF\xBB\xBF" + jsonl_lines(200))));
}

TEST_CASE("file partitions: CSV partitions equal the single load, row for row") {
  TempDir dir;
  const auto sizes = expect_same_as_single(request(dir.write("a.csv", csv_lines(3000))));
  CHECK(sizes == std::vector<size_t>{1, 2, 3, 7});
  expect_same_as_single(request(dir.write("crlf.csv", csv_lines(500, "\r\n"))));
  std::string open_end = csv_lines(300);
  open_end.pop_back();
  expect_same_as_single(request(dir.write("open.csv", open_end)));
  expect_same_as_single(request(dir.write("bom.csv", "\xEF\xBB\xBF" + csv_lines(200))));
  // Lone CR line ends: no LF to cut after, still the same rows.
  expect_same_as_single(request(dir.write("cr.csv", csv_lines(100, "\r"))));
  // Without a header, after blank lines; one column, where a blank line is a null.
  std::string rows = csv_lines(400);
  expect_same_as_single(
      request(dir.write("nohead.csv", "\n\n" + rows.substr(rows.find('\n') + 1)), {{"header", false}}));
  std::string one_column = "v\n";
  for (int i = 0; i < 600; ++i) one_column += i % 4 ? std::to_string(i) + "\n" : "\n";
  expect_same_as_single(request(dir.write("one.csv", one_column)));
  // A TSV and a type set by options.columns.
  expect_same_as_single(request(dir.write("t.tsv", "a\tb\n1\tx\n2\ty\n3\tz\n4\tw\n"), {{"columns", {{"a", "utf8"}}}}));
}

TEST_CASE("file partitions: every partition gets the schema the single load infers from the file's start") {
  TempDir dir;
  // The first rows make "code" text; the rest alone would infer int64, and "x" float64 vs int64.
  std::string csv = "code,x\n";
  std::string jsonl;
  for (int i = 0; i < 2000; ++i) {
    const std::string code = i < 10 ? "A" + std::to_string(i) : std::to_string(i);
    csv += code + "," + (i < 10 ? "0.5" : std::to_string(i)) + "\n";
    jsonl += "{\"code\": \"" + code + "\", \"x\": " + (i < 10 ? "0.5" : std::to_string(i)) + "}\n";
  }
  for (const auto& path : {dir.write("s.csv", csv), dir.write("s.jsonl", jsonl)}) {
    CAPTURE(path);
    const auto descriptors = plan(request(path), 4);
    REQUIRE(descriptors.size() == 4);
    auto last = open_file()->load_partition(descriptors.back());
    CHECK(last.schema()[0].type.name() == "utf8");
    CHECK(last.schema()[1].type.name() == "float64");
    CHECK(load_plan(descriptors) == single(request(path)));
  }
}

TEST_CASE("file partitions: fewer lines than partitions, header only, an empty file") {
  TempDir dir;
  const std::string two_jsonl = dir.write("two.jsonl", jsonl_lines(2));
  CHECK(plan(request(two_jsonl), 7).size() <= 2);
  expect_same_as_single(request(two_jsonl));
  const std::string two_csv = dir.write("two.csv", csv_lines(2));
  CHECK(plan(request(two_csv), 7).size() <= 2);
  expect_same_as_single(request(two_csv));
  const std::string header = dir.write("header.csv", "a,b\n");
  CHECK(plan(request(header), 4).size() == 1);
  expect_same_as_single(request(header));
  expect_same_as_single(request(dir.write("empty.jsonl", "")));
  // An empty CSV file has no header: the plan fails as the single load does.
  const std::string empty_csv = dir.write("empty.csv", "");
  std::string single_error, plan_error;
  try {
    single(request(empty_csv));
  } catch (const sdk::Error& e) {
    single_error = from_path(e.what(), empty_csv);
  }
  try {
    plan(request(empty_csv), 3);
  } catch (const sdk::Error& e) {
    plan_error = from_path(e.what(), empty_csv);
  }
  CHECK(single_error.find("the file is empty") != std::string::npos);
  CHECK(plan_error == single_error);
}

TEST_CASE("file partitions: a CSV whose quoted field spans lines is one partition, said in a log line") {
  TempDir dir;
  std::string csv = csv_lines(1000);
  csv += "1001,\"two\nlines\",x\n" + csv_lines(1000).substr(12);
  const std::string path = dir.write("multi.csv", csv);
  Logs logs;
  const auto descriptors = plan(request(path), 3, &logs);
  CHECK(descriptors.size() == 1);
  CHECK(logs.has("one partition"));
  CHECK(logs.has("a quoted field spans lines (line 1002)"));
  const Loaded got = load_plan(descriptors);
  CHECK(got == single(request(path)));
  CHECK(got.rows.size() == 2001);
  // A quoted field that is never closed (after the inference sample): one partition, which fails as
  // the single load does.
  const std::string open_quote = dir.write("open.csv", csv_lines(100) + "101,\"no end\n");
  const auto sampled = request(open_quote, {{"infer_rows", 10}});
  const auto one = plan(sampled, 3);
  CHECK(one.size() == 1);
  CHECK_THROWS_WITH_AS(load_plan(one), doctest::Contains("open.csv:102: field 2: a quoted field"), sdk::Error);
}

TEST_CASE("file partitions: a partition names the file's own line numbers in its errors") {
  TempDir dir;
  std::string jsonl = jsonl_lines(2000);
  jsonl += "{\"id\": \"not a number\", \"name\": \"x\", \"x\": 1.5, \"tags\": []}\n";
  std::string csv = csv_lines(2000, "\r\n") + "oops,\"x\",y\r\n";
  for (const auto& path : {dir.write("bad.jsonl", jsonl), dir.write("bad.csv", csv)}) {
    CAPTURE(path);
    const auto options = request(path, {{"infer_rows", 100}});
    std::string single_error, partition_error;
    try {
      single(options);
    } catch (const sdk::Error& e) {
      single_error = from_path(e.what(), path);
    }
    const auto descriptors = plan(options, 3);
    REQUIRE(descriptors.size() == 3);
    try {
      load_plan({descriptors.back()});
    } catch (const sdk::Error& e) {
      partition_error = from_path(e.what(), path);
    }
    // The bad value is on line 2001 of the JSON Lines file, 2002 of the CSV file (after its header).
    CHECK(single_error.find(path.find(".csv") != std::string::npos ? ":2002: " : ":2001: ") == path.size());
    CHECK(single_error.find("first 100 rows") != std::string::npos);
    CHECK(partition_error == single_error);
  }
}

TEST_CASE("file partitions: descriptors are JSON text naming the file and range; a changed file is refused") {
  TempDir dir;
  const std::string path = dir.write("c.jsonl", jsonl_lines(100));
  const auto descriptors = plan(request(path), 2);
  REQUIRE(descriptors.size() == 2);
  const boost::json::object d = boost::json::parse(descriptors[1]).as_object();
  CHECK(d.at("plugin").as_string() == "file");
  CHECK(d.at("begin").as_int64() > 0);
  CHECK(d.at("end").as_int64() == static_cast<int64_t>(fs::file_size(path)));
  CHECK(std::string(d.at("request").as_string()).find("c.jsonl") != std::string::npos);
  std::ofstream(path, std::ios::app) << jsonl_lines(1);
  try {
    load_plan(descriptors);
    FAIL("a changed file was read");
  } catch (const sdk::Error& e) {
    CHECK(e.status() == MAGEIO_STATUS_UNAVAILABLE);
    CHECK(std::string(e.what()).find("changed since its partitions were planned") != std::string::npos);
  }
}

TEST_CASE("file partitions: limit, partition_on and bad requests") {
  TempDir dir;
  const std::string path = dir.write("l.csv", csv_lines(500));
  Logs logs;
  mageio::LoadOptions limited = request(path);
  limited.limit = 7;
  const auto descriptors = plan(limited, 3, &logs);
  CHECK(descriptors.size() == 1);
  CHECK(logs.has("a load with a limit is read as one stream"));
  CHECK(load_plan(descriptors) == single(limited));
  CHECK(load_plan(descriptors).rows.size() == 7);

  auto on = [&](const std::string& column) {
    try {
      open_file()->plan_partitions({.load = request(path), .partitions = 2, .partition_on = column});
    } catch (const sdk::Error& e) {
      return e;
    }
    FAIL("partition_on was accepted");
    return sdk::Error(MAGEIO_STATUS_OK, "");
  };
  const sdk::Error missing = on("nope");
  CHECK(missing.status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(std::string(missing.what()).find("id, name, note") != std::string::npos);
  const sdk::Error column = on("id");
  CHECK(column.status() == MAGEIO_STATUS_NOT_IMPLEMENTED);
  CHECK(std::string(column.what()).find("byte ranges of whole lines") != std::string::npos);
  CHECK_THROWS_AS(plan(request(path), 0), sdk::Error);
  CHECK_THROWS_AS(open_file()->load_partition(R"({"plugin":"sqlite","format":1})"), sdk::Error);
}

TEST_CASE("file partitions: a FIFO is one partition, planned without opening it") {
  TempDir dir;
  const std::string path = (dir.path / "f.jsonl").string();
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  Logs logs;
  const auto descriptors = plan(request(path), 3, &logs);  // opening the FIFO would wait for a writer
  CHECK(descriptors.size() == 1);
  CHECK(logs.has("not a regular file"));
  std::thread writer([&] { std::ofstream(path, std::ios::binary) << jsonl_lines(20); });
  const Loaded got = load_plan(descriptors);
  writer.join();
  CHECK(got.rows.size() == 20);
}
