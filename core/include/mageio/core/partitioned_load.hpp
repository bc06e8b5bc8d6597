// Partitioned, parallel loads (ABI 1.1): plan a load on one connector, read each partition on its own
// connector in its own thread, and hand the batches out as one stream.
//
//   auto planner = open_connector(registry, "postgres", profile);
//   BatchReader reader = partitioned_load(std::move(planner),
//                                         [&] { return open_connector(registry, "postgres", profile); },
//                                         {.plan = {.load = {.table = "events"}, .partitions = 4}});
//   while (reader.next(batch)) { ... }
#pragma once

#include <mageio/core/connector.hpp>

#include <functional>
#include <memory>

namespace mageio {

struct PartitionedLoadOptions {
  PartitionOptions plan;
  /// false: batches in partition order (partition 0's, then 1's ...; within a partition in the
  /// plugin's order), so the output is the same as reading the partitions one after the other.
  /// true: batches as they arrive from any partition (faster when partitions are uneven).
  bool unordered = false;
  /// Batches each partition may have read ahead of the consumer: memory is bounded per partition by
  /// this many batches plus the one the plugin is building.
  int queue_batches = 2;
};

/// Plans `options.plan` on `planner`, opens one connector per partition with `open_partition_connector`
/// (called on this thread, before any partition starts), and reads the partitions in parallel threads.
/// The reader keeps the planner (and whatever consistent state the plan holds in it, e.g. an exported
/// snapshot) and every partition connector alive until it is destroyed; destroying it early stops the
/// partitions (cancels them) and joins the threads.
///
/// When the plugin cannot partition (a 1.0 plugin, no partitions capability) and more than one
/// partition was asked for, the load is one stream on `planner` and a warning goes to its on_log; an
/// isolated plugin refuses partitions with NOT_IMPLEMENTED. With options.plan.partitions == 1 the load
/// is one plain stream. A partition's failure is the stream's error (the other partitions are stopped);
/// partitions whose schemas differ are an error.
BatchReader partitioned_load(std::unique_ptr<Connector> planner,
                             const std::function<std::unique_ptr<Connector>()>& open_partition_connector,
                             const PartitionedLoadOptions& options);

/// The reading half of partitioned_load, for a host that planned already: reads `descriptors[i]` on
/// `connectors[i]` in parallel threads as one stream, keeping `planner` (the plan's consistent state)
/// alive as long as the reader. Only options.unordered and options.queue_batches are used.
BatchReader load_planned_partitions(std::unique_ptr<Connector> planner,
                                    std::vector<std::unique_ptr<Connector>> connectors,
                                    std::vector<std::string> descriptors, const PartitionedLoadOptions& options);

}  // namespace mageio
