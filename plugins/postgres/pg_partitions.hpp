// Partitioned loads (ABI 1.1, MAGEIO_CAP_PARTITIONS). See README.md "Partitioned loads".
//
// Splits:
//   * partition_on a column of a table or query whose type is smallint, integer, bigint, numeric, real,
//     double precision, date, timestamp or timestamptz: its finite minimum and maximum (or the request's
//     bounds), then equal ranges computed by the server in the column's own type; the first range is
//     open below (it also holds -infinity), the last open above (+infinity, NaN); NULLs are a partition
//     of their own, after the ranges. Bounds travel as the server's text of the value in the column's
//     type, so no value is rounded on the way.
//   * no column, a plain table: ranges of its pages, read with TID range scans
//     (ctid >= '(a,0)' AND ctid < '(b,0)', PostgreSQL 14+).
//   * anything else (a query without partition_on, a query whose plan has a LIMIT, aggregates, DISTINCT,
//     window functions, set operations or TABLESAMPLE, a view, a load with a limit, a server before 14
//     for page ranges) is one partition, said in a warning.
//
// Consistency: the planner opens a REPEATABLE READ READ ONLY transaction on a connection of its own,
// exports its snapshot (pg_export_snapshot) and, for a table, takes ACCESS SHARE on it (so no TRUNCATE,
// VACUUM FULL, CLUSTER or ALTER TABLE rewrites it under the plan); every partition starts its own
// REPEATABLE READ transaction with SET TRANSACTION SNAPSHOT, so all partitions read exactly the state
// the plan saw. That transaction stays open in the planning instance until its next plan_partitions or
// its close: a descriptor loaded after that fails UNAVAILABLE ("plan again"). A one-partition plan
// carries no snapshot and loads at any time.
#pragma once

#include "pg_connection.hpp"

#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/partitions.hpp>

#include <memory>
#include <string>
#include <vector>

namespace mageio::postgres {

struct PartitionPlan {
  std::vector<std::string> descriptors;
  /// The connection whose open transaction holds the exported snapshot the descriptors name; empty
  /// when they name none (one partition). Release it with end_plan_snapshot.
  ConnectionPool::Lease snapshot;
};

PartitionPlan plan_partitions(ConnectionPool& pool, const sdk::PlanRequest& request);

/// Ends the planning transaction (its snapshot goes) and returns the connection to the pool, or closes it.
void end_plan_snapshot(ConnectionPool::Lease& snapshot) noexcept;

std::unique_ptr<sdk::BatchSource> load_partition(ConnectionPool& pool, const std::string& descriptor);

}  // namespace mageio::postgres
