#include "mysql_infile.hpp"

#include <mageio/sdk/error.hpp>

#include <mysql.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

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

// --- InfileSource ----------------------------------------------------------------------------------

InfileSource::InfileSource(std::string offered_name, Producer producer)
    : offered_name_(std::move(offered_name)), producer_(std::move(producer)) {}

InfileSource::~InfileSource() { finish(); }

bool InfileSource::open(const std::string& requested) {
  if (requested != offered_name_ || opened_) {
    // The server's text goes into an error message: bounded, whatever it sent.
    constexpr size_t kShown = 512;
    refused_name_ = requested.size() > kShown ? requested.substr(0, kShown) + "..." : requested;
    return false;
  }
  opened_ = true;
  producer_thread_ = std::thread([this] { produce(); });
  return true;
}

void InfileSource::produce() {
  try {
    bool more = true;
    while (more) {
      std::string chunk;
      chunk.reserve(kChunkBytes + (kChunkBytes >> 2));
      more = producer_(chunk);
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return queue_.size() < kQueuedChunks || stop_; });
      if (stop_) break;  // the statement ended: nobody takes more
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

int InfileSource::read(char* out, unsigned size) {
  while (current_at_ >= current_.size()) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !queue_.empty() || produced_all_; });
    if (queue_.empty()) {
      if (error_) return -1;
      completed_ = true;
      return 0;
    }
    current_ = std::move(queue_.front());
    queue_.pop_front();
    current_at_ = 0;
    changed_.notify_all();
  }
  const size_t n = std::min<size_t>({size, current_.size() - current_at_, size_t{1} << 30});
  std::memcpy(out, current_.data() + current_at_, n);
  current_at_ += n;
  return static_cast<int>(n);
}

std::string InfileSource::error_text() const {
  if (refused_name_)
    return "the server asked for the file '" + *refused_name_ + "', which this export did not offer; refused";
  return "the rows for LOAD DATA could not be produced";
}

void InfileSource::finish() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    changed_.notify_all();
  }
  if (producer_thread_.joinable()) producer_thread_.join();
}

// --- The local-infile handler -------------------------------------------------------------------------
//
// libmariadb calls these for a file request of the server. `userdata` is the InfileSource of the LOAD DATA
// running, or null between statements: then every request is refused.

namespace {

constexpr int kRefusedCode = 2000;  // CR_UNKNOWN_ERROR: libmariadb reports the handler's errors under it
constexpr const char* kNoExportRunning =
    "the server asked for a local file while no export's LOAD DATA was running; refused";

int infile_init(void** handle, const char* name, void* userdata) {
  auto* source = static_cast<InfileSource*>(userdata);
  *handle = source;
  return source != nullptr && source->open(name != nullptr ? name : "") ? 0 : 1;
}

int infile_read(void* handle, char* out, unsigned size) { return static_cast<InfileSource*>(handle)->read(out, size); }

void infile_end(void*) {}  // the source lives on: the export reads its state after the statement

int infile_error(void* handle, char* out, unsigned size) {
  const std::string text = handle != nullptr ? static_cast<InfileSource*>(handle)->error_text() : kNoExportRunning;
  if (size > 0) {
    const size_t n = std::min<size_t>(text.size(), size - 1);
    std::memcpy(out, text.data(), n);
    out[n] = '\0';
  }
  return kRefusedCode;
}

void serve_only(MYSQL* mysql, InfileSource* source) {
  mysql_set_local_infile_handler(mysql, infile_init, infile_read, infile_end, infile_error, source);
}

}  // namespace

// --- LoadConnection ---------------------------------------------------------------------------------

LoadConnection::LoadConnection(const ConnectSettings& settings, bool tls, const std::vector<std::string>& variables) {
  mysql_ = mysql_init(nullptr);
  if (mysql_ == nullptr) throw ClientError{2008, "HY000", "out of memory for a connection"};  // CR_OUT_OF_MEMORY
  // The same options as Session::open_connection gives Connector/C++.
  unsigned int timeout = static_cast<unsigned int>(settings.connect_timeout);
  mysql_options(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(mysql_, MYSQL_SET_CHARSET_NAME, kConnectionCharset);
  my_bool no = 0, yes = 1;
  mysql_options(mysql_, MYSQL_OPT_RECONNECT, &no);
  unsigned int protocol = settings.socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  mysql_options(mysql_, MYSQL_OPT_PROTOCOL, &protocol);
  // "auto" (2): file requests are answered only in reply to a statement starting with LOAD; and then only by
  // the handler below, never by libmariadb's default one that opens files.
  unsigned int local_infile_only_after_load = 2;
  mysql_options(mysql_, MYSQL_OPT_LOCAL_INFILE, &local_infile_only_after_load);
  serve_only(mysql_, nullptr);
  if (tls) {
    if (!settings.ssl_ca.empty()) mysql_options(mysql_, MYSQL_OPT_SSL_CA, settings.ssl_ca.c_str());
    if (!settings.ssl_cert.empty()) mysql_options(mysql_, MYSQL_OPT_SSL_CERT, settings.ssl_cert.c_str());
    if (!settings.ssl_key.empty()) mysql_options(mysql_, MYSQL_OPT_SSL_KEY, settings.ssl_key.c_str());
    mysql_options(mysql_, MYSQL_OPT_SSL_ENFORCE, &yes);
    if (settings.ssl_mode == SslMode::VerifyIdentity) mysql_options(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
  }
  const bool socket = !settings.socket.empty();
  if (mysql_real_connect(mysql_, socket ? "localhost" : settings.host.c_str(), settings.user.c_str(),
                         settings.password.c_str(), settings.database.empty() ? nullptr : settings.database.c_str(),
                         socket ? 0 : static_cast<unsigned int>(settings.port),
                         socket ? settings.socket.c_str() : nullptr, 0) == nullptr) {
    ClientError error{static_cast<int>(mysql_errno(mysql_)), mysql_sqlstate(mysql_), mysql_error(mysql_)};
    mysql_close(mysql_);
    throw error;
  }
  // libmariadb falls back to plaintext when the server offers no TLS, even with "enforce" set.
  if (tls && mysql_get_ssl_cipher(mysql_) == nullptr) {
    mysql_close(mysql_);
    throw ClientError{2026, "HY000",  // CR_SSL_CONNECTION_ERROR
                      "the server did not negotiate TLS on the LOAD DATA connection, which the session's "
                      "connection uses"};
  }
  connection_id_ = mysql_thread_id(mysql_);
  try {
    set_variables(variables);
  } catch (...) {
    mysql_close(mysql_);
    throw;
  }
}

LoadConnection::~LoadConnection() {
  if (in_transaction_) mysql_real_query(mysql_, "ROLLBACK", 8);  // closing would too, but later
  mysql_close(mysql_);
}

void LoadConnection::fail() {
  throw ClientError{static_cast<int>(mysql_errno(mysql_)), mysql_sqlstate(mysql_), mysql_error(mysql_)};
}

void LoadConnection::set_variables(const std::vector<std::string>& values) {
  std::string sql;
  for (size_t i = 0; i < values.size() && i < std::size(kMirroredSessionVariables); ++i) {
    const MirroredVariable& variable = kMirroredSessionVariables[i];
    const std::string& value = values[i];
    sql += (sql.empty() ? "SET SESSION " : ", ") + std::string(variable.name) + " = ";
    if (variable.integer) {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
        throw ClientError{0, "",
                          "the session's " + std::string(variable.name) + " is '" + value +
                              "', not a number; cannot copy it to the LOAD DATA connection"};
      sql += value;
    } else {
      // Escaped for this connection's own sql_mode (the SET is parsed before it changes anything).
      std::string escaped(value.size() * 2 + 1, '\0');
      escaped.resize(mysql_real_escape_string(mysql_, escaped.data(), value.data(), value.size()));
      sql += "'" + escaped + "'";
    }
  }
  if (!sql.empty()) run(sql);
}

void LoadConnection::run(const std::string& sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) fail();
  // Statements run here return no rows; drop any, so the connection is ready for the next.
  do {
    if (MYSQL_RES* result = mysql_store_result(mysql_)) mysql_free_result(result);
  } while (mysql_next_result(mysql_) == 0);
}

void LoadConnection::begin() {
  run("START TRANSACTION");
  in_transaction_ = true;
}

void LoadConnection::commit() {
  run("COMMIT");
  in_transaction_ = false;
}

int64_t LoadConnection::load(const std::string& sql, InfileSource& source) {
  serve_only(mysql_, &source);
  const int status = mysql_real_query(mysql_, sql.data(), sql.size());
  serve_only(mysql_, nullptr);
  if (status != 0) fail();
  const int64_t affected = static_cast<int64_t>(mysql_affected_rows(mysql_));
  if (MYSQL_RES* result = mysql_store_result(mysql_)) mysql_free_result(result);
  return affected;
}

std::vector<ServerWarning> LoadConnection::warnings() {
  std::vector<ServerWarning> out;
  if (mysql_warning_count(mysql_) == 0) return out;
  if (mysql_real_query(mysql_, "SHOW WARNINGS", 13) != 0) fail();
  MYSQL_RES* result = mysql_store_result(mysql_);
  if (result == nullptr) fail();
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    if (mysql_num_fields(result) < 3) break;  // Level, Code, Message
    out.push_back({row[1] != nullptr ? std::atoi(row[1]) : 0, row[2] != nullptr ? row[2] : ""});
  }
  mysql_free_result(result);
  return out;
}

}  // namespace mageio::mysql
