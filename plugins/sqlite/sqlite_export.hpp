// Writing: the export operation (create / replace / append, upserts), all in one transaction.
#pragma once

#include "sqlite_handle.hpp"

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/requests.hpp>

#include <cstdint>
#include <memory>

namespace mageio::sqlite {

/// What the connection's configuration says about writing.
struct ExportSettings {
  bool nan_as_null = false;  // SQLITE_NAN_AS_NULL: store a NaN as NULL instead of failing
};

/// Writes every row of `input` to request.target and returns the rows written (rows skipped by an
/// IGNORE upsert are not counted). Everything runs in one transaction: on any failure (a bad value, a
/// failing input stream, a constraint, cancellation) the database is left exactly as it was.
int64_t export_rows(const std::shared_ptr<Database>& db, const sdk::ExportRequest& request, sdk::StreamReader& input,
                    const ExportSettings& settings);

}  // namespace mageio::sqlite
