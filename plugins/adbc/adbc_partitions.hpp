// Partitioned loads (ABI 1.1) through ADBC: plan_partitions runs the load with
// AdbcStatementExecutePartitions and puts the driver's opaque partitions (hex-encoded) into descriptors;
// load_partition reads them with AdbcConnectionReadPartition on its own connection (the same config). A
// driver that answers NOT_IMPLEMENTED (sqlite, postgresql), a load with a limit, or a request with
// partition_on (the bridge splits only as the driver does) plans one partition: the plain query, with a
// warning. When the driver gives more partitions than asked, several go into one descriptor and are read
// one after the other. Descriptors hold no secret: the SQL or the driver's partition bytes, and the
// driver library (so another driver's descriptor is refused).
#pragma once

#include "adbc_session.hpp"

#include <mageio/sdk/partitions.hpp>

#include <memory>
#include <string>
#include <vector>

namespace mageio::adbc {

std::vector<std::string> plan_partitions(const std::shared_ptr<Session>& session, const sdk::PlanRequest& request,
                                         const std::string& sql);
std::unique_ptr<sdk::BatchSource> load_partition(const std::shared_ptr<Session>& session,
                                                 const std::string& descriptor);

}  // namespace mageio::adbc
