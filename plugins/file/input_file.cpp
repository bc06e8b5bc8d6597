#include "input_file.hpp"

#include <mageio/sdk/error.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mageio::file {

std::string describe_errno(int err) { return std::strerror(err); }

namespace {
// How often a read that waits for data on a pipe looks at the host's cancel flag.
constexpr int kCancelPollMs = 100;
}  // namespace

InputFile::InputFile(const std::string& path, const sdk::Host* host, const FileSlice* slice)
    : path_(path), host_(host) {
  // "-" is standard input (a duplicate, so that closing it leaves the process's stdin alone).
  fd_ = path == "-" ? ::fcntl(0, F_DUPFD_CLOEXEC, 3) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) throw sdk::not_found("file not found: " + path);
    throw sdk::io_error("cannot open " + path + ": " + describe_errno(err));
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    throw sdk::io_error("cannot stat " + path + ": " + describe_errno(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw sdk::invalid_argument(path + " is a directory, not a file");
  }
  may_block_ = !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  if (slice != nullptr) {
    try {
      enter_slice(*slice);
    } catch (...) {
      ::close(fd_);
      fd_ = -1;
      throw;
    }
  }
}

FileStamp InputFile::stamp() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw sdk::io_error("cannot stat " + path_ + ": " + describe_errno(errno));
  return {static_cast<int64_t>(st.st_size),
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + static_cast<int64_t>(st.st_mtim.tv_nsec)};
}

void InputFile::enter_slice(const FileSlice& slice) {
  if (may_block_) throw sdk::invalid_argument(path_ + " is not a regular file: a partition of it cannot be read");
  // The offsets were found in the file as it was planned: in another version they may fall inside a
  // line, and the rows would be wrong rather than missing. Refuse instead.
  const FileStamp now = stamp();
  if (!(now == slice.stamp))
    throw sdk::Error(MAGEIO_STATUS_UNAVAILABLE,
                     path_ + " changed since its partitions were planned (size " + std::to_string(slice.stamp.size) +
                         " -> " + std::to_string(now.size) + " bytes, or its modification time); plan the load again");
  if (slice.begin < 0 || slice.end < slice.begin || slice.end > now.size)
    throw sdk::invalid_argument("partition of " + path_ + ": byte range " + std::to_string(slice.begin) + "-" +
                                std::to_string(slice.end) + " is not within the file");
  if (::lseek(fd_, slice.begin, SEEK_SET) < 0)
    throw sdk::io_error("cannot seek in " + path_ + ": " + describe_errno(errno));
  begin_ = slice.begin;
  remaining_ = slice.end - slice.begin;
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

size_t InputFile::read(char* buffer, size_t size) {
  for (;;) {
    if (may_block_ && host_ != nullptr) {
      // Wait for data in short slices: a signal may be delivered to another thread of the host, so
      // EINTR alone cannot be relied on to wake this read when the host asks to stop.
      pollfd ready{fd_, POLLIN, 0};
      const int polled = ::poll(&ready, 1, kCancelPollMs);
      host_->check_cancelled();
      if (polled == 0 || (polled < 0 && errno == EINTR)) continue;
    }
    if (remaining_ >= 0) size = static_cast<size_t>(std::min<int64_t>(remaining_, static_cast<int64_t>(size)));
    if (size == 0) return 0;
    ssize_t n = ::read(fd_, buffer, size);
    if (n >= 0) {
      bytes_read_ += n;
      if (remaining_ >= 0) remaining_ -= n;
      return static_cast<size_t>(n);
    }
    if (errno == EINTR) {
      if (host_ != nullptr) host_->check_cancelled();
      continue;
    }
    throw sdk::io_error("cannot read " + path_ + ": " + describe_errno(errno));
  }
}

namespace {

constexpr char kUtf8Bom[] = "\xEF\xBB\xBF";
constexpr size_t kUtf8BomSize = 3;

/// A pipe or socket can deliver the first bytes one at a time: while what was read so far is a strict prefix
/// of the BOM, read on so that a BOM split across reads is still recognised. Returns the new end.
size_t complete_bom_prefix(InputFile& input, std::vector<char>& buffer, size_t end) {
  while (end < kUtf8BomSize && end < buffer.size() && std::memcmp(buffer.data(), kUtf8Bom, end) == 0) {
    const size_t n = input.read(buffer.data() + end, buffer.size() - end);
    if (n == 0) break;
    end += n;
  }
  return end;
}

}  // namespace

size_t read_chunk(InputFile& input, std::vector<char>& buffer, bool& at_start, size_t& pos) {
  for (;;) {
    pos = 0;
    size_t end = input.read(buffer.data(), buffer.size());
    if (end == 0 || !at_start) return end;
    at_start = false;
    end = complete_bom_prefix(input, buffer, end);
    if (end >= kUtf8BomSize && std::memcmp(buffer.data(), kUtf8Bom, kUtf8BomSize) == 0) pos = kUtf8BomSize;
    if (pos < end) return end;  // else the file held only the BOM so far: read on
  }
}

}  // namespace mageio::file
