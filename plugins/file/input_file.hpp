// A file opened for sequential reading in fixed-size chunks. The whole file is never held in memory.
#pragma once

#include <mageio/sdk/connector.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mageio::file {

/// The size of one read: readers keep one buffer of this size (plus the record or line being built).
constexpr size_t kReadChunkBytes = size_t{1} << 20;

/// A single record (CSV) or line (JSON Lines) larger than this is an error rather than an unbounded
/// allocation; it is almost always an unterminated quote or a file in another format.
constexpr size_t kMaxRecordBytes = size_t{64} << 20;

/// What tells one version of a file from another: its size and modification time (nanoseconds).
struct FileStamp {
  int64_t size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

/// The bytes [begin, end) of a file that one partition of a planned load reads, and the file's stamp
/// when it was planned: a file that changed since is refused rather than read at stale offsets.
struct FileSlice {
  int64_t begin = 0;
  int64_t end = 0;
  FileStamp stamp;
};

class InputFile {
 public:
  /// Opens `path` for reading ("-": standard input). Errors: NOT_FOUND (no such file, naming the path),
  /// INVALID_ARGUMENT (a directory or other non-regular file), IO (permission and other system errors).
  /// `host` (optional, must outlive this object) is asked about cancellation while a read from a pipe,
  /// FIFO or terminal waits for data, so a stop request never waits on a writer that went quiet.
  /// `slice` (optional): read only those bytes of a regular file, after checking that its stamp is still
  /// the planned one (UNAVAILABLE otherwise, asking to plan again).
  explicit InputFile(const std::string& path, const sdk::Host* host = nullptr, const FileSlice* slice = nullptr);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  /// Reads up to `size` bytes; 0 at end of file. Throws Error(IO) naming the path, Error(CANCELLED) when
  /// the host asked to stop while the read was waiting.
  size_t read(char* buffer, size_t size);
  /// Bytes read so far.
  int64_t bytes_read() const { return bytes_read_; }
  const std::string& path() const { return path_; }
  /// The file offset reading started at: 0, or the slice's begin. Only a read from offset 0 skips a BOM.
  int64_t begin() const { return begin_; }
  /// The file's size and modification time now (fstat).
  FileStamp stamp() const;

 private:
  void enter_slice(const FileSlice& slice);

  std::string path_;
  const sdk::Host* host_ = nullptr;
  int fd_ = -1;
  bool may_block_ = false;  // a pipe, FIFO, socket or terminal: reads can wait for data indefinitely
  int64_t bytes_read_ = 0;
  int64_t begin_ = 0;
  int64_t remaining_ = -1;  // bytes left in the slice; -1: up to the end of the file
};

/// strerror() text of an errno value, for messages.
std::string describe_errno(int err);

/// Reads the next chunk of `input` into `buffer` (up to its size) for a reader that scans it from `pos`:
/// returns the end of the data, 0 at the end of the input. `pos` is 0, or 3 past a UTF-8 byte order mark
/// at the very start of the input (`at_start`, cleared by the first read). A BOM split across reads (a pipe
/// written byte by byte) is still skipped; `buffer` must hold at least 3 bytes.
size_t read_chunk(InputFile& input, std::vector<char>& buffer, bool& at_start, size_t& pos);

}  // namespace mageio::file
