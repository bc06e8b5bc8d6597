// Partitioned loads (ABI 1.1, MAGEIO_CAP_PARTITIONS): a table splits into ranges of its integer primary
// key (or of another single-column unique integer key); a table or a query with partition_on splits into
// ranges of that column's values (integer, DECIMAL, FLOAT or DOUBLE). See README.md "Partitioned loads".
//
// Consistency: each partition is one statement on its own connection, and InnoDB gives each statement
// its own consistent read view. MariaDB and MySQL cannot hand one snapshot to several connections
// (there is no pg_export_snapshot; START TRANSACTION WITH CONSISTENT SNAPSHOT opens a view per
// connection), so a write committed while the partitions run may be seen by some partitions and not by
// others. The split itself never reads a row twice or loses one: the first range is open below, the last
// open above, adjacent ranges share their boundary literal, and rows whose column is NULL go with the
// first partition.
//
// A descriptor holds the load request (query or table, batch_rows, load options), the column, its kind
// and the range bounds as text; load_partition re-validates every bound as a number before it becomes
// SQL, since a descriptor may come from anywhere.
#pragma once

#include "mysql_session.hpp"

#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/partitions.hpp>

#include <memory>
#include <string>
#include <vector>

namespace mageio::mysql {

std::vector<std::string> plan_partitions(const std::shared_ptr<Session>& session, const sdk::PlanRequest& request);
std::unique_ptr<sdk::BatchSource> load_partition(const std::shared_ptr<Session>& session,
                                                 const std::string& descriptor);

}  // namespace mageio::mysql
