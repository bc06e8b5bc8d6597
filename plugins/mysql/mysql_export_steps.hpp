// The steps of an export that the one-call export (mysql_export.cpp) and the staged export
// (mysql_staged_export.cpp) share.
#pragma once

#include "mysql_catalog.hpp"
#include "mysql_export_writer.hpp"
#include "mysql_infile.hpp"
#include "mysql_session.hpp"

#include <mageio/sdk/requests.hpp>

#include <functional>
#include <memory>
#include <string>

namespace mageio::mysql {

constexpr int kTableExists = 1050;  // ER_TABLE_EXISTS_ERROR
constexpr int kNoSuchTable = 1146;  // ER_NO_SUCH_TABLE

/// Runs a cleanup statement, logging a failure instead of throwing (retried by the next operation when
/// `retry_later` and the connection is gone).
void run_quietly(Session& session, const std::string& sql, bool retry_later = false);

/// START TRANSACTION ... COMMIT around `body` (ROLLBACK on failure); a LOAD DATA connection's rows
/// (`loaded`) are committed last.
int64_t in_transaction(Session& session, const std::string& context, const std::function<int64_t()>& body,
                       std::unique_ptr<LoadConnection>* loaded = nullptr);

/// The export option "method" (auto, load_data, insert).
Method read_method(const sdk::Options& options);
/// The method a write uses: LOAD DATA when asked for or "auto" can, else INSERT; refuses what cannot work.
Method chosen_method(Session& session, Method method, bool upsert);

/// Maps the input's columns (plan.schema) onto an existing table's; for an upsert, checks its unique key.
void plan_append(Session& session, Plan& plan, const TableInfo& table, const sdk::ExportRequest& request,
                 const std::string& described);

/// INSERT ... SELECT the staged rows (plan `staged`) into the existing table, in one transaction.
void append_staged_rows(Session& session, const Plan& staged, const std::string& schema, const std::string& table,
                        const sdk::ExportRequest& request, const std::string& described);

/// One atomic RENAME TABLE target TO old, stage TO target; then drops the old copy (a warning if it cannot).
void swap_in(Session& session, const Plan& plan, const std::string& schema, const std::string& qualified_target,
             const std::string& table, const std::string& described);

}  // namespace mageio::mysql
