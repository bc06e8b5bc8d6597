// One libpq connection (RAII) and the way every statement is run on it: the connection is in libpq's
// non-blocking mode and every wait on its socket (for a result, for room to send COPY data) is a poll()
// of ~100 ms slices, so that
//   * a host's cancellation request reaches the server (PQcancel, sent from a helper thread so that an
//     unreachable server cannot hold us) within about 100 ms even while a long statement runs;
//   * when the server does not answer the cancel request within ~1 s (its backend is stopped or hung,
//     the network is gone), the connection is closed and the operation fails with CANCELLED -- the
//     server rolls the transaction back when it notices the connection is gone;
//   * POSTGRES_READ_TIMEOUT bounds how long we wait on a server that sends and accepts nothing.
// Errors become sdk::Error with the server's SQLSTATE and a status derived from it; messages never
// contain the password.
#pragma once

#include "pg_config.hpp"

#include <mageio/sdk/connector.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/secrets.hpp>

#include <libpq-fe.h>
#include <poll.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mageio::postgres {

struct CancelRequest;  // a cancel request in flight (pg_connection.cpp)

using sdk::mask_secrets;  // whole occurrences only, as the host masks (mageio/sdk/secrets.hpp)

/// The status for an SQLSTATE: 28xxx UNAUTHENTICATED; 08xxx, 57P01-57P03 and 53300 UNAVAILABLE;
/// 42P01, 3F000, 3D000 and 42703 NOT_FOUND; 42P07, 42P06, 42701 and 42710 ALREADY_EXISTS; 22xxx and 23xxx
/// INVALID_ARGUMENT; anything else BACKEND. (57014, query_canceled, is CANCELLED only when we sent the
/// cancel request; a statement_timeout is BACKEND.)
MageioStatus status_for_sqlstate(const std::string& sqlstate);

/// A PGresult, cleared on destruction.
class Result {
 public:
  Result() = default;
  explicit Result(PGresult* result) : result_(result) {}
  Result(Result&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Result& operator=(Result&& other) noexcept {
    if (this != &other) {
      reset();
      result_ = other.result_;
      other.result_ = nullptr;
    }
    return *this;
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result() { reset(); }

  PGresult* get() const { return result_; }
  explicit operator bool() const { return result_ != nullptr; }
  ExecStatusType status() const { return PQresultStatus(result_); }
  int rows() const { return PQntuples(result_); }
  int columns() const { return PQnfields(result_); }
  bool is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
  std::string value(int row, int column) const {
    return std::string(PQgetvalue(result_, row, column), static_cast<size_t>(PQgetlength(result_, row, column)));
  }
  /// PQcmdTuples as a number; -1 when the command does not report a count.
  int64_t affected_rows() const;
  void reset() {
    if (result_ != nullptr) PQclear(result_);
    result_ = nullptr;
  }

 private:
  PGresult* result_ = nullptr;
};

class Connection {
 public:
  /// Connects (asynchronously, honouring the connect timeout and host cancellation). Throws Error:
  /// UNAUTHENTICATED (28P01/28000), NOT_FOUND (3D000, unknown database), UNAVAILABLE (08001 when no
  /// server answered, 08006 ...), each message with the server's text and no password.
  Connection(const ConnectionSettings& settings, const sdk::Host* host);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  PGconn* raw() const { return conn_; }
  const sdk::Host& host() const { return *host_; }
  const ConnectionSettings& settings() const { return *settings_; }

  /// Runs `sql` (simple protocol; several statements allowed) and returns its last result. Throws the
  /// mapped Error, prefixed with `what`, when any statement fails.
  Result exec(const std::string& sql, const std::string& what);
  /// Runs `sql` and returns every result, in statement order (for execute with several statements).
  std::vector<Result> exec_all(const std::string& sql, const std::string& what);
  /// Runs one statement with text parameters bound (values never enter the SQL text). nullopt = NULL.
  Result exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                     const std::string& what);
  /// Prepares `sql` as the unnamed statement and describes it (column names, type OIDs, typmods)
  /// without running it.
  Result describe(const std::string& sql, const std::string& what);
  /// Runs the unnamed statement prepared by describe() (no parameters, text results).
  Result exec_prepared(const std::string& what);
  /// Sends a COPY statement and waits until the server switched to COPY OUT or COPY IN.
  void start_copy(const std::string& sql, ExecStatusType expected, const std::string& what);
  /// After a COPY ended (PQgetCopyData returned -1, or PQputCopyEnd was sent): the COPY's own result.
  /// Throws the mapped error when it failed; returns it otherwise. Drains every remaining result.
  Result finish_command(const std::string& what);

  /// Waits (one poll slice, ~100 ms) until the socket is readable. A host cancellation sends the server
  /// a cancel request (once); see wait_socket for the timeouts it enforces.
  void wait_readable(const std::string& what) { wait_socket(POLLIN, what); }
  /// Queues COPY data and sends it, waiting (in slices, see wait_socket) while the server takes nothing.
  void put_copy_data(const char* data, size_t size, const std::string& what);
  /// Queues the end of a COPY IN (`error` non-null: ends it with that error) and sends it.
  void put_copy_end(const char* error, const std::string& what);
  /// Sends everything libpq has queued, waiting (in slices) while the socket is full.
  void flush_output(const std::string& what);
  /// Reads what arrived (PQconsumeInput); throws UNAVAILABLE when the connection broke.
  void consume_input(const std::string& what);
  /// Asks the server to cancel the running statement (PQcancel). Idempotent per statement.
  void request_cancel();
  bool cancel_sent() const { return cancel_sent_; }
  /// Called before each new operation.
  void reset_cancel() {
    cancel_sent_ = false;
    cancel_answered_ = false;
    cancel_seen_at_.reset();
    idle_ = {};
  }
  /// Throws Error(CANCELLED) when the host asked to stop, after sending the server a cancel request.
  void check_cancelled();

  /// The Error for a failed result (status from its SQLSTATE; CANCELLED for 57014 after our cancel).
  sdk::Error error_from(const PGresult* result, const std::string& what) const;
  /// The Error for a broken connection: UNAVAILABLE, SQLSTATE 08006.
  sdk::Error connection_error(const std::string& what) const;
  std::string mask(std::string text) const { return mask_secrets(std::move(text), settings_->secrets); }

  /// CONNECTION_OK and not closed by us after a timeout or an unanswered cancel.
  bool usable() const;
  /// usable() and not in the middle of a statement: may be reused.
  bool reusable() const;
  bool in_transaction() const;
  /// Inside a transaction a failed statement aborted: the server takes only ROLLBACK (TO SAVEPOINT) or COMMIT.
  bool transaction_aborted() const;

  /// The server process id (for messages and tests).
  int backend_pid() const { return PQbackendPID(conn_); }

  /// While one lives, host cancellation is not forwarded to the server: for the ROLLBACK and the
  /// draining that clean up after a failure or a cancellation, which must run to completion.
  class CleanupScope {
   public:
    explicit CleanupScope(Connection& connection) : connection_(connection), previous_(connection.cleanup_) {
      connection_.cleanup_ = true;
    }
    ~CleanupScope() { connection_.cleanup_ = previous_; }
    CleanupScope(const CleanupScope&) = delete;
    CleanupScope& operator=(const CleanupScope&) = delete;

   private:
    Connection& connection_;
    bool previous_;
  };

 private:
  /// One poll() slice (~100 ms) on the socket for `events`; returns the events that occurred (0 when
  /// none). Before it waits it enforces, throwing after closing the connection:
  ///  * the host's cancel flag: a cancel request is sent (not during cleanup); once the host asked
  ///    to stop (or we sent a cancel), an operation still waiting after kCancelGrace fails CANCELLED;
  ///  * POSTGRES_READ_TIMEOUT: slices in a row in which nothing arrived and nothing could be sent
  ///    add up; past the timeout the operation fails UNAVAILABLE naming the server.
  short wait_socket(short events, const std::string& what);
  /// Shuts the socket down (the server sees the connection go and rolls back) and marks the connection
  /// unusable; libpq's own calls on it then fail instead of waiting.
  void close_connection();
  /// Notes that the host asked to stop (the start of the cancel grace period).
  void note_cancel();
  void send_query(const std::string& sql, const std::string& what);
  /// Ends a COPY nobody asked for (a COPY statement sent through execute) and records the error;
  /// false when `result` is not a COPY.
  bool end_unexpected_copy(const Result& result, const std::string& what, std::optional<sdk::Error>& failure);
  /// Waits for the next result with cancellation polling; nullptr when the command is complete.
  Result next_result(const std::string& what);

  PGconn* conn_ = nullptr;
  const ConnectionSettings* settings_;
  const sdk::Host* host_;
  bool cancel_sent_ = false;
  bool cancel_answered_ = false;  // the server ended a statement with 57014 after cancel_sent_
  bool cleanup_ = false;
  bool closed_ = false;  // by close_connection()
  // When this operation first saw the host's cancel flag (or sent a cancel request).
  std::optional<std::chrono::steady_clock::time_point> cancel_seen_at_;
  // Time spent in poll() slices in a row without any socket event (for POSTGRES_READ_TIMEOUT).
  std::chrono::steady_clock::duration idle_ = {};
  // The outcome of the last cancel request (sent from a helper thread), logged when known.
  std::shared_ptr<CancelRequest> cancel_request_;
};

/// The connections of one instance. A load stream holds its connection until it is released (the ABI
/// lets a stream live across later calls on the same instance), so an operation that finds the primary
/// connection busy opens another. Connections go back to the pool when still usable; the primary one
/// (which carries the user's session state, e.g. a BEGIN sent through execute) is always preferred.
class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  ConnectionPool(ConnectionSettings settings, const sdk::Host* host);

  class Lease {
   public:
    Lease() = default;
    Lease(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<Connection> connection, int order)
        : pool_(std::move(pool)), connection_(std::move(connection)), order_(order) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&& other) noexcept {
      give_back();
      pool_ = std::move(other.pool_);
      connection_ = std::move(other.connection_);
      order_ = other.order_;
      return *this;
    }
    ~Lease() { give_back(); }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }
    Connection* get() const { return connection_.get(); }
    /// Closes the connection instead of returning it (its state is unknown).
    void discard() { connection_.reset(); }

   private:
    void give_back();
    std::shared_ptr<ConnectionPool> pool_;
    std::unique_ptr<Connection> connection_;
    int order_ = 0;
  };

  /// An idle connection, or a new one. outside_transaction: skips idle connections inside a transaction
  /// the user opened (execute("BEGIN")), for operations that must start their own (a partition's
  /// snapshot).
  Lease acquire(bool outside_transaction = false);
  /// Always a new connection (not the primary one, whose session state stays with the user's calls):
  /// for a transaction held open across calls (the snapshot of a partition plan).
  Lease acquire_new();
  const ConnectionSettings& settings() const { return settings_; }
  const sdk::Host& host() const { return *host_; }

 private:
  friend class Lease;
  void put_back(std::unique_ptr<Connection> connection, int order);

  ConnectionSettings settings_;
  const sdk::Host* host_;
  std::mutex mutex_;  // leases may be returned from a stream released on another thread
  std::vector<std::pair<int, std::unique_ptr<Connection>>> idle_;
  int next_order_ = 0;
};

/// BEGIN/COMMIT, or a SAVEPOINT when the connection is already inside a transaction the user opened
/// (execute("BEGIN")): the operation is then atomic within it and the user's transaction stays open.
/// Rolls back on destruction unless committed.
class Transaction {
 public:
  Transaction(Connection& connection, const std::string& what);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();
  /// Rolls back now (no-op if already done); never throws.
  void rollback() noexcept;

 private:
  Connection& connection_;
  bool savepoint_ = false;
  bool open_ = false;
};

}  // namespace mageio::postgres
