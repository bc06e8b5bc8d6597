// Helpers the fuzz targets share: taking option bytes off the front of an input, a file in memory for
// readers that take a path, and a consumer that reads every value of the batches a source produces.
#pragma once

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/batch_source.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace mageio::fuzz {

/// The fuzzer's bytes, consumed from the front: a few option bytes, then the rest as the document.
/// Past the end, bytes read as 0, so every input is usable.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  /// A value in [0, bound).
  size_t below(size_t bound) { return bound == 0 ? 0 : byte() % bound; }
  template <typename T>
  T scalar() {
    T value{};
    for (size_t i = 0; i < sizeof(T); ++i) reinterpret_cast<uint8_t*>(&value)[i] = byte();
    return value;
  }
  std::string_view rest() {
    std::string_view text(reinterpret_cast<const char*>(data_ + pos_), size_ - pos_);
    pos_ = size_;
    return text;
  }
  size_t remaining() const { return size_ - pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

/// A regular file that lives in memory (memfd), rewritten for every input: readers that open a path get
/// /proc/self/fd/N, with no disk I/O and nothing left behind.
class MemoryFile {
 public:
  MemoryFile() : fd_(::memfd_create("mageio-fuzz", MFD_CLOEXEC)) {
    if (fd_ < 0) std::abort();
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  /// Replaces the contents with `bytes` and returns the path to open.
  const std::string& write(std::string_view bytes) {
    if (::ftruncate(fd_, 0) != 0) std::abort();
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

/// Reads a source to the end as a consumer would: every batch validated against the source's schema
/// (BatchView) and every value turned into text, so a batch whose buffers disagree with its lengths or
/// offsets is an out-of-bounds read that AddressSanitizer reports. Returns the rows read.
inline int64_t drain(sdk::BatchSource& source) {
  const sdk::Schema& schema = source.schema();
  int64_t rows = 0;
  for (;;) {
    sdk::OwnedArray batch;
    if (!source.next(&batch.array)) break;
    sdk::BatchView view(batch.array, schema);
    for (size_t c = 0; c < view.column_count(); ++c) {
      const sdk::ColumnView& column = view.column(c);
      for (int64_t row = 0; row < view.rows(); ++row)
        if (!column.is_null(row)) (void)column.to_text(row);
    }
    rows += view.rows();
  }
  return rows;
}

}  // namespace mageio::fuzz
