// Loading a JSON Lines file: one JSON object per line, read line by line in kReadChunkBytes chunks.
//
// Each line is parsed with Boost.JSON's SAX parser (basic_parser) rather than its DOM: Boost 1.81's DOM
// rounds some doubles off by one ulp, while the SAX handler sees every number's text and converts it
// exactly (std::from_chars).
//
// Columns are the keys in first-seen order over the inference sample (infer_rows non-blank lines, at
// most 64 MiB); a key missing from a line is null there. Types from the JSON values in the sample:
//   booleans -> bool;  integers -> int64 (uint64 when one exceeds int64 and none is negative);
//   numbers with a fraction or exponent (alone or mixed with integers) -> float64 (the strings "NaN",
//   "Infinity", "-Infinity", which the exporter writes for non-finite floats, count as numbers);
//   strings -> date32 / timestamp[us] / timestamp[us, UTC] when every one has that form (the exporter
//   writes dates and timestamps as such strings), otherwise utf8;
//   nested objects and arrays -> utf8 holding their JSON text;  only nulls -> utf8.
// A key with values of different JSON kinds in the sample (say numbers and strings) is an error that
// suggests options.columns. Later lines: a key not in the sample, a value of the wrong kind, a line
// that is not one object, invalid JSON or UTF-8 are errors naming the file, line and key. Blank lines
// are skipped.
//
// With a type set in options.columns a key accepts any value that converts: strings are parsed as in
// CSV (e.g. "12.50" into decimal128(12, 2)), numbers keep their exact text (decimal), and a utf8 column
// takes any value, non-strings as their JSON text.
#pragma once

#include "file_options.hpp"

#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/connector.hpp>

#include <memory>

namespace mageio::file {

std::unique_ptr<sdk::BatchSource> open_jsonl_source(const LoadSettings& settings, const sdk::Host& host);

/// The schema a single load of the file infers, for a partitioned load's plan (every partition reads
/// with it: see planned_schema.hpp).
PlannedSchema plan_jsonl(const LoadSettings& settings, const sdk::Host& host);

}  // namespace mageio::file
