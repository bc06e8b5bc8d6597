// Partitioned loads (ABI 1.1) of the file plugin: one file split into byte ranges of whole lines.
//
// The plan opens the file as a single load would (so the schema and its errors are the single load's),
// then reads it once (boundary_scan.hpp) to move N-1 equally spaced offsets forward to the next line end
// and count the lines before each. A partition owns every line that starts in its range; the first
// starts at byte 0 (so it reads the header, or the first row, and a byte order mark); cuts that meet
// (fewer lines than partitions) are merged, so a plan may answer fewer partitions than asked. In
// partition order the partitions hold exactly the rows of the single load, in its order.
//
// One partition, said in a log line, when splitting is not safe or not possible: standard input or
// another file that is not regular (read once, as it comes), a request with a limit, a CSV file in
// which a quoted field holds a line break (a cut after that line end would fall inside a record) or
// whose quoting the tokenizer would refuse (the one partition reports it as a single load does).
//
// Descriptors are JSON: the load request (path and options: never a secret), the CSV delimiter, the byte
// range, the file's size and modification time at planning, the first line's number and the schema the
// plan inferred. A partition whose file's size or modification time changed since is refused
// (UNAVAILABLE, asking to plan again) rather than read at offsets that may fall inside a line.
// partition_on is refused: a file has no column ranges (NOT_FOUND for a name that is not a column,
// NOT_IMPLEMENTED otherwise).
#pragma once

#include "file_options.hpp"

#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/connector.hpp>
#include <mageio/sdk/partitions.hpp>

#include <memory>
#include <string>
#include <vector>

namespace mageio::file {

std::vector<std::string> plan_file_partitions(const sdk::PlanRequest& request, char default_delimiter,
                                              const sdk::Host& host);
std::unique_ptr<sdk::BatchSource> load_file_partition(const std::string& descriptor, char default_delimiter,
                                                      const sdk::Host& host);

/// The two halves below the plugin's entry points, for tests that make settings.read_chunk_bytes small
/// (so that cuts, line ends and quotes fall across reads). `settings` are request.load's.
std::vector<std::string> plan_file_partitions(const sdk::PlanRequest& request, const LoadSettings& settings,
                                              const sdk::Host& host);
/// The settings a descriptor loads with (open them with open_csv_source / open_jsonl_source).
LoadSettings partition_settings(const std::string& descriptor, char default_delimiter);

}  // namespace mageio::file
