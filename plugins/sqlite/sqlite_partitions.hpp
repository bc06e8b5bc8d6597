// Partitioned loads (ABI 1.1): a table splits into rowid ranges; a table or query with partition_on
// splits into ranges of that column's values (integer or real). See README.md "Partitioned loads".
//
// Consistency: each partition is read on its own connection in its own read transaction; SQLite has no
// snapshot that other connections can share, so a write committed while partitions are being read may
// be seen by some partitions and not by others. Rows are never read twice or lost by the split itself:
// the first range is open below, the last open above, and rows whose partition column is NULL go with
// the first partition.
#pragma once

#include "sqlite_handle.hpp"

#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/partitions.hpp>

#include <memory>
#include <string>
#include <vector>

namespace mageio::sqlite {

std::vector<std::string> plan_partitions(const std::shared_ptr<Database>& db, const sdk::PlanRequest& request);
std::unique_ptr<sdk::BatchSource> load_partition(const std::shared_ptr<Database>& db, const std::string& descriptor);

}  // namespace mageio::sqlite
