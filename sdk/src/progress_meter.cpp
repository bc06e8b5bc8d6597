#include "progress_meter.hpp"

#include <mageio/sdk/arrow_reader.hpp>

namespace mageio::sdk::detail {
namespace {

// Hosts redraw a few times a second; reporting more often only costs the host's callback. Reading the
// steady clock once per batch is the whole price of the throttle.
constexpr auto kReportInterval = std::chrono::milliseconds(100);

class MeteredSource : public BatchSource {
 public:
  MeteredSource(std::unique_ptr<BatchSource> source, ProgressMeter meter)
      : source_(std::move(source)), meter_(std::move(meter)) {}

  const Schema& schema() const override { return source_->schema(); }
  int64_t total_rows() const override { return source_->total_rows(); }

  bool next(ArrowArray* out) override {
    if (!source_->next(out)) {
      meter_.finish(source_->total_rows());
      return false;
    }
    meter_.add(*out, source_->schema(), source_->total_rows());
    return true;
  }

 private:
  std::unique_ptr<BatchSource> source_;
  ProgressMeter meter_;
};

}  // namespace

ProgressMeter::ProgressMeter(const Host& host) : host_(host) {
  host_.plugin_reported_->store(false, std::memory_order_relaxed);
}

void ProgressMeter::add(const ArrowArray& batch, const Schema& schema, int64_t total_rows) {
  rows_ += batch.length;
  bytes_ += buffer_bytes(batch, schema);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_report_ < kReportInterval) return;
  last_report_ = now;
  report(total_rows);
}

void ProgressMeter::finish(int64_t total_rows) {
  if (finished_) return;
  finished_ = true;
  report(total_rows);
}

void ProgressMeter::report(int64_t total_rows) {
  if (plugin_reports()) return;
  // Straight to the services: Host::progress would mark the report as the plugin's own.
  if (host_.services_.progress != nullptr)
    host_.services_.progress(host_.services_.host_data, rows_, bytes_, total_rows);
}

std::unique_ptr<BatchSource> metered(std::unique_ptr<BatchSource> source, ProgressMeter meter) {
  return std::make_unique<MeteredSource>(std::move(source), std::move(meter));
}

}  // namespace mageio::sdk::detail
