// Writing a file so that a failed export leaves the destination exactly as it was: for any plugin that
// writes files (the file plugin's CSV and JSON Lines, the template's stand-in table).
//
//   Create / Replace: the data goes to a temporary file in the target's directory
//     (".<name>.mageio-partial-<pid>-<random>.tmp", named for the target and the writing process;
//     created with mode 0666 minus the umask; on replace it takes the
//     old file's permission bits). commit() flushes and fsyncs it, then renames it over the target
//     (Replace) or links it into place only if the target still does not exist (Create: renameat2
//     RENAME_NOREPLACE, falling back to link + unlink), then fsyncs the directory. Readers never see a
//     half-written file. Destroyed without commit(), the temporary file is removed.
//   Append: the data is appended in place after recording the file's size, both in memory and in a
//     journal beside it (".<name>.mageio-append-<pid>-<random>.tmp": the size, device and inode; fsynced
//     before the first appended byte). commit() fsyncs the file, then removes the journal. Destroyed
//     without commit() (an error or cancellation part-way), the file is truncated back to that size and
//     fsynced, so its bytes are those it had before, and the journal is removed. A process killed in the
//     middle leaves the journal: the next export to the same target truncates the file back to the
//     recorded size (see remove_stale_temp_files). Cheaper than copying the file.
//   Stream: standard output (the path "-"), written as it goes; nothing can be taken back.
//   Direct: an existing path that is not a regular file (/dev/null, a FIFO, /dev/fd/N of a pipe),
//     opened and written as it goes, like Stream.
// A process killed outright (SIGKILL, power cut) cannot remove its temporary file; the next Create or
// Replace of the same target removes those whose process is gone (see remove_stale_temp_files).
// Writes are buffered (1 MiB) and go to the kernel with write(2).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace mageio::sdk {

/// The start of the temporary files' names for a target named `target_name`: ".<name>.mageio-partial-".
std::string temp_file_prefix(const std::string& target_name);

/// The start of the append journals' names for a target named `target_name`: ".<name>.mageio-append-".
std::string append_journal_prefix(const std::string& target_name);

/// Cleans up after writers of the target `path` that were killed outright, i.e. whose process no
/// longer exists (no process has that pid, or the process with that pid started after the file was
/// last written: the pid was reused): removes their temporary files
/// (".<name>.mageio-partial-<pid>-<random>.tmp") and undoes their appends (".<name>.mageio-append-
/// <pid>-<random>.tmp": truncates the target back to the recorded size if it is still the same file,
/// then removes the journal). Files of live processes are left alone. Returns how many were cleaned.
int remove_stale_temp_files(const std::string& path);

class AtomicFile {
 public:
  /// Stream: standard output, written as it goes (no atomicity; commit() only flushes).
  enum class Mode { Create, Replace, Append, Stream, Direct };

  /// Opens for writing. `path` is the target; its directory must exist (NOT_FOUND naming it otherwise).
  AtomicFile(std::string path, Mode mode);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view data) {
    if (buffer_.size() + data.size() > kBufferBytes) flush();
    if (data.size() >= kBufferBytes) {
      write_all(data);
    } else {
      buffer_.append(data);
    }
  }
  /// The original size (Append) or 0.
  int64_t original_size() const { return original_size_; }
  /// The last byte of the file before this append (-1 if empty or not appending).
  int last_byte() const { return last_byte_; }
  /// Bytes written through this object so far.
  int64_t bytes_written() const { return written_ + static_cast<int64_t>(buffer_.size()); }
  /// Makes the data durable and visible. Throws Error(IO) (or ALREADY_EXISTS for Create when the target
  /// appeared meanwhile); the destination is then left as it was.
  void commit();
  /// The temporary file's path (empty for Append); for tests and messages.
  const std::string& temp_path() const { return temp_path_; }

 private:
  static constexpr size_t kBufferBytes = size_t{1} << 20;
  void flush();
  void write_all(std::string_view data);
  void open_file(const std::string& dir);
  void rollback() noexcept;
  void write_append_journal(const std::string& dir, const struct stat& target);
  void remove_append_journal() noexcept;
  [[noreturn]] void fail(const std::string& what, int err);

  std::string path_;
  std::string temp_path_;
  std::string journal_path_;  // Append: the journal that lets a later export undo a killed append
  Mode mode_;
  int fd_ = -1;
  int64_t original_size_ = 0;
  int last_byte_ = -1;
  int64_t written_ = 0;
  bool committed_ = false;
  bool truncate_on_rollback_ = false;  // Append: set once the original size is known
  std::string buffer_;
};

}  // namespace mageio::sdk
