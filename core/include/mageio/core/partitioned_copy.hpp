// Partitioned, parallel copies: a load read in partitions on N source connectors and written by N
// writers into one staged export of the destination, put in place once, only when every partition
// succeeded.
//
//   int64_t rows = partitioned_copy({.source = std::move(planner), .open_source = open_postgres,
//                                    .destination = std::move(db), .open_destination = open_mysql},
//                                   {.plan = {.load = {.table = "events"}, .partitions = 4}},
//                                   {.table = "events", .if_exists = IfExists::Replace});
#pragma once

#include <mageio/core/connector.hpp>
#include <mageio/core/partitioned_load.hpp>

#include <functional>
#include <memory>

namespace mageio {

struct CopyConnectors {
  /// Plans the load; holds the plan's consistent state (an exported snapshot) until the copy ends.
  std::unique_ptr<Connector> source;
  /// Opens one more source connector (one per partition), on this thread.
  std::function<std::unique_ptr<Connector>()> open_source;
  /// Begins and finishes the export.
  std::unique_ptr<Connector> destination;
  /// Opens one more destination connector (one writer per partition), on this thread.
  std::function<std::unique_ptr<Connector>()> open_destination;
};

/// Copies the load `load.plan` into `options`' target; returns the rows written.
///
/// When the source plans more than one partition and the destination takes parallel writers
/// (Connector::can_stage: MAGEIO_CAP_STAGED_EXPORT, in process, no upsert), every partition is read on
/// its own source connector and written by its own destination connector, in parallel threads, into
/// one stage; the stage is put in place (as one export with `options` would) only when every partition
/// succeeded and the stage holds the rows the writers reported. A failing partition stops the others;
/// the stage is removed and the target is exactly as it was; the error names the partition.
///
/// Otherwise -- the destination cannot stage, or says one writer is faster here (postgres: appending
/// to, or replacing a table of the same shape, which a stage would write twice) -- the partitions (or
/// the one stream) feed one export on `destination`, which keeps it atomic; a log line on the
/// destination's on_log says why there is one writer.
int64_t partitioned_copy(CopyConnectors connectors, const PartitionedLoadOptions& load, const ExportOptions& options);

}  // namespace mageio
