// Loading a CSV file: header, type inference over a bounded sample, then streaming conversion into
// Arrow batches.
//
// The first non-blank record is the header (or, with header=false, the first data row that fixes the
// column count). Up to infer_rows data records (and at most 64 MiB of them) are then read and kept to
// infer the types; they are emitted first, and the rest of the file is streamed record by record.
//
// Nulls: without null_string, an empty unquoted field is null and a quoted empty field ("") is the
// empty string (in non-text columns both are null). See file_options.hpp for null_string.
// Blank lines are skipped when there is more than one column (in a one-column file a blank line is a
// null, which is how such a file is written).
// Errors (INVALID_ARGUMENT, each naming the file and the physical line where the record starts): a
// record with more or fewer fields than the header, invalid UTF-8 (naming the column), a value that does
// not fit its column's type (naming the column, the value, the type and how to override it).
#pragma once

#include "file_options.hpp"

#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/connector.hpp>

#include <memory>

namespace mageio::file {

std::unique_ptr<sdk::BatchSource> open_csv_source(const LoadSettings& settings, const sdk::Host& host);

/// What a partitioned load's plan takes from opening the file as a single load would: the schema that
/// load infers, and the offset just past the header (or first row), which no partition boundary precedes.
struct CsvPlan {
  PlannedSchema schema;
  int64_t first_record_end = 0;
};
CsvPlan plan_csv(const LoadSettings& settings, const sdk::Host& host);

/// The names in the first record of a CSV file (its header), for the append check. `found` is false for
/// an empty file.
std::vector<std::string> read_csv_header(const std::string& path, char delimiter, bool& found);

}  // namespace mageio::file
