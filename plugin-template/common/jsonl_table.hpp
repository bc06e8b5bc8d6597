// The storage this template uses: a table is one JSON Lines file. Replace it with your backend's client;
// nothing outside this file and its .cpp knows the format.
//
// File format (UTF-8, one JSON value per line):
//   line 1   {"columns":[{"name":"id","type":"int64"},{"name":"note","type":"utf8"}]}
//   then     one object per row: {"id":1,"note":"hello"}; a key that is missing is null
// Values: bool and numbers as JSON; NaN and infinities as the strings "NaN", "Infinity", "-Infinity";
// decimal, date, timestamp and time as strings in the canonical text of <mageio/sdk/values.hpp>; binary as
// a "\x..." hex string; strings as strings (they must be valid UTF-8).
//
// Since the first line records every column's type, every type survives export then load exactly.
#pragma once

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/atomic_file.hpp>
#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/connector.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace jsonl_table {

/// The type a column is stored as: the types the SDK's builders write (date64 -> date32, time32 and other
/// time units -> time64[us], timestamps of any unit -> timestamp[us] with the same time zone).
mageio::sdk::DataType storable_type(const mageio::sdk::DataType& type);

/// `schema` with every type replaced by its storable type.
mageio::sdk::Schema storable_schema(const mageio::sdk::Schema& schema);

/// Throws Error(INVALID_ARGUMENT) naming `what` unless the schema can be stored: at least one column,
/// names non-empty, valid UTF-8 and unique.
void check_schema(const mageio::sdk::Schema& schema, const std::string& what);

/// A file name for a table name: bytes other than A-Z a-z 0-9 _ - become %XX, so every name maps to its own
/// file and none can leave the directory ("../x" -> "%2E%2E%2Fx"). This is this backend's way of quoting
/// identifiers. Throws Error(INVALID_ARGUMENT) when the name is empty or too long for a file name.
std::string file_name_for(std::string_view table);

/// Whether `path` is an existing regular file (a symbolic link to one counts).
bool is_file(const std::string& path);

/// The columns of a table file (its first line). Throws NOT_FOUND when the file is missing and
/// INVALID_ARGUMENT when it is not a table file.
mageio::sdk::Schema read_schema(const std::string& file);

/// A batch source over the rows of a table file: at most `limit` rows, batches of at most `batch_rows`
/// rows (and about 16 MiB). Checks for cancellation and reports progress once per batch.
std::unique_ptr<mageio::sdk::BatchSource> open_rows(const std::string& file, std::optional<int64_t> limit,
                                                    int64_t batch_rows, const mageio::sdk::Host& host);

/// Writes the first line of a table file for `schema`.
void write_header(mageio::sdk::AtomicFile& out, const mageio::sdk::Schema& schema);

/// Copies the rows of an existing table file (everything after its first line) to `out` unchanged.
void copy_rows(const std::string& file, mageio::sdk::AtomicFile& out, const mageio::sdk::Host& host);

/// Writes every row of `input` to `out`, the input's columns by name (a column the input lacks is null).
/// Reads the stream to its end; checks for cancellation and reports progress once per batch. Returns the
/// number of rows written. Throws INVALID_ARGUMENT for a string that is not UTF-8.
int64_t write_rows(mageio::sdk::AtomicFile& out, mageio::sdk::StreamReader& input, const mageio::sdk::Host& host);

/// Rewrites the rows of `file` into `out` with column `column` renamed to `new_name`, or dropped when
/// `new_name` is empty.
void rewrite_rows(const std::string& file, mageio::sdk::AtomicFile& out, const std::string& column,
                  const std::string& new_name, const mageio::sdk::Host& host);

}  // namespace jsonl_table
