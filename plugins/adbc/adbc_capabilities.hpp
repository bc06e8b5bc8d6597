// What one adbc instance can do (ABI 1.1 instance_capabilities), derived from what its driver reports
// on the connection just opened, never assumed from the driver's name. README.md ("Capabilities") says
// how each bit is derived. Probing changes no data: it sets options on statements that never run, at
// most ingests zero rows in append mode into a table that does not exist (drivers of unknown vendors
// only), and turns autocommit off and on again.
#pragma once

#include "adbc_session.hpp"

#include <cstdint>
#include <memory>

namespace mageio::adbc {

/// The MAGEIO_CAP_* bits this session's driver supports, a subset of what AdbcConnector::info()
/// declares. Says at debug level what each missing bit was decided from.
uint64_t probe_capabilities(const std::shared_ptr<Session>& session);

}  // namespace mageio::adbc
