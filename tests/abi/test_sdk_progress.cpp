// Progress the SDK reports on its own for a plugin that never calls Host::progress (the memory
// fixture): cumulative rows and Arrow buffer bytes after every batch of a load and of an export, ending
// on the exact totals. (A plugin that reports for itself wins: see the numbers case in test_abi.)
#include "test_support.hpp"

#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>

#include <filesystem>
#include <memory>
#include <vector>

using namespace mageio;

namespace {

struct Report {
  int64_t rows, bytes, total_rows;
};

constexpr int kBatches = 3;
constexpr int64_t kBatchRows = 1000;
// Per batch: int64 values (8 bytes a row), utf8 offsets ((rows + 1) * 4) and "abc" data (3 bytes a
// row); no validity bitmaps, since nothing is null.
constexpr int64_t kBatchBytes = kBatchRows * 8 + (kBatchRows + 1) * 4 + kBatchRows * 3;

std::unique_ptr<sdk::BatchSource> input() {
  return test::make_source({{"n", sdk::int64(), false}, {"s", sdk::utf8(), false}},
                           [](sdk::BatchBuilder& batch, int index) {
                             if (index == kBatches) return false;
                             for (int64_t i = 0; i < kBatchRows; ++i) {
                               batch.column(0).append_int(i);
                               batch.column(1).append_string("abc");
                               batch.end_row();
                             }
                             return true;
                           });
}

void check_reports(const std::vector<Report>& reports) {
  REQUIRE_FALSE(reports.empty());
  for (size_t i = 1; i < reports.size(); ++i) {
    CHECK(reports[i].rows >= reports[i - 1].rows);
    CHECK(reports[i].bytes >= reports[i - 1].bytes);
  }
  CHECK(reports.front().rows == kBatchRows);  // the first batch is reported at once
  CHECK(reports.back().rows == kBatches * kBatchRows);
  CHECK(reports.back().bytes == kBatches * kBatchBytes);
  CHECK(reports.back().total_rows == -1);
}

}  // namespace

TEST_CASE("the SDK reports rows and Arrow bytes for a plugin that does not report itself") {
  Registry registry({.plugin_dirs = {std::filesystem::path(MAGEIO_TEST_PLUGIN_DIR) / "memory"},
                     .use_environment = false,
                     .use_default_dirs = false});
  auto host = std::make_shared<HostCallbacks>();
  std::vector<Report> reports;
  host->on_progress = [&](int64_t rows, int64_t bytes, int64_t total) { reports.push_back({rows, bytes, total}); };
  auto connector = registry.find("memory")->open({}, host);

  test::OwnedStream stream(input());
  CHECK(connector->export_data({.table = "t"}, stream.get()) == kBatches * kBatchRows);
  check_reports(reports);

  reports.clear();
  auto reader = connector->load({.table = "t", .batch_rows = kBatchRows});
  sdk::OwnedArray batch;
  while (reader.next(batch)) {
  }
  check_reports(reports);
}
