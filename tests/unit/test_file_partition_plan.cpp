// The file plugin's partition planner below the ABI, with reads of a few bytes, so that every cut, CRLF,
// quote and multi-byte character falls across reads somewhere: on thousands of generated CSV and JSON
// Lines files, the partitions read in order give exactly the single load's rows, or the same error.
#include <doctest/doctest.h>

#include "csv_source.hpp"
#include "file_partitions.hpp"
#include "jsonl_reader.hpp"

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/json_cell.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace sdk = mageio::sdk;
namespace file = mageio::file;

namespace {

// The rows as text (nulls as "<null>"), or the error's message (then no rows).
struct Outcome {
  std::vector<std::string> columns;
  std::vector<std::string> rows;
  std::string error;
  bool operator==(const Outcome&) const = default;
};

void drain(file::LoadSettings s, size_t chunk, Outcome& out) {
  static const sdk::Host host;
  s.read_chunk_bytes = chunk;
  auto source = s.format == file::Format::Csv ? file::open_csv_source(s, host) : file::open_jsonl_source(s, host);
  std::vector<std::string> columns;
  for (const auto& f : source->schema()) columns.push_back(f.name + " " + f.type.name());
  if (out.columns.empty()) out.columns = columns;
  if (columns != out.columns) out.error = "a partition's columns differ";
  for (;;) {
    sdk::OwnedArray batch;
    if (!source->next(&batch.array)) break;
    sdk::BatchView view(batch.array, source->schema());
    for (int64_t r = 0; r < view.rows(); ++r) {
      std::string row;
      for (size_t c = 0; c < view.column_count(); ++c)
        row += (view.column(c).is_null(r) ? "<null>" : view.column(c).to_text(r)) + "|";
      out.rows.push_back(row);
    }
  }
}

sdk::PlanRequest plan_request(const std::string& path, int64_t partitions, bool csv) {
  sdk::PlanRequest request;
  request.load.target.path = path;
  request.load.options = sdk::Options::from_json(csv ? R"({"format": "csv", "infer_rows": 3})"
                                                     : R"({"format": "jsonl", "infer_rows": 3})");
  request.partitions = partitions;
  return request;
}

Outcome single(const std::string& path, bool csv, size_t chunk) {
  Outcome out;
  try {
    drain(file::load_settings(plan_request(path, 1, csv).load, ','), chunk, out);
  } catch (const sdk::Error& e) {
    out.error = e.what();
    out.rows.clear();  // a failed load's rows are not compared: a batch of the single load fails whole
  }
  return out;
}

Outcome partitioned(const std::string& path, bool csv, int64_t partitions, size_t chunk, size_t& planned) {
  static const sdk::Host host;
  Outcome out;
  try {
    const auto request = plan_request(path, partitions, csv);
    file::LoadSettings settings = file::load_settings(request.load, ',');
    settings.read_chunk_bytes = chunk;
    const auto descriptors = file::plan_file_partitions(request, settings, host);
    planned = descriptors.size();
    for (const auto& d : descriptors) drain(file::partition_settings(d, ','), chunk, out);
  } catch (const sdk::Error& e) {
    out.error = e.what();
    out.rows.clear();  // a failed load's rows are not compared: a batch of the single load fails whole
  }
  return out;
}

std::string pick(std::mt19937& random, const std::vector<std::string>& choices) {
  return choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(random)];
}

std::string csv_text(std::mt19937& random, bool spanning) {
  const std::vector<std::string> fields = {"1", "22",   "é",  "日本", "🙂x",     "\"a,\"\"b\"\"\"", "\"\"",
                                           "",  "x\"y", "-3", "2.5",  "\"é\r\n\"", "\"q\nr\""};
  const std::vector<std::string> ends = {"\n", "\r\n", "\n", "\r", "\n\n"};
  std::string text = random() % 4 == 0 ? "\xEF\xBB\xBF" : "";
  text += "a,b,c" + pick(random, ends);
  const int rows = static_cast<int>(random() % 14);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < 3; ++c) {
      std::string field = pick(random, fields);
      // Most files have no quoted line break, so that most are split.
      while (!spanning && (field.find('\n') != std::string::npos || field.find('\r') != std::string::npos))
        field = pick(random, fields);
      text += (c ? "," : "") + field;
    }
    if (r + 1 < rows || random() % 2) text += pick(random, ends);
  }
  return text;
}

std::string jsonl_text(std::mt19937& random) {
  const std::vector<std::string> lines = {"{\"a\": 1, \"b\": \"é日\"}",
                                          "{\"a\": 2}",
                                          "{\"b\": \"🙂\", \"a\": 3}",
                                          "",
                                          "  ",
                                          "{\"a\": 2.5}",
                                          "{\"c\": true}",
                                          "{\"a\": \"x\"}",
                                          "[1]",
                                          "{\"a\": 4, \"b\": null}"};
  const std::vector<std::string> ends = {"\n", "\r\n", "\n"};
  std::string text = random() % 5 == 0 ? "\xEF\xBB\xBF" : "";
  const int count = static_cast<int>(random() % 16);
  for (int i = 0; i < count; ++i)
    text += pick(random, lines) + (i + 1 < count || random() % 2 ? pick(random, ends) : "");
  return text;
}

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("mageio-partition-plan-" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string path = (dir / name).string();
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    return path;
  }
};

void compare_on(const std::string& path, bool csv, std::mt19937& random, int& split) {
  const size_t chunk = 4 + random() % 9;
  const Outcome expected = single(path, csv, chunk);
  for (int64_t n : {2, 3, 7}) {
    size_t planned = 0;
    const Outcome got = partitioned(path, csv, n, chunk, planned);
    if (got == expected) {
      split += planned > 1 ? 1 : 0;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::string text;
    sdk::append_json_string(text, std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
    FAIL_CHECK("partitions " << n << ", reads of " << chunk << " bytes, file " << text
                             << ":\n  single: " << expected.rows.size() << " rows, error '" << expected.error
                             << "'\n  split:  " << got.rows.size() << " rows, error '" << got.error << "'");
    return;
  }
}

}  // namespace

TEST_CASE("file partition plan: generated CSV files, partitions in order equal the single load") {
  Scratch scratch;
  std::mt19937 random(20261206);
  int split = 0;
  for (int i = 0; i < 1500; ++i) {
    const std::string path = scratch.write("g.csv", csv_text(random, i % 3 == 0));
    compare_on(path, true, random, split);
  }
  CHECK(split > 1500);  // most plans really were split
}

TEST_CASE("file partition plan: generated JSON Lines files, partitions in order equal the single load") {
  Scratch scratch;
  std::mt19937 random(61220262);
  int split = 0;
  for (int i = 0; i < 1500; ++i) compare_on(scratch.write("g.jsonl", jsonl_text(random)), false, random, split);
  CHECK(split > 1500);
}
