// Staged exports (ABI 1.1, MAGEIO_CAP_STAGED_EXPORT): several writers fill one staging table in
// parallel (each with its own binary COPY, in its own transaction, on its own connection); the
// staging table is put in place in one transaction at the end.
//
// The stage is an ordinary table named mageio_stage_<backend pid>_<random> in the target's schema,
// committed at begin so that writers on other connections see it: UNLOGGED when its rows will be
// INSERTed into an existing table (append; nothing of it needs to survive a crash), logged when it
// may become the table itself. Finishing, under the export lock of the target (pg_export.cpp):
//   fail     the target must still not exist; the stage is renamed to it.
//   replace  the target keeps its identity (grants, indexes, dependent views) when it has exactly the
//            stage's columns: TRUNCATE + INSERT ... SELECT; otherwise DROP + rename. No target: rename.
//   append   INSERT INTO target (columns) SELECT ... FROM stage (the server casts what the writers could
//            not write in the target's own type); no target: rename.
// With one_writer_possible, a stage that would not become the table (append into an existing table,
// replace of a table of the same shape: every row written twice, into the stage and then the table)
// is refused (NOT_IMPLEMENTED) so that the host writes with one export: measured 2.7 s staged vs
// 1.3 s with one writer for 2M rows on 2 cores.
// Discarding, or any failure while finishing, drops the stage (and the schema the begin created for
// it, when it is still empty). A stage whose host died before finishing stays; its name says what it
// is, and `DROP TABLE` removes it.
#pragma once

#include "pg_connection.hpp"

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/requests.hpp>

#include <string>

namespace mageio::postgres {

/// Creates the stage for rows of `fields` bound for `request`'s target; returns its descriptor.
std::string begin_stage(ConnectionPool& pool, const sdk::StageRequest& request, const sdk::Schema& fields);
/// Adds every row of `input` to the stage in one COPY, all or nothing.
int64_t write_stage(ConnectionPool& pool, const std::string& descriptor, sdk::StreamReader& input);
/// Puts the stage in place (commit) or drops it; see above.
int64_t finish_stage(ConnectionPool& pool, const std::string& descriptor, bool commit, int64_t expected_rows);

}  // namespace mageio::postgres
