// Partitioned, parallel copies: N readers, N writers into one stage, one swap (see partitioned_copy.hpp).
#include <mageio/core/partitioned_copy.hpp>

#include "partition_support.hpp"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

namespace mageio {
namespace {

void log_line(Connector& connector, int32_t level, const std::string& message) {
  if (connector.callbacks().on_log) connector.callbacks().on_log(level, message);
}

bool wants_partitions(const PartitionOptions& plan) {
  return plan.partitions > 1 || !plan.partition_on.empty() || plan.lower_bound || plan.upper_bound;
}

std::string described(const ExportOptions& options) {
  if (!options.path.empty()) return options.path;
  return options.schema.empty() ? options.table : options.schema + "." + options.table;
}

void say_one_writer(Connector& destination, const std::string& because) {
  log_line(destination, MAGEIO_LOG_INFO, "the partitions feed one writer (" + because + "); the export stays atomic");
}

// The partitions of a plan, each read on its own connector and written by its own writer.
class PartitionPairs {
 public:
  PartitionPairs(CopyConnectors& c, std::vector<std::string> descriptors)
      : descriptors_(std::move(descriptors)), readers_(descriptors_.size()), rows_(descriptors_.size(), 0) {
    for (size_t i = 0; i < descriptors_.size(); ++i) sources_.push_back(c.open_source());
    if (c.source->callbacks().on_progress) {
      auto sum = std::make_shared<detail::ProgressSum>(c.source->callbacks().on_progress, descriptors_.size());
      for (size_t i = 0; i < sources_.size(); ++i)
        sources_[i]->callbacks().on_progress = [sum, i](int64_t rows, int64_t bytes, int64_t) {
          sum->update(i, rows, bytes);
        };
    }
  }

  /// Partition 0's stream, opened now: its schema is the stage's.
  BatchReader& first_partition() {
    if (!readers_[0]) {
      readers_[0].emplace(sources_[0]->load_partition(descriptors_[0]));
      columns_ = readers_[0]->schema();  // kept: partition 0's reader goes as soon as it is written
    }
    return *readers_[0];
  }

  /// Reads the partitions into one stream instead (for one writer), keeping `planner` alive with it.
  BatchReader as_one_stream(std::unique_ptr<Connector> planner, const PartitionedLoadOptions& options) {
    readers_.clear();  // partition 0 is read again by the merge
    return load_planned_partitions(std::move(planner), std::move(sources_), std::move(descriptors_), options);
  }

  /// Writes every partition into `stage` in parallel, each with a writer from `open_writer`; rethrows
  /// the first failure (naming its partition) after every thread has ended. Returns the rows written.
  /// A cancel asked of a connector in `watched` (the host's: planner, destination) stops every writer.
  int64_t write_all(const std::string& stage, const std::function<std::unique_ptr<Connector>()>& open_writer,
                    const std::vector<Connector*>& watched) {
    for (size_t i = 0; i < descriptors_.size(); ++i) writers_.push_back(open_writer());
    {
      std::vector<std::thread> threads;
      for (size_t i = 0; i < descriptors_.size(); ++i) threads.emplace_back([this, i, &stage] { write(i, stage); });
      wait_for_writers(watched);
      for (auto& thread : threads) thread.join();
    }
    if (error_) std::rethrow_exception(error_);
    int64_t total = 0;
    for (int64_t rows : rows_) total += rows;
    return total;
  }

 private:
  void write(size_t index, const std::string& stage) {
    try {
      if (!readers_[index]) readers_[index].emplace(sources_[index]->load_partition(descriptors_[index]));
      if (!detail::same_columns(readers_[index]->schema(), columns_))
        throw sdk::Error(MAGEIO_STATUS_INTERNAL,
                         "partition " + std::to_string(index + 1) + " has other columns or types than partition 1");
      rows_[index] = writers_[index]->stage_write(stage, *readers_[index]);
      readers_[index].reset();
    } catch (...) {
      fail(index);
    }
    std::lock_guard lock(mutex_);
    ++finished_;
    changed_.notify_all();
  }

  // Until every writer has ended; passes a cancel of a watched connector on to all of them.
  void wait_for_writers(const std::vector<Connector*>& watched) {
    std::unique_lock lock(mutex_);
    bool passed_on = false;
    while (finished_ < descriptors_.size()) {
      changed_.wait_for(lock, std::chrono::milliseconds(100));
      if (passed_on) continue;
      for (Connector* connector : watched)
        if (connector->callbacks().cancel_requested.load()) passed_on = true;
      if (passed_on) {
        for (auto& connector : sources_) connector->callbacks().cancel_requested = true;
        for (auto& connector : writers_) connector->callbacks().cancel_requested = true;
      }
    }
  }

  // The first failure wins (a partition cancelled after it is a consequence); the others stop at their
  // next batch.
  void fail(size_t index) {
    std::exception_ptr error = detail::error_of_partition(index, descriptors_.size());
    {
      std::lock_guard lock(mutex_);
      if (error_) return;
      error_ = error;
    }
    for (auto& connector : sources_) connector->callbacks().cancel_requested = true;
    for (auto& connector : writers_) connector->callbacks().cancel_requested = true;
  }

  std::vector<std::string> descriptors_;
  std::vector<std::unique_ptr<Connector>> sources_;
  std::vector<std::unique_ptr<Connector>> writers_;
  std::vector<std::optional<BatchReader>> readers_;
  sdk::Schema columns_;  // partition 0's, which every partition must have
  std::vector<int64_t> rows_;
  std::mutex mutex_;
  std::condition_variable changed_;
  size_t finished_ = 0;  // writers that have ended
  std::exception_ptr error_;
};

// The schema of a reader's stream, asked of the stream again (the Arrow stream interface allows it).
void read_schema(BatchReader& reader, sdk::OwnedSchema& out) {
  ArrowArrayStream* stream = reader.stream();
  if (stream->get_schema(stream, &out.schema) != 0 || out.schema.release == nullptr)
    throw sdk::Error(MAGEIO_STATUS_INTERNAL, "partition 1's stream gave no schema the second time it was asked");
}

// Writes into a stage when the destination agrees that it is worth it; otherwise one writer.
int64_t copy_planned(CopyConnectors& c, std::vector<std::string> descriptors, const PartitionedLoadOptions& load,
                     const ExportOptions& options) {
  PartitionPairs pairs(c, std::move(descriptors));
  std::string stage;
  {
    sdk::OwnedSchema schema;
    read_schema(pairs.first_partition(), schema);
    try {
      stage = c.destination->stage_begin(options, schema.schema, /*one_writer_possible=*/true);
    } catch (const sdk::Error& e) {
      if (e.status() != MAGEIO_STATUS_NOT_IMPLEMENTED) throw;
      say_one_writer(*c.destination, e.what());
      BatchReader reader = pairs.as_one_stream(std::move(c.source), load);
      return c.destination->export_data(options, reader);
    }
  }
  int64_t written = 0;
  try {
    written = pairs.write_all(stage, c.open_destination, {c.source.get(), c.destination.get()});
  } catch (const sdk::Error& e) {
    try {
      c.destination->stage_finish(stage, false);
    } catch (const std::exception& cleanup) {
      log_line(*c.destination, MAGEIO_LOG_WARNING, std::string("the stage could not be removed: ") + cleanup.what());
    }
    throw sdk::Error(e.status(), std::string(e.what()) + "; " + described(options) + " was left as it was",
                     e.sqlstate(), e.vendor_code());
  }
  return c.destination->stage_finish(stage, true, written);
}

}  // namespace

int64_t partitioned_copy(CopyConnectors c, const PartitionedLoadOptions& load, const ExportOptions& options) {
  const PartitionOptions& plan = load.plan;
  if (!wants_partitions(plan) || !c.source->can_partition()) {
    BatchReader reader = partitioned_load(std::move(c.source), c.open_source, load);
    return c.destination->export_data(options, reader);
  }
  std::string one_writer_because =
      options.unique_constraints.empty() ? c.destination->stage_obstacle() : "an upsert is written by one export";
  if (!one_writer_because.empty()) {
    say_one_writer(*c.destination, one_writer_because);
    BatchReader reader = partitioned_load(std::move(c.source), c.open_source, load);
    return c.destination->export_data(options, reader);
  }
  std::vector<std::string> descriptors = c.source->plan_partitions(plan);
  if (descriptors.size() == 1) {
    BatchReader reader = c.source->load_partition(descriptors[0]);
    return c.destination->export_data(options, reader);
  }
  return copy_planned(c, std::move(descriptors), load, options);
}

}  // namespace mageio
