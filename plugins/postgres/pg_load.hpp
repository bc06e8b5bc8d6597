// load: the result's columns are described first (PQprepare + PQdescribePrepared: names, type OIDs,
// typmods, without running the query), which fixes the Arrow schema; then the query runs as
//   COPY (query) TO STDOUT (FORMAT binary)
// or, when a limit is asked for or some columns need the server's text output,
//   COPY (WITH q AS (query) SELECT q.c1, q.c2::text ... FROM q AS q(c1, c2 ...) LIMIT n) TO STDOUT ...
// (columns are renamed positionally, so duplicate or odd names in the query do not matter, and a
// WITH -- unlike a subquery -- also takes INSERT/UPDATE/DELETE ... RETURNING). The stream is decoded
// batch by batch (copy_binary_reader.hpp): memory stays bounded whatever the row count.
#pragma once

#include "pg_connection.hpp"
#include "pg_types.hpp"

#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/requests.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mageio::postgres {

/// The column plans of a described statement (PQdescribePrepared result).
std::vector<ColumnPlan> plan_columns(const Result& described, bool numeric_as_text);

/// The COPY statement that streams `query` (already stripped of trailing semicolons).
std::string copy_out_statement(const std::string& query, const std::vector<ColumnPlan>& plan,
                               std::optional<int64_t> limit);

struct CopyOutOptions {
  int64_t batch_rows = 65536;
  /// When the consumer releases the stream early: true cancels the statement (load); false lets it run
  /// to the end and discards the rows (execute: an INSERT ... RETURNING must not be undone because
  /// nobody read what it returned).
  bool cancel_on_close = true;
  std::string what;  // "load of ..." for messages
  /// The COPY runs inside a transaction the load opened (a partition's snapshot): rolled back when the
  /// COPY ends or the stream is released, so the connection goes back to the pool outside it.
  bool end_transaction = false;
};

/// Starts the COPY on the leased connection and returns the source that decodes it.
std::unique_ptr<sdk::BatchSource> start_copy_out(ConnectionPool::Lease lease, const std::string& copy_statement,
                                                 std::vector<ColumnPlan> plan, CopyOutOptions options,
                                                 bool prefetch_first_batch);

/// The load operation.
std::unique_ptr<sdk::BatchSource> load_rows(ConnectionPool& pool, const sdk::LoadRequest& request);

/// Describes `query` on the leased connection and streams it (load_rows after the request is read; also
/// a partition's load). options.what names it in messages.
std::unique_ptr<sdk::BatchSource> load_query(ConnectionPool::Lease lease, const std::string& query,
                                             bool numeric_as_text, std::optional<int64_t> limit,
                                             CopyOutOptions options);

/// Rows of a PGresult in text format as utf8 columns (execute of statements COPY cannot run, e.g.
/// SHOW, EXPLAIN, FETCH, or of several statements at once).
std::unique_ptr<sdk::BatchSource> text_result_source(Result result, int64_t batch_rows);

}  // namespace mageio::postgres
