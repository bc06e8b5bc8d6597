// Reading: a BatchSource that streams the rows of a prepared statement as Arrow batches, and the load
// operation built on it.
#pragma once

#include "sqlite_handle.hpp"

#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/requests.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mageio::sqlite {

/// Streams the rows of `statement` (which must return columns) in batches of at most `batch_rows` rows
/// and about kDefaultBatchBytes, stopping after `limit` rows when given. The first batch is read at
/// construction: it decides the types of columns without a usable declared type (sqlite_types.hpp), and
/// it makes a statement with side effects (INSERT ... RETURNING) run even if nobody reads the stream.
/// `what` names the statement in errors ("query failed", "cannot read table main.t").
std::unique_ptr<sdk::BatchSource> make_row_source(Statement statement, int64_t batch_rows, std::optional<int64_t> limit,
                                                  std::string what);

/// The load operation: {"query"} or {"table", "schema"} with an optional limit.
std::unique_ptr<sdk::BatchSource> load_rows(const std::shared_ptr<Database>& db, const sdk::LoadRequest& request);

}  // namespace mageio::sqlite
