// One connection to a MySQL or MariaDB server through MySQL Connector/C++ 1.1, and what every operation
// needs around it: the session setup, error translation, reconnecting after a lost connection, the
// "one open result stream at a time" rule, and cancellation (a watchdog that sends KILL QUERY from a
// second connection when the host cancels while a statement runs).
//
// Session setup on every (re)connect:
//   - character set utf8mb4 for everything sent and received (4-byte UTF-8 such as emoji survives);
//   - SET time_zone = '+00:00', so TIMESTAMP columns are read and written as UTC (they load as
//     timestamp[us, UTC]). A later `SET time_zone` through execute() is noticed before the next load:
//     TIMESTAMP columns then load as timestamp[us] without a zone (wall-clock time in that zone) and a
//     warning says so;
//   - autocommit stays as the server has it; the plugin's own writes run in explicit transactions;
//   - sql_mode is left alone (exports treat any warning as an error instead, see mysql_export.hpp);
//   - local infile is switched off on every Connector/C++ connection (libmariadb enables it by default, which
//     would let a hostile server read any file the client can). An export's LOAD DATA LOCAL INFILE runs on a
//     connection of its own made with the C API (mysql_infile.hpp), whose handler serves only the rows of
//     that export; that connection mirrors this session's settings (kMirroredSessionVariables).
//
// TLS (MYSQL_SSL_MODE), as libmariadb under Connector/C++ 1.1 really behaves (checked against a TLS
// MariaDB 10.11):
//   DISABLED         no TLS (MYSQL_SSL_CA/CERT/KEY must not be set)
//   PREFERRED        TLS when the server offers it (certificate not verified); plaintext when it does not.
//                    The default. With MYSQL_SSL_CA given it becomes VERIFY_CA (see mysql_connector.cpp).
//   REQUIRED         TLS or no connection. libmariadb silently falls back to plaintext when the server has
//                    no TLS even with "enforce" set, so the plugin checks Ssl_cipher after connecting.
//   VERIFY_CA        REQUIRED + the server certificate must chain to MYSQL_SSL_CA (required).
//   VERIFY_IDENTITY  VERIFY_CA + the certificate must name the host.
#pragma once

#include "mysql_errors.hpp"

#include <mageio/sdk/connector.hpp>

#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mageio::mysql {

enum class SslMode { Disabled, Preferred, Required, VerifyCa, VerifyIdentity };

/// The character set of every connection (4-byte UTF-8 such as emoji survives).
inline constexpr const char* kConnectionCharset = "utf8mb4";

/// A session variable a second connection that writes for this session (the LOAD DATA connection) copies from
/// it, so that it converts and checks values exactly as the session would. Integer variables are copied as
/// numbers, the others as strings.
struct MirroredVariable {
  const char* name;
  bool integer;
};
/// What decides how LOAD DATA turns text into values and which rows it accepts: sql_mode (strictness, zero
/// dates), time_zone (TIMESTAMP columns; the plugin sets it to UTC, user SQL may change it), the key checks
/// and auto-increment steps (user SQL may change them before an export).
inline constexpr MirroredVariable kMirroredSessionVariables[] = {
    {"sql_mode", false},
    {"time_zone", false},
    {"foreign_key_checks", true},
    {"unique_checks", true},
    {"auto_increment_increment", true},
    {"auto_increment_offset", true},
};

struct ConnectSettings {
  std::string host;
  int64_t port = 3306;
  std::string socket;  // a unix socket path; used instead of host/port when set
  std::string user;
  std::string password;
  std::string database;  // may be empty: then every target needs a schema
  int64_t connect_timeout = 10;
  bool allow_local_infile = false;
  SslMode ssl_mode = SslMode::Preferred;
  std::string ssl_ca, ssl_cert, ssl_key;

  /// "user@host:port/database" (or "user@unix:socket/database"), never the password.
  std::string describe() const;
};

/// What the server told us right after connecting.
struct ServerInfo {
  std::string version;  // VERSION()
  bool mariadb = false;
  int64_t max_allowed_packet = 4 << 20;
  int lower_case_table_names = 0;
  uint64_t connection_id = 0;
  bool local_infile = false;  // @@GLOBAL.local_infile: the server accepts LOAD DATA LOCAL
  std::string tls_cipher;     // empty without TLS
};

class Session {
 public:
  Session(ConnectSettings settings, const sdk::Host& host);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const sdk::Host& host() const { return host_; }
  const ConnectSettings& settings() const { return settings_; }
  const ServerInfo& server() const { return server_; }

  /// Starts an operation: refuses while a result stream is still open on the connection, reconnects a
  /// connection that was lost, and forgets an earlier cancellation.
  void begin(const std::string& operation);

  sql::Connection& connection() { return *connection_; }
  /// A statement; `streaming` makes its result sets forward-only, which Connector/C++ 1.1 reads with
  /// mysql_use_result (row by row from the socket, never the whole result in memory).
  std::unique_ptr<sql::Statement> statement(bool streaming = false);

  /// Runs one statement, discarding any rows; returns the server's affected-rows count. Throws the
  /// translated error, prefixed with `context`. For the plugin's own statements, which return no rows.
  int64_t run(const std::string& sql, const std::string& context);

  /// run() for a statement the user wrote: it may return rows and fail in the middle of them, which
  /// run() would not notice (see streamed_result_error), so this empties the diagnostics area first
  /// (one round trip) and checks it after the rows were discarded.
  int64_t run_user_statement(const std::string& sql, const std::string& context);

  /// Empties the connection's diagnostics area, so that streamed_result_error() sees only the errors of
  /// the next statement. The server resets the area only for statements that use a table (an earlier
  /// failure would still show after SELECT 1, DO or SET), so this reads a derived table, which counts as one.
  void clear_diagnostics(const std::string& context);

  using Row = std::vector<std::optional<std::string>>;
  /// A small query with bound string parameters (nullopt binds NULL); every value as text.
  std::vector<Row> query(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                         const std::string& context);

  /// The error a streamed (forward-only) result ended with, if it ended with one. Connector/C++ 1.1's
  /// forward-only ResultSet::next() returns false both at the last row and when the server sent an error
  /// instead of the next row (mysql_fetch_row gives NULL for both and the connector never reads
  /// mysql_errno), so a statement failing mid-result would look complete and its remaining rows would be
  /// lost silently. The server keeps that error in the connection's diagnostics area until the next
  /// statement that uses a table; SHOW ERRORS and GET DIAGNOSTICS read it without clearing it. Call right
  /// after the result's last next(), before any other statement on this connection, for a statement run
  /// right after clear_diagnostics().
  std::optional<sql::SQLException> streamed_result_error();

  /// The mageio error for a failure of this connection; notes a lost connection so the next operation
  /// reconnects.
  sdk::Error error(const sql::SQLException& error, const std::string& context);

  /// Whether the session's sql_mode lets backslashes escape in string literals (no NO_BACKSLASH_ESCAPES).
  bool backslash_escapes();
  /// Whether the session time zone is UTC (re-read after statements that may have changed it).
  bool time_zone_is_utc();
  /// Called after running user SQL: it may have changed session variables.
  void user_sql_ran() { time_zone_known_ = false; }

  /// A cleanup statement (DROP TABLE IF EXISTS of a staging table) that failed because the connection was
  /// lost: begin() runs it once the connection is back.
  void defer_cleanup(std::string sql) { deferred_cleanup_.push_back(std::move(sql)); }

  /// The one-stream-at-a-time rule: a load or execute stream holds the connection until it ends.
  void stream_opened() { stream_open_ = true; }
  void stream_closed() { stream_open_ = false; }

  /// While a Watch lives, a host cancellation kills the running statement (KILL QUERY from a second
  /// connection), polled every 50 ms. The Watch's end waits for a KILL in flight, so a kill can never land
  /// on a later statement (a KILL QUERY that finds the connection idle is forgotten when the next
  /// statement starts).
  class Watch {
   public:
    explicit Watch(Session& session);
    /// Watches a statement running on another connection of this session (the LOAD DATA connection):
    /// a cancellation kills that connection's statement.
    Watch(Session& session, uint64_t connection_id);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    Session& session_;
  };
  /// Whether this connection holds the export lock that marks its staging tables as in use (see
  /// mysql_export.cpp); a new connection does not.
  bool export_lock_held() const { return export_lock_connection_ == server_.connection_id && connection_; }
  void export_lock_taken() { export_lock_connection_ = server_.connection_id; }

  /// True when the connection was lost (the next operation reconnects).
  bool broken() const { return broken_; }
  /// True when the watchdog killed a statement of the current operation for the host.
  bool cancel_fired() const { return cancel_fired_.load(); }
  /// KILL QUERY <this connection> from a second connection; errors are logged, not thrown.
  void kill_running_query() { kill_query(server_.connection_id, side_connection_tls()); }

  /// Whether a second connection must use TLS: exactly when this one has it (or must have it).
  bool side_connection_tls() const;
  /// The current values of kMirroredSessionVariables on this connection, in that order.
  std::vector<std::string> mirrored_variables();

 private:
  int64_t run(const std::string& sql, const std::string& context, bool check_streamed_rows);
  std::unique_ptr<sql::Connection> open_connection(bool with_tls);
  void connect();
  void arm(uint64_t connection_id);
  void disarm();
  void watchdog_loop();
  void kill_query(uint64_t connection_id, bool tls);

  ConnectSettings settings_;
  const sdk::Host& host_;
  std::unique_ptr<sql::Connection> connection_;
  ServerInfo server_;
  bool broken_ = false;
  bool stream_open_ = false;
  bool time_zone_known_ = true;
  bool time_zone_utc_ = true;
  std::vector<std::string> deferred_cleanup_;
  uint64_t export_lock_connection_ = 0;

  std::mutex watchdog_mutex_;
  std::condition_variable watchdog_wake_;
  std::thread watchdog_;
  bool watchdog_stop_ = false;
  bool armed_ = false;
  bool killing_ = false;              // the watchdog is sending KILL QUERY right now
  uint64_t armed_connection_id_ = 0;  // the connection the armed watch protects (read by the watchdog)
  bool armed_tls_ = false;
  std::atomic<bool> cancel_fired_{false};
};

}  // namespace mageio::mysql
