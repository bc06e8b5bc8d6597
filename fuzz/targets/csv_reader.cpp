// Fuzz target: loading a CSV file with the file plugin (tokenizer, header, type inference over the
// sample, conversion of the later records into Arrow batches), then reading every value of every batch.
//
// Input: two option bytes, then the file.
//   byte 0: bits 0-1 the delimiter (, ; tab |), bit 2 no header, bits 3-4 the null string (none, "",
//           "NULL", "\N"), bits 5-7 a type override for the first column (none or one of kOverrides);
//   byte 1: infer_rows (1-4, so later records are checked against what the sample inferred) in bits 0-1,
//           rows per batch (1-8) in bits 2-4, a limit (the rows per batch times 3) when bit 5 is set,
//           the size of one read (4, 7, 16 or 256 bytes: records cross read boundaries) in bits 6-7.
// Only sdk::Error may come out of the source: it is how the plugin reports a bad file. Anything else
// (another exception, a crash, a sanitizer report, a batch that fails BatchView's checks with something
// other than sdk::Error) is a finding.
#include "file_load_sizes.hpp"
#include "fuzz_input.hpp"

#include "csv_source.hpp"

#include <mageio/sdk/error.hpp>

namespace {

constexpr char kDelimiters[] = {',', ';', '\t', '|'};
const char* const kOverrides[] = {"decimal128(12, 2)", "int64", "float64",           "date32",
                                  "timestamp[us]",     "bool",  "timestamp[us, UTC]"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mageio::fuzz::MemoryFile file;
  static const mageio::sdk::Host host;
  mageio::fuzz::FuzzInput in(data, size);
  const uint8_t options = in.byte();
  const uint8_t sizes = in.byte();

  mageio::file::LoadSettings settings;
  settings.format = mageio::file::Format::Csv;
  settings.csv.delimiter = kDelimiters[options & 3];
  settings.csv.header = (options & 4) == 0;
  switch ((options >> 3) & 3) {
    case 1: settings.csv.null_string = ""; break;
    case 2: settings.csv.null_string = "NULL"; break;
    case 3: settings.csv.null_string = "\\N"; break;
    default: break;
  }
  if (size_t pick = options >> 5; pick != 0) {
    // The first column's name when the file has no header; with one, the override may name no column,
    // which is an error the source reports.
    settings.columns.push_back({"column_1", mageio::sdk::DataType::from_name(kOverrides[pick - 1])});
  }
  mageio::fuzz::apply_load_sizes(settings, sizes);

  settings.path = file.write(in.rest());
  settings.display = "fuzz.csv";
  try {
    auto source = mageio::file::open_csv_source(settings, host);
    mageio::fuzz::drain(*source);
  } catch (const mageio::sdk::Error&) {
    // A malformed file: the plugin reports it, which is what it should do.
  }
  return 0;
}
