// Feeding LOAD DATA LOCAL INFILE from memory through a named pipe.
//
// Why a pipe: LOAD DATA LOCAL INFILE is the fastest way into MySQL/MariaDB (measured: a 2M-row multi-row
// INSERT export takes 1.5-1.9x as long as LOAD DATA of the same rows and ~1.5x its server CPU, see
// bench/mysql). The C API streams it from memory with mysql_set_local_infile_handler, but Connector/C++
// 1.1 neither exposes the MYSQL handle nor a handler hook: it can only name a file, which libmariadb's
// default handler opens and reads. So the export creates a FIFO in a private (0700) temporary directory,
// names it in the statement, and feeds the rows into it while the statement runs. No row touches the
// disk. (Measured: the mariadb client's LOAD DATA of the bench CSV takes the same time from a FIFO as
// from the file.)
//
// Two threads feed it: a producer that reads the input batches and encodes them into 1 MiB chunks, and a
// writer that copies the chunks into the pipe. Between them sits a queue of at most 4 chunks, so that
// while the producer waits for its next input batch the writer still has rows for the server. Client
// memory stays bounded: the input batches plus 4 MiB of chunks.
//
// The writer opens the pipe with O_NONBLOCK and retries until the client library opens it for reading, so
// a statement that fails before reading (no such table, local infile disabled) never leaves it blocked;
// and the producer reads no input before the pipe is open, so such a failure consumes no rows (the
// export can then fall back to INSERT). SIGPIPE is blocked on the writer thread, so a reader that goes
// away mid-stream (connection lost, server error) turns into EPIPE, not a dead process.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace mageio::mysql {

/// A FIFO in a fresh private temporary directory under $TMPDIR (or /tmp), named
/// mageio-mysql-<pid>-XXXXXX so that a later export can tell whose it was; both are removed on destruction.
/// A process killed with SIGKILL (or a power cut) leaves them: see remove_stale_pipe_directories.
class InfilePipe {
 public:
  InfilePipe();
  ~InfilePipe();
  InfilePipe(const InfilePipe&) = delete;
  InfilePipe& operator=(const InfilePipe&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string directory_;
  std::string path_;
};

/// Removes the pipe directories that processes which no longer exist left in $TMPDIR (or /tmp): only
/// directories named by this plugin, owned by this user, whose pid is not running, holding nothing but the
/// pipe. Never throws (a directory it cannot remove is left alone).
void remove_stale_pipe_directories();

class InfileFeeder {
 public:
  /// Fills `buffer` (empty on entry) with the next chunk, about `chunk_bytes`; returns false when the data
  /// ends (the chunk it filled, possibly empty, is still written). May throw: feeding stops, the pipe is
  /// closed (the statement ends early) and the error is kept.
  using Producer = std::function<bool(std::string& buffer)>;

  static constexpr size_t kChunkBytes = size_t{1} << 20;
  static constexpr size_t kQueuedChunks = 4;

  InfileFeeder(std::string path, Producer producer);
  ~InfileFeeder();  // finish()
  InfileFeeder(const InfileFeeder&) = delete;
  InfileFeeder& operator=(const InfileFeeder&) = delete;

  void start();
  /// Call once the statement returned or failed: stops waiting for a reader and joins both threads.
  void finish();

  /// The producer's exception, if it threw.
  std::exception_ptr error() const { return error_; }
  /// True when every chunk up to the end was written to the pipe.
  bool completed() const { return completed_; }
  /// The client library opened the pipe (so input may have been read).
  bool opened() const { return opened_; }
  /// The reader went away before the end (EPIPE).
  bool reader_gone() const { return reader_gone_; }

 private:
  void produce();
  void write();

  std::string path_;
  Producer producer_;
  std::thread producer_thread_, writer_thread_;
  std::atomic<bool> stop_{false};  // finish() was called

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  bool produced_all_ = false;  // the producer returned false (end of data) or threw
  bool writer_done_ = false;   // the writer stopped: end of data, EPIPE, an error or stop_ before opening
  bool opened_ = false;
  std::exception_ptr error_;
  bool completed_ = false;
  bool reader_gone_ = false;
};

}  // namespace mageio::mysql
