// export through ADBC bulk ingest. See README.md, "Export atomicity per driver":
//   - with transactions (the driver accepts autocommit off), every export runs in one: a failure rolls
//     back whatever it created or wrote;
//   - replace of an existing table, for drivers whose SQL we know (PostgreSQL, SQLite): the rows go to a
//     staging table, then DROP TABLE + ALTER TABLE ... RENAME in the same transaction; for others,
//     ingest mode "replace" (atomic only if the driver's database runs it in the transaction);
//   - upsert (unique_constraints) for PostgreSQL and SQLite only: a staging table, then the database's
//     own INSERT ... ON CONFLICT (keys) DO UPDATE / DO NOTHING; a table an upsert export creates gets a
//     unique index on the keys. Other drivers: NOT_IMPLEMENTED (ADBC has no upsert ingest mode).
#pragma once

#include "adbc_session.hpp"

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/requests.hpp>

#include <memory>

namespace mageio::adbc {

int64_t export_rows(const std::shared_ptr<Session>& session, const sdk::ExportRequest& request,
                    sdk::StreamReader& input);

}  // namespace mageio::adbc
