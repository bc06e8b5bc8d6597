// Staged exports (ABI 1.1, MAGEIO_CAP_STAGED_EXPORT): several writers fill one staging table in parallel
// (each with its own LOAD DATA or INSERTs, in its own transaction, on its own connection); the stage is
// put in place at the end.
//
// The stage is a side table of the target, <table>__mageio_stage_c<connection id>_<hex>, created at
// begin from the rows' schema (as export creates a table) by the beginning connection, which holds its
// export lock until it closes: an export to the same table cleans up only stages whose connection is
// gone (mysql_side_tables.hpp). Finishing:
//   fail     RENAME TABLE stage TO target (fails, changing nothing, if the target appeared meanwhile).
//   replace  one atomic RENAME TABLE target TO old, stage TO target; then DROP old (as export does).
//   append   INSERT INTO target (columns) SELECT ... FROM stage in one transaction, warnings as errors;
//            (every row is written twice).
// With one_writer_possible every begin is refused (NOT_IMPLEMENTED): one writer is faster (measured).
// Discarding, or any failure while finishing, drops the stage.
#pragma once

#include "mysql_session.hpp"

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/requests.hpp>

#include <memory>
#include <string>

namespace mageio::mysql {

std::string begin_stage(const std::shared_ptr<Session>& session, const sdk::StageRequest& request,
                        const sdk::Schema& fields);
int64_t write_stage(const std::shared_ptr<Session>& session, const std::string& descriptor, sdk::StreamReader& input);
int64_t finish_stage(const std::shared_ptr<Session>& session, const std::string& descriptor, bool commit,
                     int64_t expected_rows);

}  // namespace mageio::mysql
