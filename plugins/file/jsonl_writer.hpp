// Writing Arrow batches as JSON Lines: one object per row, keys in column order, every column present
// (null as null).
//
//   bool -> true/false;  integers (any width, uint64 included) -> numbers;
//   floats -> numbers in shortest round-trip form (integral values with ".0", so they read back as
//     float64); NaN, Infinity, -Infinity -> the strings "NaN", "Infinity", "-Infinity" (JSON has no
//     such numbers; the reader takes them back into float64 columns);
//   decimal -> a string ("1234.50"), to keep it exact;  binary -> a string of \x-hex;
//   date, timestamp, time -> strings in their canonical form (see values.hpp);  strings -> strings.
#pragma once

#include <mageio/sdk/atomic_file.hpp>

#include <mageio/sdk/arrow_reader.hpp>

#include <string>
#include <vector>

namespace mageio::file {

class JsonlWriter {
 public:
  JsonlWriter(sdk::AtomicFile& out, const sdk::Schema& schema);
  void write_batch(const sdk::BatchView& batch);

 private:
  sdk::AtomicFile& out_;
  const sdk::Schema& schema_;
  std::vector<std::string> keys_;  // "{"key": or ,"key":
  std::string line_;
  int64_t rows_ = 0;
};

}  // namespace mageio::file
