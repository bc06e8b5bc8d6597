#include "mysql_session.hpp"

#include "mysql_sql.hpp"

#include <mysql_driver.h>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <chrono>

namespace mageio::mysql {
namespace {

sql::mysql::MySQL_Driver* driver() {
  // get_driver_instance() initialises the client library and keeps a process-wide registry: do it once.
  static std::once_flag once;
  static sql::mysql::MySQL_Driver* instance = nullptr;
  std::call_once(once, [] { instance = sql::mysql::get_mysql_driver_instance(); });
  return instance;
}

const char* ssl_mode_name(SslMode mode) {
  switch (mode) {
    case SslMode::Disabled: return "DISABLED";
    case SslMode::Preferred: return "PREFERRED";
    case SslMode::Required: return "REQUIRED";
    case SslMode::VerifyCa: return "VERIFY_CA";
    case SslMode::VerifyIdentity: return "VERIFY_IDENTITY";
  }
  return "?";
}

}  // namespace

std::string ConnectSettings::describe() const {
  std::string out = user + "@";
  if (!socket.empty())
    out += "unix:" + socket;
  else
    out += host + ":" + std::to_string(port);
  if (!database.empty()) out += "/" + database;
  return out;
}

Session::Session(ConnectSettings settings, const sdk::Host& host) : settings_(std::move(settings)), host_(host) {
  connect();
}

Session::~Session() {
  {
    std::lock_guard lock(watchdog_mutex_);
    watchdog_stop_ = true;
    watchdog_wake_.notify_all();
  }
  if (watchdog_.joinable()) watchdog_.join();
  try {
    connection_.reset();
  } catch (...) {
  }
}

std::unique_ptr<sql::Connection> Session::open_connection(bool with_tls) {
  sql::ConnectOptionsMap options;
  if (!settings_.socket.empty()) {
    options["hostName"] = sql::SQLString("localhost");
    options["socket"] = sql::SQLString(settings_.socket);
  } else {
    // tcp:// makes Connector/C++ use TCP even for "localhost" (as Mage's Python connector does); an
    // IPv6 literal goes in brackets so its colons are not read as a port.
    const bool ipv6 = settings_.host.find(':') != std::string::npos;
    options["hostName"] = sql::SQLString("tcp://" + (ipv6 ? "[" + settings_.host + "]" : settings_.host) + ":" +
                                         std::to_string(settings_.port));
    options["port"] = static_cast<int>(settings_.port);
  }
  options["userName"] = sql::SQLString(settings_.user);
  options["password"] = sql::SQLString(settings_.password);
  if (!settings_.database.empty()) options["schema"] = sql::SQLString(settings_.database);
  options["OPT_CHARSET_NAME"] = sql::SQLString(kConnectionCharset);
  options["characterSetResults"] = sql::SQLString(kConnectionCharset);
  options["OPT_CONNECT_TIMEOUT"] = static_cast<int>(settings_.connect_timeout);
  options["OPT_RECONNECT"] = false;
  // LOAD DATA LOCAL lets the server ask for any file the client can read, in answer to any statement, and
  // Connector/C++ 1.1 offers no way to choose which file is sent. So it is off on every connection made
  // here: an export's LOAD DATA runs on a C API connection whose handler serves only its own rows
  // (mysql_infile.hpp).
  options["OPT_LOCAL_INFILE"] = 0;
  if (with_tls) {
    if (!settings_.ssl_ca.empty()) options["sslCA"] = sql::SQLString(settings_.ssl_ca);
    if (!settings_.ssl_cert.empty()) options["sslCert"] = sql::SQLString(settings_.ssl_cert);
    if (!settings_.ssl_key.empty()) options["sslKey"] = sql::SQLString(settings_.ssl_key);
    options["sslEnforce"] = true;
    if (settings_.ssl_mode == SslMode::VerifyIdentity) options["sslVerify"] = true;
  }
  return std::unique_ptr<sql::Connection>(driver()->connect(options));
}

void Session::connect() {
  const std::string context = "cannot connect to " + settings_.describe();
  const bool tls = settings_.ssl_mode != SslMode::Disabled;
  try {
    try {
      connection_ = open_connection(tls);
    } catch (const sql::SQLException& e) {
      // PREFERRED: a TLS handshake that fails without a CA to verify against falls back to plaintext.
      if (!(settings_.ssl_mode == SslMode::Preferred && settings_.ssl_ca.empty() && e.getErrorCode() == 2026)) throw;
      host_.info("TLS handshake with " + settings_.describe() + " failed (" + e.what() +
                 "); MYSQL_SSL_MODE is PREFERRED, connecting without TLS");
      connection_ = open_connection(false);
    }
    auto statement = connection_->createStatement();
    std::unique_ptr<sql::Statement> owned(statement);
    owned->execute("SET time_zone = '+00:00'");
    std::unique_ptr<sql::ResultSet> info(owned->executeQuery(
        "SELECT VERSION(), @@max_allowed_packet, @@lower_case_table_names, CONNECTION_ID(), @@GLOBAL.local_infile"));
    if (info->next()) {
      server_.version = info->getString(1);
      server_.mariadb = server_.version.find("MariaDB") != std::string::npos;
      server_.max_allowed_packet = info->getInt64(2);
      server_.lower_case_table_names = info->getInt(3);
      server_.connection_id = info->getUInt64(4);
      server_.local_infile = info->getInt(5) != 0;
    }
    info.reset();
    std::unique_ptr<sql::ResultSet> cipher(owned->executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'"));
    server_.tls_cipher = cipher->next() ? std::string(cipher->getString(2)) : std::string();
  } catch (const sql::SQLException& e) {
    connection_.reset();
    throw translate(e, context, Phase::Connect, false, settings_.password);
  }
  if (settings_.ssl_mode >= SslMode::Required && server_.tls_cipher.empty()) {
    connection_.reset();
    throw sdk::Error(MAGEIO_STATUS_UNAVAILABLE,
                     mask_secret(context + ": MYSQL_SSL_MODE is " + ssl_mode_name(settings_.ssl_mode) +
                                     " but the server did not negotiate TLS (it has no TLS configured, "
                                     "have_ssl is not YES)",
                                 settings_.password));
  }
  broken_ = false;
  time_zone_known_ = true;
  time_zone_utc_ = true;
  host_.debug("connected to " + settings_.describe() + " (" + server_.version + ", connection id " +
              std::to_string(server_.connection_id) +
              (server_.tls_cipher.empty() ? ", no TLS" : ", TLS " + server_.tls_cipher) + ")");
}

void Session::begin(const std::string& operation) {
  if (stream_open_)
    throw sdk::invalid_argument("cannot run " + operation +
                                " while a result stream from this connection is still open: MySQL sends a "
                                "result over the connection row by row, so read the stream to its end or release "
                                "it first (or open a second connector)");
  cancel_fired_ = false;
  host_.check_cancelled();
  if (broken_ || !connection_) {
    host_.warning("the connection to " + settings_.describe() +
                  " was lost; reconnecting (session variables, temporary tables and any open transaction of the "
                  "old connection are gone)");
    connection_.reset();
    connect();
  }
  if (!deferred_cleanup_.empty()) {
    auto pending = std::move(deferred_cleanup_);
    deferred_cleanup_.clear();
    for (const auto& sql : pending) {
      try {
        run(sql, "cleanup");
      } catch (const std::exception& e) {
        host_.warning(std::string("cleanup after an earlier failure did not succeed (") + sql + "): " + e.what());
      }
    }
  }
}

std::unique_ptr<sql::Statement> Session::statement(bool streaming) {
  std::unique_ptr<sql::Statement> statement(connection_->createStatement());
  if (streaming) statement->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
  return statement;
}

int64_t Session::run(const std::string& sql, const std::string& context) { return run(sql, context, false); }

int64_t Session::run_user_statement(const std::string& sql, const std::string& context) {
  clear_diagnostics(context);
  return run(sql, context, true);
}

void Session::clear_diagnostics(const std::string& context) {
  try {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> rows(
        statement->executeQuery("SELECT 1 FROM (SELECT 1) AS mageio_clears_diagnostics"));
  } catch (const sql::SQLException& e) {
    throw error(e, context);
  }
}

int64_t Session::run(const std::string& sql, const std::string& context, bool check_streamed_rows) {
  try {
    Watch watch(*this);
    // Streaming, so rows nobody asked for are read and dropped one at a time, never held.
    auto statement = this->statement(true);
    if (statement->execute(sql)) {
      std::unique_ptr<sql::ResultSet> rows(statement->getResultSet());
      rows.reset();  // reads and drops the rest of the rows; an error among them ends them silently
      if (check_streamed_rows) {
        if (auto failed = streamed_result_error()) throw *failed;
      }
    }
    int64_t count = static_cast<int64_t>(statement->getUpdateCount());
    while (statement->getMoreResults()) {
      std::unique_ptr<sql::ResultSet> rows(statement->getResultSet());
    }
    return count;
  } catch (const sql::SQLException& e) {
    throw error(e, context);
  }
}

std::vector<Session::Row> Session::query(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                                         const std::string& context) {
  try {
    Watch watch(*this);
    std::unique_ptr<sql::PreparedStatement> statement(connection_->prepareStatement(sql));
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i])
        statement->setString(static_cast<unsigned>(i + 1), *params[i]);
      else
        statement->setNull(static_cast<unsigned>(i + 1), 0);
    }
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery());
    const unsigned columns = result->getMetaData()->getColumnCount();
    std::vector<Row> rows;
    while (result->next()) {
      Row row;
      for (unsigned c = 1; c <= columns; ++c) {
        sql::SQLString value = result->getString(c);
        if (result->wasNull())
          row.emplace_back(std::nullopt);
        else
          row.emplace_back(std::string(value));
      }
      rows.push_back(std::move(row));
    }
    return rows;
  } catch (const sql::SQLException& e) {
    throw error(e, context);
  }
}

std::optional<sql::SQLException> Session::streamed_result_error() {
  std::unique_ptr<sql::Statement> statement(connection_->createStatement());
  std::unique_ptr<sql::ResultSet> errors(statement->executeQuery("SHOW ERRORS LIMIT 1"));
  if (!errors->next()) return std::nullopt;
  const int code = errors->getInt(2);
  const std::string message = errors->getString(3);
  errors.reset();
  // SHOW ERRORS has no SQLSTATE column; GET DIAGNOSTICS has it (and, being diagnostic too, sees the same
  // area). HY000 is what the server itself reports for errors without a more specific state.
  std::string sqlstate = "HY000";
  statement->execute("GET DIAGNOSTICS CONDITION 1 @mageio_failed_sqlstate = RETURNED_SQLSTATE");
  std::unique_ptr<sql::ResultSet> state(statement->executeQuery("SELECT @mageio_failed_sqlstate"));
  if (state->next() && !state->isNull(1)) sqlstate = state->getString(1);
  return sql::SQLException(message, sqlstate, code);
}

sdk::Error Session::error(const sql::SQLException& e, const std::string& context) {
  if (connection_lost(e.getErrorCode())) broken_ = true;
  return translate(e, context, Phase::Run, cancel_fired_.load() || host_.cancelled(), settings_.password);
}

bool Session::backslash_escapes() {
  auto rows = query("SELECT @@SESSION.sql_mode", {}, "cannot read sql_mode");
  const std::string mode = rows.empty() || !rows[0][0] ? std::string() : *rows[0][0];
  return mode.find("NO_BACKSLASH_ESCAPES") == std::string::npos;
}

bool Session::time_zone_is_utc() {
  if (!time_zone_known_) {
    auto rows = query("SELECT @@SESSION.time_zone", {}, "cannot read the session time zone");
    std::string zone = rows.empty() || !rows[0][0] ? std::string() : *rows[0][0];
    time_zone_utc_ = zone == "+00:00" || zone == "+0:00" || zone == "UTC" || zone == "Etc/UTC" || zone == "GMT" ||
                     zone == "Etc/GMT" || zone == "-00:00";
    time_zone_known_ = true;
    if (!time_zone_utc_)
      host_.warning("the session time zone is '" + zone +
                    "', not UTC: TIMESTAMP columns load as timestamp[us] without a time zone (wall-clock time in "
                    "that zone)");
  }
  return time_zone_utc_;
}

std::vector<std::string> Session::mirrored_variables() {
  std::string sql = "SELECT ";
  for (const auto& variable : kMirroredSessionVariables)
    sql += std::string(sql.size() > 7 ? ", " : "") + "@@SESSION." + variable.name;
  auto rows = query(sql, {}, "cannot read the session variables a second connection copies");
  std::vector<std::string> values;
  for (size_t i = 0; i < std::size(kMirroredSessionVariables); ++i)
    values.push_back(rows.empty() || i >= rows[0].size() || !rows[0][i] ? std::string() : *rows[0][i]);
  return values;
}

// --- Cancellation -------------------------------------------------------------------------------

Session::Watch::Watch(Session& session) : session_(session) { session_.arm(session_.server_.connection_id); }
Session::Watch::Watch(Session& session, uint64_t connection_id) : session_(session) { session_.arm(connection_id); }
Session::Watch::~Watch() { session_.disarm(); }

void Session::arm(uint64_t connection_id) {
  std::lock_guard lock(watchdog_mutex_);
  if (!watchdog_.joinable()) watchdog_ = std::thread([this] { watchdog_loop(); });
  armed_ = true;
  armed_connection_id_ = connection_id;
  armed_tls_ = side_connection_tls();
  watchdog_wake_.notify_all();
}

void Session::disarm() {
  std::unique_lock lock(watchdog_mutex_);
  armed_ = false;
  watchdog_wake_.wait(lock, [this] { return !killing_; });
}

void Session::watchdog_loop() {
  std::unique_lock lock(watchdog_mutex_);
  while (!watchdog_stop_) {
    if (!armed_ || cancel_fired_) {
      watchdog_wake_.wait(lock);
      continue;
    }
    watchdog_wake_.wait_for(lock, std::chrono::milliseconds(50));
    if (watchdog_stop_ || !armed_ || cancel_fired_) continue;
    if (!host_.cancelled()) continue;
    cancel_fired_ = true;
    killing_ = true;
    const uint64_t victim = armed_connection_id_;
    const bool tls = armed_tls_;
    lock.unlock();
    kill_query(victim, tls);
    lock.lock();
    killing_ = false;
    watchdog_wake_.notify_all();
  }
}

// TLS for a second connection exactly when the main one has it (or must have it).
bool Session::side_connection_tls() const {
  return settings_.ssl_mode >= SslMode::Required ||
         (settings_.ssl_mode == SslMode::Preferred && !server_.tls_cipher.empty());
}

// Runs on the watchdog thread too: touches nothing of the session but the (immutable) settings.
void Session::kill_query(uint64_t connection_id, bool tls) {
  try {
    auto side = open_connection(tls);
    std::unique_ptr<sql::Statement> statement(side->createStatement());
    statement->execute("KILL QUERY " + std::to_string(connection_id));
  } catch (const sql::SQLException& e) {
    host_.debug(
        mask_secret(std::string("KILL QUERY from a second connection failed: ") + e.what(), settings_.password));
  } catch (const std::exception& e) {
    host_.debug(std::string("KILL QUERY from a second connection failed: ") + e.what());
  }
}

}  // namespace mageio::mysql
