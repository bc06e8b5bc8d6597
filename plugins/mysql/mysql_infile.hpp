// Feeding LOAD DATA LOCAL INFILE from memory, on a connection that can send nothing but the export's rows.
//
// Why LOAD DATA: it is the fastest way into MySQL/MariaDB (measured: a 2M-row multi-row INSERT export takes
// 1.5-1.9x as long as LOAD DATA of the same rows and ~1.5x its server CPU, see bench/mysql).
//
// Why a connection of its own: with LOCAL INFILE the *server* names the file the client sends, and a rogue or
// man-in-the-middle server can answer the export's own LOAD DATA with a request for /etc/passwd or
// ~/.ssh/id_rsa. libmariadb's default handler opens whatever is named. Connector/C++ 1.1 hides the MYSQL
// handle and has no handler hook, so the LOAD DATA runs on a connection made with libmariadb's C API
// (LoadConnection) whose local-infile handler (InfileSource) accepts only the name the export itself put in
// its statement -- a random token, not a file -- and refuses any other request. No file is ever opened.
// The Connector/C++ connections have local infile switched off altogether (mysql_session.cpp).
//
// The rows: a producer thread reads the input batches and encodes them into 1 MiB chunks; the handler's read
// callback, which libmariadb calls on the thread running the statement, hands them to the server. Between
// them sits a queue of at most 4 chunks, so that while the producer waits for its next input batch the
// server still has rows. Client memory stays bounded: the input batches plus 4 MiB of chunks. The producer
// reads no input before the server asked for the token, so a statement that fails before (no such table,
// local infile refused) consumes no rows and the export can fall back to INSERT.
#pragma once

#include "mysql_session.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

struct st_mysql;

namespace mageio::mysql {

/// Earlier versions fed LOAD DATA through a FIFO in a private directory $TMPDIR/mageio-mysql-<pid>-XXXXXX; a
/// process killed with SIGKILL left it behind. This removes those that processes which no longer exist left
/// in $TMPDIR (or /tmp): only directories named so, owned by this user, whose pid is not running, holding
/// nothing but the pipe. Never throws (a directory it cannot remove is left alone).
void remove_stale_pipe_directories();

/// The export's rows, served to libmariadb as the one "file" the export offers.
class InfileSource {
 public:
  /// Fills `buffer` (empty on entry) with the next chunk, about `chunk_bytes`; returns false when the data
  /// ends (the chunk it filled, possibly empty, is still sent). May throw: the rows end early, the statement
  /// fails and the error is kept.
  using Producer = std::function<bool(std::string& buffer)>;

  static constexpr size_t kChunkBytes = size_t{1} << 20;
  static constexpr size_t kQueuedChunks = 4;

  InfileSource(std::string offered_name, Producer producer);
  ~InfileSource();  // finish()
  InfileSource(const InfileSource&) = delete;
  InfileSource& operator=(const InfileSource&) = delete;

  /// The name to put in LOAD DATA LOCAL INFILE '...'.
  const std::string& offered_name() const { return offered_name_; }

  /// The server asked for `requested`: true (and the producer starts) only when it is the offered name and
  /// this is its first request; otherwise the request is remembered and refused.
  bool open(const std::string& requested);
  /// Copies up to `size` bytes of rows to `out`: the count, 0 at the end, -1 when the producer failed.
  int read(char* out, unsigned size);
  /// The text libmariadb reports for a refused request or a failed read.
  std::string error_text() const;
  /// Call once the statement returned or failed: stops the producer and joins it.
  void finish();

  /// The name the server asked for instead of the offered one, if it did.
  const std::optional<std::string>& refused_name() const { return refused_name_; }
  /// The producer's exception, if it threw.
  std::exception_ptr error() const { return error_; }
  /// The server asked for the offered name (so input may have been read).
  bool opened() const { return opened_; }
  /// Every chunk up to the end was handed to the client library.
  bool completed() const { return completed_; }

 private:
  void produce();

  std::string offered_name_;
  Producer producer_;
  std::thread producer_thread_;
  std::optional<std::string> refused_name_;
  bool opened_ = false;
  bool completed_ = false;
  std::string current_;  // the chunk being handed out (read's thread only)
  size_t current_at_ = 0;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  bool produced_all_ = false;  // the producer returned false (end of data), threw, or was stopped
  bool stop_ = false;          // finish() was called
  std::exception_ptr error_;
};

/// An error of a LoadConnection: what mysql_errno/mysql_sqlstate/mysql_error said.
struct ClientError {
  int code = 0;
  std::string state;
  std::string message;
};

/// A warning of the last statement (SHOW WARNINGS).
struct ServerWarning {
  int code = 0;
  std::string message;
};

/// A connection made with libmariadb's C API with a session's settings (host or socket, user, password,
/// database, TLS exactly as the session has it, connect timeout, utf8mb4) and session variables
/// (kMirroredSessionVariables), used for one export's LOAD DATA LOCAL INFILE. Local infile is on only for
/// statements starting with LOAD (libmariadb's "auto" mode), and then served only by the InfileSource given
/// to load(). Methods throw ClientError.
class LoadConnection {
 public:
  LoadConnection(const ConnectSettings& settings, bool tls, const std::vector<std::string>& variables);
  ~LoadConnection();  // rolls back an open transaction and closes
  LoadConnection(const LoadConnection&) = delete;
  LoadConnection& operator=(const LoadConnection&) = delete;

  uint64_t connection_id() const { return connection_id_; }
  /// START TRANSACTION; the destructor rolls it back unless commit() ran.
  void begin();
  /// Runs LOAD DATA LOCAL INFILE naming source.offered_name(); returns the affected-rows count.
  int64_t load(const std::string& sql, InfileSource& source);
  /// The warnings of the last statement.
  std::vector<ServerWarning> warnings();
  void commit();

 private:
  [[noreturn]] void fail();
  void run(const std::string& sql);
  void set_variables(const std::vector<std::string>& values);

  st_mysql* mysql_ = nullptr;
  uint64_t connection_id_ = 0;
  bool in_transaction_ = false;
};

}  // namespace mageio::mysql
