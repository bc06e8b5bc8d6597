// Over 500 lines on purpose: one libpq connection and what lives on it (the non-blocking I/O loop, cancel,
// COPY, prepared statements, the pool and transactions) share its private state; split, each part would
// need that state exposed.
#include "pg_connection.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace mageio::postgres {
namespace {

constexpr int kPollMillis = 100;  // how often a waiting call looks at the host's cancel flag
// How long an operation may still wait on the server once the host asked to stop. A live server
// answers a cancel request in milliseconds; one that has not after this is stopped, hung or
// unreachable, and closing the connection is the only way to stop waiting for it.
constexpr auto kCancelGrace = std::chrono::seconds(1);

void trim_newlines(std::string& text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
}

bool is_sqlstate(std::string_view text) {
  if (text.size() != 5) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

// libpq has no PGresult for a failed connection attempt, only PQerrorMessage. With verbosity VERBOSE
// (set before the first PQconnectPoll) each server error in it reads "FATAL:  28P01: message" followed
// by a "LOCATION:" line. Returns the first SQLSTATE found (empty when no server answered) and the
// message in libpq's usual terse form (SQLSTATE and LOCATION lines removed).
std::pair<std::string, std::string> parse_connect_error(const std::string& raw) {
  std::string sqlstate;
  std::string message;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find('\n', start);
    if (end == std::string::npos) end = raw.size();
    std::string line = raw.substr(start, end - start);
    start = end + 1;
    size_t first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line.compare(first, 9, "LOCATION:") == 0) continue;
    for (const char* severity : {"FATAL:  ", "ERROR:  ", "PANIC:  "}) {
      size_t at = line.find(severity);
      if (at == std::string::npos) continue;
      size_t code = at + std::strlen(severity);
      if (line.size() >= code + 7 && is_sqlstate(std::string_view(line).substr(code, 5)) &&
          line.compare(code + 5, 2, ": ") == 0) {
        if (sqlstate.empty()) sqlstate = line.substr(code, 5);
        line.erase(code, 7);
      }
      break;
    }
    trim_newlines(line);
    if (line.empty()) continue;
    if (!message.empty()) message += ' ';
    message += line.substr(line.find_first_not_of(" \t") == std::string::npos ? 0 : line.find_first_not_of(" \t"));
  }
  return {sqlstate, message};
}

void forward_notice(void* arg, const char* message) {
  const auto* host = static_cast<const sdk::Host*>(arg);
  if (host == nullptr || message == nullptr) return;
  std::string text = message;
  trim_newlines(text);
  host->log(text.starts_with("WARNING") ? MAGEIO_LOG_WARNING : MAGEIO_LOG_INFO, text);
}

}  // namespace

// A cancel request in flight. PQcancel opens a new connection to the server and waits for it to
// close; libpq 15 has no way to bound that, so it runs on a detached helper thread that owns this
// state (shared with the connection, which logs a failure once it is known).
struct CancelRequest {
  std::atomic<bool> done{false};
  std::string error;  // written before done is set
  bool reported = false;
};

MageioStatus status_for_sqlstate(const std::string& s) {
  if (s.size() != 5) return MAGEIO_STATUS_BACKEND;
  const std::string klass = s.substr(0, 2);
  if (klass == "28") return MAGEIO_STATUS_UNAUTHENTICATED;
  if (klass == "08" || s == "57P01" || s == "57P02" || s == "57P03" || s == "53300") return MAGEIO_STATUS_UNAVAILABLE;
  if (s == "42P01" || s == "3F000" || s == "3D000" || s == "42703") return MAGEIO_STATUS_NOT_FOUND;
  if (s == "42P07" || s == "42P06" || s == "42701" || s == "42710") return MAGEIO_STATUS_ALREADY_EXISTS;
  if (klass == "22" || klass == "23") return MAGEIO_STATUS_INVALID_ARGUMENT;
  return MAGEIO_STATUS_BACKEND;
}

int64_t Result::affected_rows() const {
  const char* text = PQcmdTuples(result_);
  if (text == nullptr || *text == '\0') return -1;
  return std::strtoll(text, nullptr, 10);
}

// --- Connection ---------------------------------------------------------------------------------

Connection::Connection(const ConnectionSettings& settings, const sdk::Host* host) : settings_(&settings), host_(host) {
  std::vector<const char*> keywords, values;
  for (size_t i = 0; i < settings.keywords.size(); ++i) {
    keywords.push_back(settings.keywords[i].c_str());
    values.push_back(settings.values[i].c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectStartParams(keywords.data(), values.data(), 0);
  if (conn_ == nullptr) throw sdk::Error(MAGEIO_STATUS_INTERNAL, "out of memory allocating a libpq connection");

  auto fail = [&](std::string sqlstate, std::string detail) -> sdk::Error {
    auto [found, message] = parse_connect_error(detail);
    if (sqlstate.empty()) sqlstate = found;
    // No server error means no server answered (refused, unreachable, timed out, TLS failure):
    // 08001, sqlclient_unable_to_establish_sqlconnection.
    if (sqlstate.empty()) sqlstate = "08001";
    PQfinish(conn_);
    conn_ = nullptr;
    return sdk::Error(
        status_for_sqlstate(sqlstate),
        mask("cannot connect to " + settings.describe + ": " + (message.empty() ? "unknown error" : message)),
        sqlstate);
  };

  PQsetErrorVerbosity(conn_, PQERRORS_VERBOSE);
  if (PQstatus(conn_) == CONNECTION_BAD) throw fail("", PQerrorMessage(conn_));

  using clock = std::chrono::steady_clock;
  const bool has_deadline = settings.connect_timeout_seconds > 0;
  // libpq's own rule: a timeout below 2 seconds is raised to 2.
  const auto deadline = clock::now() + std::chrono::seconds(std::max(settings.connect_timeout_seconds, 2));
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) throw fail("", PQerrorMessage(conn_));
    int wait = kPollMillis;
    if (has_deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
      if (left <= 0)
        throw fail("08001", "timeout expired after " + std::to_string(settings.connect_timeout_seconds) +
                                " seconds (POSTGRES_CONNECT_TIMEOUT)");
      wait = static_cast<int>(std::min<long long>(wait, left));
    }
    pollfd fd{PQsocket(conn_), static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    int ready = fd.fd < 0 ? 1 : poll(&fd, 1, wait);
    if (host_ != nullptr && host_->cancelled()) {
      PQfinish(conn_);
      conn_ = nullptr;
      throw sdk::cancelled_error();
    }
    if (ready < 0 && errno != EINTR) throw fail("08001", std::string("poll failed: ") + std::strerror(errno));
    if (ready > 0) state = PQconnectPoll(conn_);
  }
  PQsetErrorVerbosity(conn_, PQERRORS_DEFAULT);
  // Non-blocking: libpq then never waits on the socket itself (a blocking PQputCopyData to a server
  // that stopped reading would wait forever, deaf to the cancel flag); every wait is ours (wait_socket).
  if (PQsetnonblocking(conn_, 1) != 0) throw fail("08006", PQerrorMessage(conn_));
  // Server notices (e.g. "table does not exist, skipping") go to the host's log, not to stderr.
  PQsetNoticeProcessor(conn_, &forward_notice, const_cast<sdk::Host*>(host_));
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

sdk::Error Connection::error_from(const PGresult* result, const std::string& what) const {
  auto field = [&](int code) -> std::string {
    const char* value = result ? PQresultErrorField(result, code) : nullptr;
    return value ? value : "";
  };
  std::string sqlstate = field(PG_DIAG_SQLSTATE);
  std::string primary = field(PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) primary = result ? PQresultErrorMessage(result) : "";
  if (primary.empty()) primary = PQerrorMessage(conn_);
  trim_newlines(primary);
  const bool broken = PQstatus(conn_) == CONNECTION_BAD;
  // libpq's own errors (the server vanished) carry no SQLSTATE: 08006 is connection_failure.
  if (sqlstate.empty() && broken) sqlstate = "08006";
  std::string message = what + ": " + primary;
  if (auto detail = field(PG_DIAG_MESSAGE_DETAIL); !detail.empty()) message += " (" + detail + ")";
  if (auto hint = field(PG_DIAG_MESSAGE_HINT); !hint.empty()) message += "; hint: " + hint;
  if (auto context = field(PG_DIAG_CONTEXT); !context.empty()) {
    trim_newlines(context);
    std::replace(context.begin(), context.end(), '\n', ' ');
    message += "; context: " + context;
  }
  if (broken) message += " (the connection to the server was lost)";
  MageioStatus status = status_for_sqlstate(sqlstate);
  if (sqlstate == "57014" && cancel_sent_) {
    status = MAGEIO_STATUS_CANCELLED;
    message = what + ": cancelled by the host";
  }
  return sdk::Error(status, mask(message), sqlstate);
}

sdk::Error Connection::connection_error(const std::string& what) const {
  std::string text = PQerrorMessage(conn_);
  trim_newlines(text);
  if (text.empty()) text = "the connection to the server was lost";
  return sdk::Error(MAGEIO_STATUS_UNAVAILABLE, mask(what + ": " + text), "08006");
}

bool Connection::usable() const { return conn_ != nullptr && !closed_ && PQstatus(conn_) == CONNECTION_OK; }

bool Connection::reusable() const {
  if (!usable() || PQisBusy(conn_)) return false;
  // A cancel request travels on its own connection and the server applies it to whatever this backend runs
  // when it arrives: if the statement ended before the cancel did, the next statement on this connection
  // would be the one cancelled ("canceling statement due to user request"). Only a 57014 answer proves the
  // request has been spent.
  if (cancel_sent_ && !cancel_answered_) return false;
  auto status = PQtransactionStatus(conn_);
  return status == PQTRANS_IDLE || status == PQTRANS_INTRANS || status == PQTRANS_INERROR;
}

bool Connection::in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

bool Connection::transaction_aborted() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

void Connection::note_cancel() {
  if (!cancel_seen_at_) cancel_seen_at_ = std::chrono::steady_clock::now();
}

void Connection::request_cancel() {
  note_cancel();
  if (cancel_sent_ || closed_) return;
  cancel_sent_ = true;
  PGcancel* cancel = PQgetCancel(conn_);
  if (cancel == nullptr) return;
  auto request = std::make_shared<CancelRequest>();
  cancel_request_ = request;
  std::thread([cancel, request] {
    char error[256] = "";
    if (!PQcancel(cancel, error, sizeof error)) request->error = error[0] != '\0' ? error : "unknown error";
    PQfreeCancel(cancel);
    request->done = true;
  }).detach();
}

void Connection::check_cancelled() {
  if (!cleanup_ && host_->cancelled()) {
    request_cancel();
    throw sdk::cancelled_error();
  }
}

void Connection::close_connection() {
  if (closed_) return;
  closed_ = true;
  // Not PQfinish: callers up the stack still hold conn_. After shutdown() every libpq read or write on
  // it fails at once, and the server sees the connection end (and rolls back) as soon as it runs.
  const int fd = PQsocket(conn_);
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

short Connection::wait_socket(short events, const std::string& what) {
  using clock = std::chrono::steady_clock;
  if (closed_) throw connection_error(what);
  if (cancel_request_ && cancel_request_->done && !cancel_request_->reported) {
    cancel_request_->reported = true;
    if (!cancel_request_->error.empty()) host_->warning("cancel request failed: " + mask(cancel_request_->error));
  }
  if (host_->cancelled()) {
    if (!cleanup_) request_cancel();
    note_cancel();
  }
  if (cancel_seen_at_ && clock::now() - *cancel_seen_at_ > kCancelGrace) {
    close_connection();
    throw sdk::Error(MAGEIO_STATUS_CANCELLED,
                     mask(what + ": cancelled by the host; the server " + settings_->describe +
                          " did not answer the cancel request within 1 s, so the connection was closed (the "
                          "server rolls the transaction back)"));
  }
  const int timeout = settings_->read_timeout_seconds;
  if (timeout > 0 && idle_ >= std::chrono::seconds(timeout)) {
    close_connection();
    throw sdk::Error(MAGEIO_STATUS_UNAVAILABLE,
                     mask(what + ": timed out: the server " + settings_->describe + " sent and accepted nothing for " +
                          std::to_string(timeout) +
                          " s (POSTGRES_READ_TIMEOUT); the connection was closed (the server rolls the "
                          "transaction back)"),
                     "08006");
  }
  pollfd fd{PQsocket(conn_), events, 0};
  if (fd.fd < 0) return POLLERR;  // broken: the caller's next libpq call reports it
  const auto started = clock::now();
  const int ready = poll(&fd, 1, kPollMillis);
  if (ready > 0) {
    idle_ = {};
    return fd.revents;
  }
  // Only time spent waiting here counts towards the read timeout, not the caller's own work between
  // two waits (e.g. reading a slow input while exporting).
  if (ready == 0) idle_ += clock::now() - started;
  return 0;
}

void Connection::flush_output(const std::string& what) {
  for (;;) {
    const int pending = PQflush(conn_);
    if (pending == 0) return;
    if (pending < 0) throw connection_error(what);
    // libpq's rule for a non-blocking flush: wait until the socket can take more or has something
    // to read, and read it (the server may be sending while it cannot take our data).
    if (wait_socket(POLLIN | POLLOUT, what) & POLLIN)
      if (!PQconsumeInput(conn_)) throw connection_error(what);
  }
}

void Connection::put_copy_data(const char* data, size_t size, const std::string& what) {
  for (;;) {
    const int queued = PQputCopyData(conn_, data, static_cast<int>(size));
    if (queued < 0) throw connection_error(what);
    if (queued == 1) break;
    if (wait_socket(POLLIN | POLLOUT, what) & POLLIN)
      if (!PQconsumeInput(conn_)) throw connection_error(what);
  }
  // Sending it all before returning keeps libpq's buffer (which grows in non-blocking mode) to one
  // chunk: memory stays bounded when the server is slower than the input.
  flush_output(what);
}

void Connection::put_copy_end(const char* error, const std::string& what) {
  for (;;) {
    const int queued = PQputCopyEnd(conn_, error);
    if (queued < 0) throw connection_error(what);
    if (queued == 1) break;
    if (wait_socket(POLLIN | POLLOUT, what) & POLLIN)
      if (!PQconsumeInput(conn_)) throw connection_error(what);
  }
  flush_output(what);
}

void Connection::consume_input(const std::string& what) {
  if (!PQconsumeInput(conn_)) throw connection_error(what);
}

void Connection::send_query(const std::string& sql, const std::string& what) {
  if (!PQsendQuery(conn_, sql.c_str())) throw connection_error(what);
}

Result Connection::next_result(const std::string& what) {
  while (PQisBusy(conn_)) {
    // In non-blocking mode the statement (or the end of a COPY) may still be partly in libpq's buffer:
    // the server cannot answer before it has it all.
    const int pending = PQflush(conn_);
    if (pending < 0) break;
    wait_socket(pending == 1 ? POLLIN | POLLOUT : POLLIN, what);
    // A failed read means the server went away; PQgetResult then yields the error it left behind
    // (e.g. 57P01 from pg_terminate_backend) or libpq's own.
    if (!PQconsumeInput(conn_)) break;
  }
  Result result(PQgetResult(conn_));
  if (cancel_sent_ && result && result.status() == PGRES_FATAL_ERROR) {
    const char* sqlstate = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    if (sqlstate != nullptr && std::string_view(sqlstate) == "57014") cancel_answered_ = true;
  }
  return result;
}

bool Connection::end_unexpected_copy(const Result& result, const std::string& what,
                                     std::optional<sdk::Error>& failure) {
  switch (result.status()) {
    case PGRES_COPY_IN:
    case PGRES_COPY_BOTH:
      // A COPY ... FROM STDIN sent through execute: there is no data to give it. (libpq would hand
      // out this result forever if the COPY were not ended.)
      PQputCopyEnd(conn_, "COPY FROM STDIN is not supported here; use export");
      if (!failure) failure = sdk::invalid_argument(what + ": COPY ... FROM STDIN is not supported here; use export");
      return true;
    case PGRES_COPY_OUT: {
      for (;;) {
        char* buffer = nullptr;
        const int length = PQgetCopyData(conn_, &buffer, 1);
        if (length > 0) PQfreemem(buffer);
        if (length < 0) break;
        if (length == 0) {
          wait_readable(what);
          if (!PQconsumeInput(conn_)) break;
        }
      }
      if (!failure) failure = sdk::invalid_argument(what + ": COPY ... TO STDOUT is not supported here; use load");
      return true;
    }
    default: return false;
  }
}

std::vector<Result> Connection::exec_all(const std::string& sql, const std::string& what) {
  if (!cleanup_) reset_cancel();
  send_query(sql, what);
  std::vector<Result> results;
  std::optional<sdk::Error> failure;
  while (Result result = next_result(what)) {
    if (result.status() == PGRES_FATAL_ERROR) {
      if (!failure) failure = error_from(result.get(), what);
    } else if (!end_unexpected_copy(result, what, failure)) {
      results.push_back(std::move(result));
    }
    if (PQstatus(conn_) == CONNECTION_BAD) break;
  }
  if (failure) throw *failure;
  if (PQstatus(conn_) == CONNECTION_BAD) throw connection_error(what);
  return results;
}

Result Connection::exec(const std::string& sql, const std::string& what) {
  auto results = exec_all(sql, what);
  if (results.empty()) return Result();
  return std::move(results.back());
}

Result Connection::exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                               const std::string& what) {
  if (!cleanup_) reset_cancel();
  std::vector<const char*> values;
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  if (!PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr,
                         0))
    throw connection_error(what);
  return finish_command(what);
}

Result Connection::describe(const std::string& sql, const std::string& what) {
  reset_cancel();
  if (!PQsendPrepare(conn_, "", sql.c_str(), 0, nullptr)) throw connection_error(what);
  finish_command(what);
  if (!PQsendDescribePrepared(conn_, "")) throw connection_error(what);
  return finish_command(what);
}

Result Connection::exec_prepared(const std::string& what) {
  if (!PQsendQueryPrepared(conn_, "", 0, nullptr, nullptr, nullptr, 0)) throw connection_error(what);
  return finish_command(what);
}

void Connection::start_copy(const std::string& sql, ExecStatusType expected, const std::string& what) {
  reset_cancel();
  send_query(sql, what);
  Result result = next_result(what);
  if (result && result.status() == expected) return;
  std::optional<sdk::Error> failure;
  if (result && result.status() == PGRES_FATAL_ERROR) failure = error_from(result.get(), what);
  result.reset();
  // Whatever it was, read the command to its end so the connection is usable again.
  CleanupScope cleanup(*this);
  try {
    finish_command(what);
  } catch (const sdk::Error& error) {
    if (!failure) failure = error;
  }
  if (failure) throw *failure;
  throw sdk::Error(MAGEIO_STATUS_INTERNAL, what + ": the server did not start the COPY");
}

Result Connection::finish_command(const std::string& what) {
  Result last;
  std::optional<sdk::Error> failure;
  while (Result result = next_result(what)) {
    if (result.status() == PGRES_FATAL_ERROR) {
      if (!failure) failure = error_from(result.get(), what);
    } else if (!end_unexpected_copy(result, what, failure)) {
      last = std::move(result);
    }
    if (PQstatus(conn_) == CONNECTION_BAD) break;
  }
  if (failure) throw *failure;
  if (PQstatus(conn_) == CONNECTION_BAD) throw connection_error(what);
  return last;
}

// --- ConnectionPool -------------------------------------------------------------------------------

ConnectionPool::ConnectionPool(ConnectionSettings settings, const sdk::Host* host)
    : settings_(std::move(settings)), host_(host) {}

ConnectionPool::Lease ConnectionPool::acquire(bool outside_transaction) {
  {
    std::lock_guard lock(mutex_);
    // The lowest order first: the primary connection (order 0) whenever it is free.
    auto best = idle_.end();
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if (outside_transaction && it->second->in_transaction()) continue;
      if (best == idle_.end() || it->first < best->first) best = it;
    }
    if (best != idle_.end()) {
      auto entry = std::move(*best);
      idle_.erase(best);
      return Lease(shared_from_this(), std::move(entry.second), entry.first);
    }
  }
  return acquire_new();
}

ConnectionPool::Lease ConnectionPool::acquire_new() {
  auto connection = std::make_unique<Connection>(settings_, host_);
  int order;
  {
    std::lock_guard lock(mutex_);
    order = next_order_++;
  }
  return Lease(shared_from_this(), std::move(connection), order);
}

void ConnectionPool::put_back(std::unique_ptr<Connection> connection, int order) {
  if (!connection || !connection->reusable()) return;
  std::lock_guard lock(mutex_);
  // Keep at most two idle connections: the primary and one spare.
  if (idle_.size() >= 2) return;
  idle_.emplace_back(order, std::move(connection));
}

void ConnectionPool::Lease::give_back() {
  if (pool_ && connection_) pool_->put_back(std::move(connection_), order_);
  connection_.reset();
  pool_.reset();
}

// --- Transaction ----------------------------------------------------------------------------------

Transaction::Transaction(Connection& connection, const std::string& what) : connection_(connection) {
  switch (PQtransactionStatus(connection.raw())) {
    case PQTRANS_IDLE: connection.exec("BEGIN", what + ": BEGIN failed"); break;
    case PQTRANS_INTRANS:
      savepoint_ = true;
      connection.exec("SAVEPOINT mageio_operation", what + ": SAVEPOINT failed");
      break;
    case PQTRANS_INERROR:
      throw sdk::Error(
          MAGEIO_STATUS_BACKEND,
          what + ": the session's transaction is aborted (a statement failed after BEGIN); run ROLLBACK first",
          "25P02");
    default: throw connection.connection_error(what);
  }
  open_ = true;
}

Transaction::~Transaction() { rollback(); }

void Transaction::commit() {
  if (!open_) return;
  Result result = connection_.exec(savepoint_ ? "RELEASE SAVEPOINT mageio_operation" : "COMMIT", "COMMIT failed");
  open_ = false;
  // COMMIT of a transaction that failed answers "ROLLBACK" instead of an error.
  if (!savepoint_ && result && std::strcmp(PQcmdStatus(result.get()), "ROLLBACK") == 0)
    throw sdk::Error(MAGEIO_STATUS_BACKEND, "COMMIT failed: the transaction had been aborted and was rolled back",
                     "25P02");
}

void Transaction::rollback() noexcept {
  if (!open_) return;
  open_ = false;
  if (!connection_.usable()) return;  // the server rolls back when it loses us
  try {
    Connection::CleanupScope cleanup(connection_);
    connection_.exec(
        savepoint_ ? "ROLLBACK TO SAVEPOINT mageio_operation; RELEASE SAVEPOINT mageio_operation" : "ROLLBACK",
        "ROLLBACK failed");
  } catch (...) {
    // Nothing to add: the original error is what the caller reports.
  }
}

}  // namespace mageio::postgres
