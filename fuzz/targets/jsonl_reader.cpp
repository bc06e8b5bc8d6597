// Fuzz target: loading a JSON Lines file with the file plugin (the SAX parser, type inference over the
// sample, conversion of the later lines into Arrow batches), then reading every value of every batch.
//
// Input: two option bytes, then the file.
//   byte 0: bits 0-2 a type override for the key "a" (none or one of kOverrides);
//   byte 1: infer_rows (1-4, so later lines are checked against what the sample inferred) in bits 0-1,
//           rows per batch (1-8) in bits 2-4, a limit (the rows per batch times 3) when bit 5 is set,
//           the size of one read (4, 7, 16 or 256 bytes: records cross read boundaries) in bits 6-7.
// Only sdk::Error may come out of the source: it is how the plugin reports a bad file. Anything else is
// a finding.
#include "file_load_sizes.hpp"
#include "fuzz_input.hpp"

#include "jsonl_reader.hpp"

#include <mageio/sdk/error.hpp>

namespace {

const char* const kOverrides[] = {"decimal128(12, 2)", "int64", "float64", "date32", "utf8", "bool", "uint64"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mageio::fuzz::MemoryFile file;
  static const mageio::sdk::Host host;
  mageio::fuzz::FuzzInput in(data, size);
  const uint8_t options = in.byte();
  const uint8_t sizes = in.byte();

  mageio::file::LoadSettings settings;
  settings.format = mageio::file::Format::Jsonl;
  if (size_t pick = options & 7; pick != 0)
    settings.columns.push_back({"a", mageio::sdk::DataType::from_name(kOverrides[pick - 1])});
  mageio::fuzz::apply_load_sizes(settings, sizes);

  settings.path = file.write(in.rest());
  settings.display = "fuzz.jsonl";
  try {
    auto source = mageio::file::open_jsonl_source(settings, host);
    mageio::fuzz::drain(*source);
  } catch (const mageio::sdk::Error&) {
    // A malformed file: the plugin reports it, which is what it should do.
  }
  return 0;
}
