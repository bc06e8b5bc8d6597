// Where a partitioned load may cut a file: one pass over it that moves each target offset forward to the
// next line end, counts the lines before every cut (so that a partition's errors name the file's real
// line numbers), and, for CSV, proves that no quoted field holds a line break (a cut after such a line
// end would land inside a record).
//
// The CSV state machine is the tokenizer's (csv_reader.hpp): a quote opens a quoted field only at the
// start of a field; inside one, a doubled quote is a quote; after the closing quote only the delimiter or
// a line end may follow. Anything the tokenizer would refuse makes the file unsplittable here, so the one
// partition reports the error exactly as a single load does.
#pragma once

#include "file_options.hpp"
#include "input_file.hpp"

#include <mageio/sdk/connector.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mageio::file {

/// A cut: the offset just past a line feed (a partition's first byte), and the physical line that
/// starts there as the reader counts lines (JSON Lines: LF; CSV: LF, CRLF or a lone CR).
struct Boundary {
  int64_t offset = 0;
  int64_t line = 1;
};

struct ScanResult {
  std::vector<Boundary> cuts;  // ascending, distinct, each strictly between 0 and the file's size
  std::string unsplittable;    // non-empty: why the file must be read as one partition
};

/// Reads `input` from its start to its end in reads of settings.read_chunk_bytes, as the file of
/// `settings` (its format and CSV delimiter). `targets`: ascending offsets to cut at or after.
ScanResult scan_boundaries(InputFile& input, const LoadSettings& settings, const std::vector<int64_t>& targets,
                           const sdk::Host& host);

}  // namespace mageio::file
