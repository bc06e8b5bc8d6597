// The request options of the file plugin, parsed and checked (unknown options are an error).
//
// Load and export:
//   "format"      "csv" | "tsv" | "jsonl" (alias "ndjson"). Default: from the extension -- .csv; .tsv and
//                 .tab (tab-delimited CSV); .jsonl and .ndjson. Required for the path "-", which is
//                 standard input (load) or standard output (export: written as it goes, so not atomic,
//                 and if_exists does not apply).
//   "delimiter"   CSV only: one ASCII character ("\t" or "tab" for a tab). Default: tab for .tsv/.tab and
//                 format "tsv", otherwise the FILE_DELIMITER config key (default ",").
//   "header"      CSV only: the first row names the columns (load) / write a header row (export).
//                 Default true. Without a header, columns are named column_1, column_2, ...
//   "null_string" CSV only: the text of a null. Default: none, and then an empty unquoted field is null
//                 while a quoted empty field ("") is the empty string. When set, an unquoted field equal
//                 to it is null (quoted, it is that text), and an empty unquoted field is the empty string
//                 in text columns (null in others, where it has no other meaning).
// Load only:
//   "columns"     {"name": "logical type"} per-column types that replace inference (mageio_abi.h names,
//                 e.g. "utf8", "decimal128(12, 2)", "timestamp[us, UTC]"). For JSON Lines a key that is
//                 not in the inference sample is added as a column.
//   "infer_rows"  rows sampled to infer types (default 10000; the sample also stops at 64 MiB).
#pragma once

#include "input_file.hpp"
#include "planned_schema.hpp"

#include <mageio/sdk/requests.hpp>
#include <mageio/sdk/types.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mageio::file {

enum class Format { Csv, Jsonl };

constexpr int64_t kDefaultInferRows = 10000;

struct ColumnOverride {
  std::string name;
  sdk::DataType type;
};

struct CsvSettings {
  char delimiter = ',';
  bool header = true;
  std::optional<std::string> null_string;
};

/// The path that means standard input (load) or standard output (export).
constexpr const char* kStdioPath = "-";

struct LoadSettings {
  std::string path;
  std::string display;  // the path in messages ("<stdin>" for "-")
  Format format = Format::Csv;
  CsvSettings csv;
  std::vector<ColumnOverride> columns;
  int64_t infer_rows = kDefaultInferRows;
  std::optional<int64_t> limit;
  int64_t batch_rows = 0;
  // The size of one read (at least 4 bytes, so a UTF-8 byte order mark is never split). Only the fuzz
  // targets make it small, so that records and lines cross read boundaries in inputs of a few bytes.
  size_t read_chunk_bytes = kReadChunkBytes;
  // A partition of a planned load (file_partitions.hpp): only the slice's bytes are read, the first of
  // them on line first_line; with `planned`, the plan's schema replaces inference.
  std::optional<FileSlice> slice;
  int64_t first_line = 1;
  std::shared_ptr<const PlannedSchema> planned;

  /// How many rows the next batch may hold after `emitted` rows: batch_rows, or what is left of the
  /// limit; 0 when the limit has been reached.
  int64_t rows_for_next_batch(int64_t emitted) const {
    if (!limit) return batch_rows;
    return std::max<int64_t>(0, std::min(batch_rows, *limit - emitted));
  }
};

struct ExportSettings {
  std::string path;
  Format format = Format::Csv;
  CsvSettings csv;
  sdk::IfExists if_exists = sdk::IfExists::Fail;
};

/// Parses a delimiter ("," ";" "|" "\t" "tab" ...); `what` names the option or key in errors.
char parse_delimiter(const std::string& value, const std::string& what);

/// The target path, or INVALID_ARGUMENT when the request names a table (the file plugin takes --path).
std::string require_path(const sdk::Target& target);

LoadSettings load_settings(const sdk::LoadRequest& request, char default_delimiter);
ExportSettings export_settings(const sdk::ExportRequest& request, char default_delimiter);

}  // namespace mageio::file
