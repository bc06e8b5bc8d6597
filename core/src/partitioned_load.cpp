// Partitioned, parallel loads: one thread per partition, each with its own connector and a bounded
// queue of batches; the consumer takes batches in partition order or as they come.
#include <mageio/core/partitioned_load.hpp>
#include <mageio/sdk/batch_source.hpp>

#include "partition_support.hpp"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace mageio {
namespace {

using detail::ProgressSum;
using detail::same_columns;

class PartitionMerge final : public sdk::BatchSource {
 public:
  PartitionMerge(std::unique_ptr<Connector> planner, std::vector<std::unique_ptr<Connector>> connectors,
                 std::vector<std::string> descriptors, const PartitionedLoadOptions& options)
      : planner_(std::move(planner)),
        connectors_(std::move(connectors)),
        descriptors_(std::move(descriptors)),
        unordered_(options.unordered),
        capacity_(options.queue_batches < 1 ? 1 : static_cast<size_t>(options.queue_batches)),
        lanes_(descriptors_.size()) {
    label_ = planner_->plugin().name() + " partitioned load";
    if (planner_->callbacks().on_progress) {
      progress_ = std::make_shared<ProgressSum>(planner_->callbacks().on_progress, lanes_.size());
      for (size_t i = 0; i < connectors_.size(); ++i)
        connectors_[i]->callbacks().on_progress = [sum = progress_, i](int64_t rows, int64_t bytes, int64_t) {
          sum->update(i, rows, bytes);
        };
    }
    for (size_t i = 0; i < lanes_.size(); ++i) threads_.emplace_back([this, i] { run(i); });
  }

  ~PartitionMerge() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    // A partition still reading stops at its next batch.
    for (auto& connector : connectors_) connector->callbacks().cancel_requested = true;
    for (auto& thread : threads_) thread.join();
  }

  /// Waits for partition 0's schema (the stream's), or the first failure.
  void start() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return lanes_[0].schema.has_value() || error_; });
    if (error_) std::rethrow_exception(error_);
    schema_ = *lanes_[0].schema;
  }

  const sdk::Schema& schema() const override { return schema_; }

  bool next(ArrowArray* out) override {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (error_) std::rethrow_exception(error_);
      if (unordered_) {
        bool all_done = true;
        for (size_t step = 0; step < lanes_.size(); ++step) {
          size_t index = (next_lane_ + step) % lanes_.size();
          if (!lanes_[index].queue.empty()) {
            next_lane_ = index + 1;
            return take(index, out);
          }
          all_done = all_done && lanes_[index].done;
        }
        if (all_done) return false;
      } else {
        while (current_ < lanes_.size()) {
          Lane& lane = lanes_[current_];
          if (!lane.queue.empty()) return take(current_, out);
          if (!lane.done) break;
          ++current_;
        }
        if (current_ == lanes_.size()) return false;
      }
      changed_.wait(lock);
    }
  }

 private:
  struct Lane {
    std::deque<std::unique_ptr<sdk::OwnedArray>> queue;
    std::optional<sdk::Schema> schema;
    bool checked = false;
    bool done = false;
  };

  // Called with the lock held and a batch in lanes_[index].
  bool take(size_t index, ArrowArray* out) {
    Lane& lane = lanes_[index];
    if (!lane.checked) {
      if (!same_columns(*lane.schema, schema_))
        throw sdk::Error(MAGEIO_STATUS_INTERNAL, label_ + ": partition " + std::to_string(index) +
                                                     " has other columns or types than partition 0");
      lane.checked = true;
    }
    std::unique_ptr<sdk::OwnedArray> batch = std::move(lane.queue.front());
    lane.queue.pop_front();
    *out = batch->array;
    batch->array = ArrowArray{};
    changed_.notify_all();
    return true;
  }

  void run(size_t index) {
    try {
      BatchReader reader = connectors_[index]->load_partition(descriptors_[index]);
      {
        std::lock_guard lock(mutex_);
        lanes_[index].schema = reader.schema();
      }
      changed_.notify_all();
      for (;;) {
        auto batch = std::make_unique<sdk::OwnedArray>();
        if (!reader.next(*batch)) break;
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stop_ || lanes_[index].queue.size() < capacity_; });
        if (stop_) return;
        lanes_[index].queue.push_back(std::move(batch));
        lock.unlock();
        changed_.notify_all();
      }
      {
        std::lock_guard lock(mutex_);
        lanes_[index].done = true;
      }
      changed_.notify_all();
    } catch (...) {
      fail(index);
    }
  }

  void fail(size_t index) {
    std::exception_ptr error = detail::error_of_partition(index, lanes_.size());
    {
      std::lock_guard lock(mutex_);
      // The first failure wins: a cancelled partition after it is a consequence, not the cause.
      if (!error_ && !stop_) error_ = error;
      lanes_[index].done = true;
      stop_ = true;
    }
    changed_.notify_all();
    for (auto& connector : connectors_) connector->callbacks().cancel_requested = true;
  }

  std::unique_ptr<Connector> planner_;  // holds the plan's consistent state until the end
  std::vector<std::unique_ptr<Connector>> connectors_;
  std::vector<std::string> descriptors_;
  bool unordered_;
  size_t capacity_;
  std::string label_;
  std::shared_ptr<ProgressSum> progress_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Lane> lanes_;
  std::exception_ptr error_;
  bool stop_ = false;
  size_t current_ = 0;    // ordered: the partition being handed out
  size_t next_lane_ = 0;  // unordered: where the next scan starts
  sdk::Schema schema_;
  std::vector<std::thread> threads_;  // last: joined before the rest goes
};

}  // namespace

BatchReader partitioned_load(std::unique_ptr<Connector> planner,
                             const std::function<std::unique_ptr<Connector>()>& open_partition_connector,
                             const PartitionedLoadOptions& options) {
  const PartitionOptions& plan = options.plan;
  if (plan.partitions < 1)
    throw sdk::invalid_argument("partitions must be at least 1 (got " + std::to_string(plan.partitions) + ")");
  if (plan.partitions == 1 && plan.partition_on.empty() && !plan.lower_bound && !plan.upper_bound)
    return planner->load(plan.load);
  if (!planner->has(MAGEIO_CAP_PARTITIONS)) {  // this instance's answer, not only the descriptor's
    if (!plan.partition_on.empty() || plan.lower_bound || plan.upper_bound)
      throw sdk::not_implemented("plugin " + planner->plugin().name() +
                                 " does not support partitioned loads, so it cannot range on a column (partition_on)");
    if (planner->callbacks().on_log)
      planner->callbacks().on_log(MAGEIO_LOG_WARNING,
                                  "plugin " + planner->plugin().name() + " does not support partitioned loads " +
                                      (planner->plugin().has(MAGEIO_CAP_PARTITIONS)
                                           ? std::string("on this instance")
                                           : "(ABI " + sdk::abi_version_text(planner->plugin().abi_version()) + ")") +
                                      ": reading one stream");
    return planner->load(plan.load);
  }
  std::vector<std::string> descriptors = planner->plan_partitions(plan);
  std::vector<std::unique_ptr<Connector>> connectors;
  for (size_t i = 0; i < descriptors.size(); ++i) connectors.push_back(open_partition_connector());
  return load_planned_partitions(std::move(planner), std::move(connectors), std::move(descriptors), options);
}

BatchReader load_planned_partitions(std::unique_ptr<Connector> planner,
                                    std::vector<std::unique_ptr<Connector>> connectors,
                                    std::vector<std::string> descriptors, const PartitionedLoadOptions& options) {
  if (connectors.size() != descriptors.size())
    throw sdk::Error(MAGEIO_STATUS_INTERNAL, "load_planned_partitions: one connector per descriptor is needed");
  auto merge =
      std::make_unique<PartitionMerge>(std::move(planner), std::move(connectors), std::move(descriptors), options);
  merge->start();
  ArrowArrayStream stream{};
  sdk::export_stream(std::move(merge), &stream);
  // The first failing partition's whole error (status, SQLSTATE, vendor code) reaches the reader, not
  // just the errno an Arrow stream carries.
  sdk::StreamErrorLookup lookup = [](ArrowArrayStream* failed) -> std::optional<sdk::Error> {
    MageioError error{};
    error.struct_size = sizeof error;
    const MageioStatus status = sdk::stream_error(failed, &error);
    std::optional<sdk::Error> out;
    if (status != MAGEIO_STATUS_OK)
      out = sdk::Error(status, error.message ? error.message : "(no message)",
                       std::string(error.sqlstate, strnlen(error.sqlstate, 5)), error.vendor_code);
    if (error.release) error.release(&error);
    return out;
  };
  return BatchReader(stream, nullptr, "partitioned load", std::move(lookup));
}

}  // namespace mageio
