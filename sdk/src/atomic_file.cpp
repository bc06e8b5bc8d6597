#include "mageio/sdk/atomic_file.hpp"

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/random_suffix.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

namespace mageio::sdk {

namespace {

constexpr const char* kAppendJournalMagic = "mageio append journal v1";

std::string parent_dir(const std::string& path) {
  std::filesystem::path p(path);
  std::string dir = p.parent_path().string();
  return dir.empty() ? "." : dir;
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);  // best effort: some file systems refuse fsync on directories
    ::close(fd);
  }
}

/// When the process `pid` started, in seconds since the epoch; nullopt when it does not exist (or its
/// /proc entry cannot be read).
std::optional<double> process_start_time(long pid) {
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat_line;
  if (!std::getline(stat_file, stat_line)) return std::nullopt;
  // Field 22 (starttime, clock ticks after boot) counts from the field after the command's ")".
  const size_t close = stat_line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat_line.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 22) {
      static const double boot_time = [] {
        std::ifstream proc_stat("/proc/stat");
        std::string key;
        double value = 0;
        while (proc_stat >> key) {
          if (key == "btime" && proc_stat >> value) return value;
          proc_stat.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
        }
        return 0.0;
      }();
      return boot_time + std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
  }
  return std::nullopt;
}

/// True when the temporary file `path`, named for process `pid`, can no longer be written by its
/// creator: no such process, or a process that started after the file was last modified (the pid was
/// reused by another program). A file of a live writer is never stale. Without /proc (or when the
/// process is not ours to see) a pid that kill(pid, 0) finds alive counts as alive.
bool is_stale_temp(const std::string& path, long pid) {
  if (pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return true;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  auto started = process_start_time(pid);
  if (!started) return false;
  const double modified = static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9;
  // starttime has clock-tick (10 ms) resolution and btime whole seconds: allow a second of slack.
  return *started > modified + 1.0;
}

}  // namespace

std::string temp_file_prefix(const std::string& target_name) { return "." + target_name + ".mageio-partial-"; }

std::string append_journal_prefix(const std::string& target_name) { return "." + target_name + ".mageio-append-"; }

namespace {

/// The pid in "<prefix><pid>-<random>.tmp", or 0 when `name` is not of that form.
long pid_in_name(const std::string& name, const std::string& prefix) {
  if (!name.starts_with(prefix) || !name.ends_with(".tmp")) return 0;
  const std::string_view rest = std::string_view(name).substr(prefix.size());
  long pid = 0;
  auto [end, err] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
  if (err != std::errc() || end == rest.data() || *end != '-') return 0;
  return pid;
}

/// Undoes the append a dead process recorded in `journal`: if `target` is still the same file (device
/// and inode) and at least as long as it was before that append, it is truncated back to that length
/// and synced. Returns false (leaving the journal) when the journal cannot be read.
bool undo_interrupted_append(const std::string& target, const std::string& journal) {
  std::ifstream in(journal);
  std::string magic;
  long long size = -1;
  unsigned long long device = 0, inode = 0;
  if (!std::getline(in, magic) || magic != kAppendJournalMagic || !(in >> size >> device >> inode) || size < 0) {
    return false;
  }
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0 && static_cast<unsigned long long>(st.st_dev) == device &&
      static_cast<unsigned long long>(st.st_ino) == inode && st.st_size >= size) {
    int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool done = ::ftruncate(fd, static_cast<off_t>(size)) == 0 && ::fsync(fd) == 0;
    ::close(fd);
    if (!done) return false;
  }
  return true;
}

}  // namespace

int remove_stale_temp_files(const std::string& path) {
  const std::filesystem::path target(path);
  const std::string dir = parent_dir(path);
  const std::string prefix = temp_file_prefix(target.filename().string());
  int removed = 0;
  std::error_code ec;
  const std::string journal_prefix = append_journal_prefix(target.filename().string());
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string file = entry.path().string();
    // .<name>.mageio-partial-<pid>-<random>.tmp: a Create/Replace that never renamed its file.
    if (long pid = pid_in_name(name, prefix); pid > 0) {
      if (is_stale_temp(file, pid) && ::unlink(file.c_str()) == 0) ++removed;
      continue;
    }
    // .<name>.mageio-append-<pid>-<random>.tmp: an Append that neither committed nor rolled back.
    if (long pid = pid_in_name(name, journal_prefix); pid > 0) {
      if (is_stale_temp(file, pid) && undo_interrupted_append(path, file) && ::unlink(file.c_str()) == 0) ++removed;
    }
  }
  if (removed > 0) fsync_dir(dir);
  return removed;
}

AtomicFile::AtomicFile(std::string path, Mode mode) : path_(std::move(path)), mode_(mode) {
  buffer_.reserve(kBufferBytes);
  if (mode_ == Mode::Stream) {
    fd_ = STDOUT_FILENO;  // not ours: never closed
    path_ = "standard output";
    return;
  }
  if (mode_ == Mode::Direct) {
    // A device, FIFO or pipe (/dev/null, /dev/fd/N of a process substitution): no temporary file can be
    // renamed over it, so it is written as it goes, like standard output.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) fail("cannot open " + path_ + " for writing", errno);
    return;
  }
  const std::string dir = parent_dir(path_);
  struct stat dst {};
  if (::stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode)) {
    throw not_found("the directory " + dir + " (of " + path_ + ") does not exist");
  }
  // Replacing through a symbolic link replaces the file it points to, not the link.
  std::error_code ec;
  if (mode_ != Mode::Create && std::filesystem::is_symlink(path_, ec)) {
    auto resolved = std::filesystem::canonical(path_, ec);
    if (!ec) path_ = resolved.string();
  }
  try {
    open_file(parent_dir(path_));
  } catch (...) {
    rollback();
    throw;
  }
}

void AtomicFile::open_file(const std::string& dir) {
  // What earlier writers killed outright (SIGKILL, a power cut) left behind for this target.
  remove_stale_temp_files(path_);
  if (mode_ == Mode::Append) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);  // read: the last byte
    if (fd_ < 0) fail("cannot open " + path_ + " for appending", errno);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail("cannot stat " + path_, errno);
    original_size_ = st.st_size;
    if (original_size_ > 0) {
      unsigned char c = 0;
      if (::pread(fd_, &c, 1, original_size_ - 1) == 1) last_byte_ = c;
    }
    if (::lseek(fd_, original_size_, SEEK_SET) < 0) fail("cannot seek in " + path_, errno);
    write_append_journal(dir, st);
    truncate_on_rollback_ = true;
    return;
  }

  std::filesystem::path target(path_);
  const std::string prefix = temp_file_prefix(target.filename().string()) + std::to_string(::getpid()) + "-";
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string candidate = (std::filesystem::path(dir) / (prefix + random_suffix() + ".tmp")).string();
    fd_ = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) {
      temp_path_ = candidate;
      break;
    }
    if (errno != EEXIST) fail("cannot create a temporary file in " + dir, errno);
  }
  if (fd_ < 0) fail("cannot create a temporary file in " + dir, EEXIST);
  if (mode_ == Mode::Replace) {
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::fchmod(fd_, st.st_mode & 07777);
  }
}

void AtomicFile::write_append_journal(const std::string& dir, const struct stat& target) {
  const std::string prefix =
      append_journal_prefix(std::filesystem::path(path_).filename().string()) + std::to_string(::getpid()) + "-";
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    journal_path_ = (std::filesystem::path(dir) / (prefix + random_suffix() + ".tmp")).string();
    fd = ::open(journal_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    const int err = errno;
    journal_path_.clear();
    fail("cannot create the append journal in " + dir, err);
  }
  const std::string text = std::string(kAppendJournalMagic) + "\n" + std::to_string(original_size_) + " " +
                           std::to_string(static_cast<unsigned long long>(target.st_dev)) + " " +
                           std::to_string(static_cast<unsigned long long>(target.st_ino)) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!written) {
    ::unlink(journal_path_.c_str());
    journal_path_.clear();
    fail("cannot write the append journal in " + dir, err);
  }
  fsync_dir(dir);  // the journal is durable before the first appended byte
}

void AtomicFile::remove_append_journal() noexcept {
  if (journal_path_.empty()) return;
  ::unlink(journal_path_.c_str());
  fsync_dir(parent_dir(journal_path_));
  journal_path_.clear();
}

AtomicFile::~AtomicFile() {
  if (!committed_) rollback();
}

void AtomicFile::fail(const std::string& what, int err) { throw io_error(what + ": " + std::strerror(err)); }

void AtomicFile::write_all(std::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write " + (temp_path_.empty() ? path_ : temp_path_), errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
    written_ += n;
  }
}

void AtomicFile::flush() {
  if (buffer_.empty()) return;
  write_all(buffer_);
  buffer_.clear();
}

void AtomicFile::commit() {
  flush();
  if (mode_ == Mode::Stream) {
    committed_ = true;
    return;
  }
  if (mode_ == Mode::Direct) {
    committed_ = true;
    if (::close(fd_) != 0) {
      fd_ = -1;
      fail("cannot write " + path_, errno);
    }
    fd_ = -1;
    return;
  }
  if (::fsync(fd_) != 0) fail("cannot sync " + (temp_path_.empty() ? path_ : temp_path_), errno);
  if (mode_ == Mode::Append) {
    ::close(fd_);
    fd_ = -1;
    committed_ = true;
    remove_append_journal();  // only now: the appended rows are durable
    return;
  }
  if (::close(fd_) != 0) {
    fd_ = -1;
    fail("cannot close " + temp_path_, errno);
  }
  fd_ = -1;
  if (mode_ == Mode::Replace) {
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("cannot rename the temporary file to " + path_, errno);
  } else {
    if (::renameat2(AT_FDCWD, temp_path_.c_str(), AT_FDCWD, path_.c_str(), RENAME_NOREPLACE) != 0) {
      int err = errno;
      if (err == EEXIST) throw already_exists(path_ + " already exists (it appeared during the export)");
      if (err != EINVAL && err != ENOSYS && err != ENOTSUP) fail("cannot rename the temporary file to " + path_, err);
      // No RENAME_NOREPLACE on this file system: link() also refuses to overwrite.
      if (::link(temp_path_.c_str(), path_.c_str()) != 0) {
        err = errno;
        if (err == EEXIST) throw already_exists(path_ + " already exists (it appeared during the export)");
        fail("cannot move the temporary file to " + path_, err);
      }
      ::unlink(temp_path_.c_str());
    }
  }
  committed_ = true;
  fsync_dir(parent_dir(path_));
}

void AtomicFile::rollback() noexcept {
  if (mode_ == Mode::Stream) {
    fd_ = -1;  // what was written is written
    return;
  }
  if (mode_ == Mode::Direct) {
    if (fd_ >= 0) ::close(fd_);  // what was written is written
    fd_ = -1;
    return;
  }
  if (mode_ == Mode::Append) {
    bool restored = !truncate_on_rollback_;
    if (fd_ >= 0 && truncate_on_rollback_) restored = ::ftruncate(fd_, original_size_) == 0 && ::fsync(fd_) == 0;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (restored) remove_append_journal();  // else the next export undoes the append from it
    return;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

}  // namespace mageio::sdk
