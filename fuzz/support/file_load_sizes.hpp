// What the CSV and JSON Lines targets share: one fuzz byte chooses how a file load is sized and read.
#pragma once

#include "file_options.hpp"

#include <cstddef>
#include <cstdint>

namespace mageio::fuzz {

/// Bits 0-1: rows used for inference (1-4); 2-4: rows per batch (1-8); 5: a limit of three batches;
/// 6-7: the read chunk (4 to 256 bytes), so records and multi-byte characters cross read boundaries.
inline void apply_load_sizes(file::LoadSettings& settings, uint8_t sizes) {
  constexpr size_t kChunkBytes[] = {4, 7, 16, 256};
  settings.infer_rows = 1 + (sizes & 3);
  settings.batch_rows = 1 + ((sizes >> 2) & 7);
  if (sizes & 32) settings.limit = settings.batch_rows * 3;
  settings.read_chunk_bytes = kChunkBytes[sizes >> 6];
}

}  // namespace mageio::fuzz
