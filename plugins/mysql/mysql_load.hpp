// Reading: a forward-only (mysql_use_result) result set turned into bounded Arrow batches.
//
// Memory: Connector/C++ 1.1 reads a TYPE_FORWARD_ONLY result with mysql_use_result, one row at a time
// from the socket, so the client holds one batch (batch_rows rows or 16 MiB, whichever comes first) plus
// one row, whatever the size of the result. The connection is busy until the stream ends or is released:
// other calls on the same connector fail with a clear message meanwhile.
//
// FLOAT: MariaDB sends FLOAT values as text with 6 significant digits (0.333333343 arrives as "0.333333"),
// which loses most float32 values. Table loads therefore select FLOAT columns as `col` + 0e0 -- a DOUBLE
// whose text is exact -- and narrow it back to float32, so they are exact. Queries get what the server
// sends; write CAST(col AS DOUBLE) (or col + 0e0) in a query to read a FLOAT column exactly.
//
// "limit" is applied here, not by rewriting the query: wrapping a query as
// SELECT * FROM (<query>) t LIMIT n (what Mage does) changes results, because MariaDB and MySQL may ignore
// an ORDER BY inside a derived table, and it breaks queries whose columns share a name. Table loads get
// a real LIMIT clause. When a stream stops before the server finished sending (the limit was reached, or
// the consumer released it early), the rest is not read: the statement is stopped with KILL QUERY from a
// second connection, so releasing a stream over a huge result is quick.
//
// Load options ("options" of the request): "time_as": "time64" (default) | "utf8";
// "tinyint1_as": "bool" (default) | "int8". See mysql_types.hpp for the type mapping.
#pragma once

#include "mysql_session.hpp"
#include "mysql_types.hpp"

#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/requests.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mageio::mysql {

struct StreamSettings {
  LoadTypeOptions types;
  /// Result columns (0-based) that are FLOAT columns selected as `col` + 0e0 (a DOUBLE): loaded as float32.
  std::vector<bool> float32_columns;
  int64_t batch_rows = 65536;
  std::optional<int64_t> limit;
  std::string context = "load failed";  // prefixes error messages
};

/// Runs `sql` on a streaming statement. Returns the rows as a source when it produced a result set;
/// otherwise nullptr, with the server's affected-rows count in *affected.
std::unique_ptr<sdk::BatchSource> run_streaming(const std::shared_ptr<Session>& session, const std::string& sql,
                                                const StreamSettings& settings, int64_t* affected);

/// The load operation (query or table, limit, batch_rows, options). `where`, when not empty, is an SQL
/// condition the rows must meet (a partition's range, built by mysql_partitions.cpp from numbers only): a
/// table load gets it as its WHERE clause, a query is wrapped as a derived table and filtered.
std::unique_ptr<sdk::BatchSource> load_rows(const std::shared_ptr<Session>& session, sdk::LoadRequest request,
                                            const std::string& where = "");

/// Reads the load options of a request (and rejects unknown ones).
LoadTypeOptions read_load_options(const sdk::Options& options);

}  // namespace mageio::mysql
