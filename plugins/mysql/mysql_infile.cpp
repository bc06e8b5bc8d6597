#include "mysql_infile.hpp"

#include <mageio/sdk/error.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

namespace mageio::mysql {

namespace {

constexpr std::string_view kDirectoryPrefix = "mageio-mysql-";
constexpr const char* kPipeName = "rows.pipe";

// $TMPDIR as mktemp(1) uses it: when set, it is where the directory goes (no silent fallback).
std::filesystem::path temp_base() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

// The pid in "mageio-mysql-<pid>-XXXXXX", or 0.
pid_t directory_owner_pid(const std::string& name) {
  if (!name.starts_with(kDirectoryPrefix)) return 0;
  const std::string rest = name.substr(kDirectoryPrefix.size());
  const size_t dash = rest.find('-');
  if (dash == 0 || dash == std::string::npos || rest.size() - dash - 1 != 6 || dash > 9) return 0;
  if (rest.find_first_not_of("0123456789") < dash) return 0;
  return static_cast<pid_t>(std::stol(rest.substr(0, dash)));
}

}  // namespace

void remove_stale_pipe_directories() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(temp_base(), error)) {
    const std::string name = entry.path().filename().string();
    const pid_t pid = directory_owner_pid(name);
    if (pid <= 0 || pid == getpid()) continue;
    // Still running (or running as someone we may not signal): not stale.
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;
    struct stat info {};
    if (lstat(entry.path().c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != getuid()) continue;
    const std::string pipe = (entry.path() / kPipeName).string();
    struct stat pipe_info {};
    if (lstat(pipe.c_str(), &pipe_info) == 0 && S_ISFIFO(pipe_info.st_mode)) unlink(pipe.c_str());
    rmdir(entry.path().c_str());  // fails, harmlessly, when anything else is inside
  }
}

InfilePipe::InfilePipe() {
  const std::filesystem::path base = temp_base();
  std::string pattern = (base / (std::string(kDirectoryPrefix) + std::to_string(getpid()) + "-XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr)
    throw sdk::io_error(std::string("mysql: cannot create a private temporary directory for LOAD DATA under ") +
                        base.string() + ": " + std::strerror(errno));
  directory_ = buffer.data();  // mkdtemp creates it 0700
  path_ = directory_ + "/" + kPipeName;
  if (mkfifo(path_.c_str(), 0600) != 0) {
    int saved = errno;
    rmdir(directory_.c_str());
    throw sdk::io_error("mysql: cannot create the pipe " + path_ + " for LOAD DATA: " + std::strerror(saved));
  }
}

InfilePipe::~InfilePipe() {
  unlink(path_.c_str());
  rmdir(directory_.c_str());
}

InfileFeeder::InfileFeeder(std::string path, Producer producer)
    : path_(std::move(path)), producer_(std::move(producer)) {}

InfileFeeder::~InfileFeeder() { finish(); }

void InfileFeeder::start() {
  writer_thread_ = std::thread([this] { write(); });
  producer_thread_ = std::thread([this] { produce(); });
}

void InfileFeeder::finish() {
  stop_ = true;
  if (writer_thread_.joinable()) writer_thread_.join();
  if (producer_thread_.joinable()) producer_thread_.join();
}

void InfileFeeder::produce() {
  {
    // No input is read before the client library opened the pipe (see the header).
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return opened_ || writer_done_; });
    if (writer_done_) {
      produced_all_ = true;
      return;
    }
  }
  try {
    bool more = true;
    while (more) {
      std::string chunk;
      chunk.reserve(kChunkBytes + (kChunkBytes >> 2));
      more = producer_(chunk);
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return queue_.size() < kQueuedChunks || writer_done_; });
      if (writer_done_) break;  // the reader is gone: nobody takes more
      queue_.push_back(std::move(chunk));
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard lock(mutex_);
    error_ = std::current_exception();
    queue_.clear();  // end the statement as soon as possible; the export rolls back anyway
  }
  std::lock_guard lock(mutex_);
  produced_all_ = true;
  changed_.notify_all();
}

void InfileFeeder::write() {
  // A write to a pipe nobody reads raises SIGPIPE on the writing thread; blocked, it stays pending on this
  // thread (and dies with it) and write() fails with EPIPE instead.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);

  auto done = [this] {
    std::lock_guard lock(mutex_);
    writer_done_ = true;
    changed_.notify_all();
  };

  int fd = -1;
  while (fd < 0) {
    fd = open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) break;
    if (errno != ENXIO && errno != EINTR) {
      std::lock_guard lock(mutex_);
      error_ = std::make_exception_ptr(
          sdk::io_error("mysql: cannot open the LOAD DATA pipe " + path_ + ": " + std::strerror(errno)));
      writer_done_ = true;
      changed_.notify_all();
      return;
    }
    if (stop_) return done();  // the statement ended without ever reading
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  // A bigger pipe (1 MiB is what an unprivileged process may ask for) means fewer switches between this
  // thread and the reader.
  fcntl(fd, F_SETPIPE_SZ, 1 << 20);
  {
    std::lock_guard lock(mutex_);
    opened_ = true;
    changed_.notify_all();
  }

  bool all_written = false;
  for (;;) {
    std::string chunk;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return !queue_.empty() || produced_all_; });
      if (queue_.empty()) {
        all_written = error_ == nullptr;  // produced_all_ and nothing left
        break;
      }
      chunk = std::move(queue_.front());
      queue_.pop_front();
      changed_.notify_all();
    }
    const char* data = chunk.data();
    size_t left = chunk.size();
    bool failed = false;
    while (left > 0) {
      ssize_t n = ::write(fd, data, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        std::lock_guard lock(mutex_);
        if (errno == EPIPE)
          reader_gone_ = true;
        else if (!error_)
          error_ = std::make_exception_ptr(
              sdk::io_error(std::string("mysql: writing to the LOAD DATA pipe failed: ") + std::strerror(errno)));
        failed = true;
        break;
      }
      data += n;
      left -= static_cast<size_t>(n);
    }
    if (failed) break;
  }
  close(fd);  // end of file for the reader: the statement finishes
  {
    std::lock_guard lock(mutex_);
    completed_ = all_written;
  }
  done();
}

}  // namespace mageio::mysql
