// Progress for every plugin without code of its own: the SDK counts the rows and Arrow buffer bytes
// (buffer_bytes) of each batch a load hands out or an export reads, and tells the host through
// MageioHostServices.progress. A plugin that reports for itself (Host::progress) knows better --
// source-side bytes, a total -- so the meter stays quiet for the rest of that operation.
#pragma once

#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/connector.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace mageio::sdk::detail {

class ProgressMeter {
 public:
  /// Starts an operation: counts from zero and forgets whether the plugin reported before.
  explicit ProgressMeter(const Host& host);

  /// Counts one batch; reports when the last report is old enough (the first batch always).
  void add(const ArrowArray& batch, const Schema& schema, int64_t total_rows = -1);
  /// The last report, whatever its age, so the host ends on the exact count. Once only.
  void finish(int64_t total_rows = -1);

 private:
  void report(int64_t total_rows);
  bool plugin_reports() const { return host_.plugin_reported_->load(std::memory_order_relaxed); }

  Host host_;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  bool finished_ = false;
  std::chrono::steady_clock::time_point last_report_{};
};

/// `source` with a meter counting what it yields (total_rows from the source), for a load's stream.
std::unique_ptr<BatchSource> metered(std::unique_ptr<BatchSource> source, ProgressMeter meter);

}  // namespace mageio::sdk::detail
