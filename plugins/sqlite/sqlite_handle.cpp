#include "sqlite_handle.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <utility>

namespace mageio::sqlite {
namespace {

// How often (in virtual machine instructions) a running statement asks the host whether to stop.
constexpr int kProgressInterval = 4096;

MageioStatus status_for(int extended_code, const std::string& message) {
  switch (extended_code & 0xff) {
    case SQLITE_ERROR: return message.rfind("no such table", 0) == 0 ? MAGEIO_STATUS_NOT_FOUND : MAGEIO_STATUS_BACKEND;
    case SQLITE_INTERRUPT: return MAGEIO_STATUS_CANCELLED;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return MAGEIO_STATUS_IO;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return MAGEIO_STATUS_UNAVAILABLE;
    case SQLITE_AUTH: return MAGEIO_STATUS_UNAUTHENTICATED;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH: return MAGEIO_STATUS_INVALID_ARGUMENT;
    default: return MAGEIO_STATUS_BACKEND;
  }
}

// A CANTOPEN for a plain path whose directory is missing: say so, since SQLite does not.
std::string open_hint(const std::string& path) {
  if (path == ":memory:" || path.rfind("file:", 0) == 0) return {};
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
    return " (directory '" + parent.string() + "' does not exist)";
  return {};
}

// What a statement does, recorded by the authorizer while it is prepared.
struct StatementKind {
  bool dml = false;          // writes rows of a user table (not the schema table, not from a trigger)
  bool transaction = false;  // BEGIN, COMMIT, END or ROLLBACK
};

int classify(void* kind_ptr, int action, const char* table, const char*, const char*, const char* trigger) {
  auto* kind = static_cast<StatementKind*>(kind_ptr);
  if ((action == SQLITE_INSERT || action == SQLITE_UPDATE || action == SQLITE_DELETE) && trigger == nullptr &&
      table != nullptr && sqlite3_strnicmp(table, "sqlite_", 7) != 0)
    kind->dml = true;
  if (action == SQLITE_TRANSACTION) kind->transaction = true;
  return SQLITE_OK;
}

// Prepares the first statement of sql; with `kind`, under the classifying authorizer (installing one
// marks the connection's other statements for re-preparation, so it is only done when needed).
int prepare(sqlite3* db, std::string_view sql, sqlite3_stmt** out, const char** tail, StatementKind* kind) {
  if (sql.size() > static_cast<size_t>(INT32_MAX)) throw sdk::invalid_argument("the SQL is longer than 2 GiB");
  if (kind != nullptr) sqlite3_set_authorizer(db, &classify, kind);
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), 0, out, tail);
  if (kind != nullptr) sqlite3_set_authorizer(db, nullptr, nullptr);
  return rc;
}

// True when `tail` holds another statement (not just whitespace, comments and semicolons).
bool has_another_statement(sqlite3* db, const char* tail, const char* end) {
  while (tail < end) {
    sqlite3_stmt* next = nullptr;
    const char* rest = nullptr;
    int rc = sqlite3_prepare_v2(db, tail, static_cast<int>(end - tail), &next, &rest);
    if (rc != SQLITE_OK) return true;  // something is there, even if it does not compile
    if (next != nullptr) {
      sqlite3_finalize(next);
      return true;
    }
    if (rest == nullptr || rest <= tail) break;
    tail = rest;
  }
  return false;
}

}  // namespace

std::string quote_identifier(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) throw sdk::invalid_argument("an identifier holds a NUL byte");
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string qualified_name(std::string_view schema, std::string_view table) {
  return quote_identifier(schema) + "." + quote_identifier(table);
}

bool same_identifier(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sqlite3_strnicmp(a.data(), b.data(), static_cast<int>(a.size())) == 0;
}

sdk::Error sqlite_error(int extended_code, const std::string& what, const std::string& message) {
  return sdk::Error(status_for(extended_code, message), what + ": " + message, {}, extended_code);
}

// --- Database ------------------------------------------------------------------------------------

Database::Database(const std::string& path, int64_t busy_timeout_ms, const sdk::Host& host)
    : host_(host), busy_timeout_ms_(busy_timeout_ms) {
  if (path.empty()) throw sdk::invalid_argument("SQLITE_DATABASE is empty; give a file path or :memory:");
  if (busy_timeout_ms < 0 || busy_timeout_ms > INT32_MAX)
    throw sdk::invalid_argument("SQLITE_BUSY_TIMEOUT_MS must be between 0 and 2147483647, not " +
                                std::to_string(busy_timeout_ms));
  const std::string what = "cannot open database '" + path + "'";
  constexpr int kFlags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX;
  // First without SQLITE_OPEN_CREATE, to learn whether this connection creates the file (then an
  // unused one is removed again on close); a URI or a plain path alike.
  int rc = sqlite3_open_v2(path.c_str(), &db_, kFlags, nullptr);
  if ((rc & 0xff) == SQLITE_CANTOPEN) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    rc = sqlite3_open_v2(path.c_str(), &db_, kFlags | SQLITE_OPEN_CREATE, nullptr);
    created_file_ = rc == SQLITE_OK;
  }
  if (rc != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    int code = db_ != nullptr ? sqlite3_extended_errcode(db_) : rc;
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw sqlite_error(code, what, message + open_hint(path));
  }
  const char* file = sqlite3_db_filename(db_, "main");
  file_ = file != nullptr ? file : "";
  struct stat info {};
  if (!file_.empty() && stat(file_.c_str(), &info) == 0) {
    file_device_ = info.st_dev;
    file_inode_ = info.st_ino;
  } else {
    created_file_ = false;  // in memory, or nothing on disk to clean up
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout_ms));
  sqlite3_progress_handler(db_, kProgressInterval, &Database::on_progress, this);
  // Read the header now, so a file that is not a database fails here and not at the first query.
  try {
    exec("PRAGMA schema_version", what);
  } catch (...) {
    remove_if_created_and_empty();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Database::~Database() {
  if (db_ == nullptr) return;
  remove_if_created_and_empty();
  // close_v2: if a statement were still alive the connection would close when it is finalized.
  sqlite3_close_v2(db_);
}

// Removes the file only while holding its write lock and only when it is still empty: another
// connection that is writing to it (holding the lock) or has committed to it keeps it. One that opened
// it and waits for the lock finds it gone (check_file_still_in_place) and fails instead of writing into
// a removed file.
void Database::remove_if_created_and_empty() noexcept {
  if (!created_file_ || sqlite3_get_autocommit(db_) == 0) return;
  sqlite3_busy_timeout(db_, 0);
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return;
  struct stat info {};
  if (stat(file_.c_str(), &info) == 0 && info.st_size == 0 && info.st_dev == file_device_ && info.st_ino == file_inode_)
    ::unlink(file_.c_str());
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Database::check_file_still_in_place(const std::string& what) const {
  if (file_.empty()) return;
  struct stat info {};
  if (stat(file_.c_str(), &info) == 0 && info.st_dev == file_device_ && info.st_ino == file_inode_) return;
  throw sdk::Error(MAGEIO_STATUS_IO,
                   what + ": the database file '" + file_ +
                       "' was removed or replaced since this connection opened it (another export that created "
                       "it failed and removed it); nothing was written, run it again",
                   {}, SQLITE_IOERR);
}

sdk::Error Database::error(int extended_code, const std::string& what, const std::string& message) const {
  std::string text = message;
  switch (extended_code & 0xff) {
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      if (!file_.empty()) text += " (database file '" + file_ + "')";
      break;
    case SQLITE_BUSY:
      text += " (another connection holds a lock on " + (file_.empty() ? "the database" : "'" + file_ + "'") +
              " and kept it longer than SQLITE_BUSY_TIMEOUT_MS = " + std::to_string(busy_timeout_ms_) +
              " ms; raise SQLITE_BUSY_TIMEOUT_MS to wait longer)";
      break;
    default: break;
  }
  return sqlite_error(extended_code, what, text);
}

int Database::on_progress(void* self) {
  auto* db = static_cast<Database*>(self);
  return db->interruptible_ && db->host_.cancelled() ? 1 : 0;
}

void Database::fail(const std::string& what) const {
  throw error(sqlite3_extended_errcode(db_), what, sqlite3_errmsg(db_));
}

void Database::exec(const std::string& sql, const std::string& what) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return;
  std::string text = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  throw error(sqlite3_extended_errcode(db_), what, text);
}

// --- Statement -----------------------------------------------------------------------------------

Statement::Statement(std::shared_ptr<Database> db, std::string_view sql, const std::string& what, bool* is_dml)
    : db_(std::move(db)) {
  sqlite3* handle = db_->get();
  StatementKind kind;
  const char* tail = nullptr;
  int rc = prepare(handle, sql, &stmt_, &tail, is_dml != nullptr ? &kind : nullptr);
  if (is_dml != nullptr) *is_dml = kind.dml;
  if (rc != SQLITE_OK) {
    std::string message = sqlite3_errmsg(handle);
    int offset = sqlite3_error_offset(handle);
    if (offset >= 0) message += " (at character " + std::to_string(offset + 1) + ")";
    throw db_->error(sqlite3_extended_errcode(handle), what, message);
  }
  if (stmt_ == nullptr) throw sdk::invalid_argument(what + ": the SQL holds no statement");
  if (tail != nullptr && has_another_statement(handle, tail, sql.data() + sql.size())) {
    close();
    throw sdk::invalid_argument(what +
                                ": the SQL holds more than one statement; run one at a time, or use execute_queries");
  }
}

Statement::Statement(Statement&& other) noexcept
    : db_(std::move(other.db_)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::move(other.db_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() { close(); }

void Statement::close() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
  stmt_ = nullptr;
}

bool Statement::step(const std::string& what) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* handle = db_->get();
  std::string message = sqlite3_errmsg(handle);
  int code = sqlite3_extended_errcode(handle);
  sqlite3_reset(stmt_);
  if ((code & 0xff) == SQLITE_INTERRUPT) throw sdk::Error(MAGEIO_STATUS_CANCELLED, what + ": cancelled", {}, code);
  throw db_->error(code, what, message);
}

void Statement::check_bind(int rc, int index) {
  if (rc != SQLITE_OK) throw sqlite_error(rc, "cannot bind parameter " + std::to_string(index), sqlite3_errstr(rc));
}

void Statement::bind_null(int index) { check_bind(sqlite3_bind_null(stmt_, index), index); }
void Statement::bind_int(int index, int64_t value) { check_bind(sqlite3_bind_int64(stmt_, index, value), index); }
void Statement::bind_double(int index, double value) { check_bind(sqlite3_bind_double(stmt_, index, value), index); }

void Statement::bind_text(int index, std::string_view value, bool copy) {
  // A NULL pointer would bind SQL NULL: an empty string needs a real one.
  const char* data = value.empty() ? "" : value.data();
  check_bind(
      sqlite3_bind_text64(stmt_, index, data, value.size(), copy ? SQLITE_TRANSIENT : SQLITE_STATIC, SQLITE_UTF8),
      index);
}

void Statement::bind_blob(int index, std::string_view value) {
  if (value.empty()) return check_bind(sqlite3_bind_zeroblob(stmt_, index, 0), index);
  check_bind(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_STATIC), index);
}

int64_t run_script(const std::shared_ptr<Database>& db, std::string_view sql, const std::string& what,
                   bool in_transaction) {
  int64_t changed = 0;
  std::string_view rest = sql;
  while (!rest.empty()) {
    const size_t before = rest.size();
    StatementKind kind;
    // Statement prepares one statement and rejects what follows; here the rest is run in turn.
    sqlite3* handle = db->get();
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = prepare(handle, rest, &raw, &tail, &kind);
    if (rc != SQLITE_OK) throw db->error(sqlite3_extended_errcode(handle), what, sqlite3_errmsg(handle));
    if (in_transaction && kind.transaction) {
      sqlite3_finalize(raw);
      throw sdk::invalid_argument(what +
                                  ": BEGIN, COMMIT and ROLLBACK cannot run here: the statements already run in one "
                                  "transaction");
    }
    rest.remove_prefix(tail != nullptr ? static_cast<size_t>(tail - rest.data()) : rest.size());
    if (raw == nullptr) {
      if (rest.size() == before) break;
      continue;  // only whitespace or comments
    }
    while (true) {
      rc = sqlite3_step(raw);
      if (rc != SQLITE_ROW) break;
    }
    if (rc != SQLITE_DONE) {
      std::string message = sqlite3_errmsg(handle);
      int code = sqlite3_extended_errcode(handle);
      sqlite3_finalize(raw);
      throw db->error(code, what, message);
    }
    sqlite3_finalize(raw);
    if (kind.dml) changed += sqlite3_changes64(handle);
    if (in_transaction && sqlite3_get_autocommit(handle) != 0)
      throw sdk::invalid_argument(
          what + ": it ended the transaction the statements run in; leave out BEGIN, COMMIT and ROLLBACK");
  }
  return changed;
}

// --- Transaction ---------------------------------------------------------------------------------

Transaction::Transaction(Database& db) : db_(db) {
  savepoint_ = sqlite3_get_autocommit(db_.get()) == 0;
  db_.exec(savepoint_ ? "SAVEPOINT mageio" : "BEGIN IMMEDIATE", "cannot start a transaction");
  open_ = true;
}

Transaction::~Transaction() {
  if (open_) rollback();
}

void Transaction::commit() {
  db_.exec(savepoint_ ? "RELEASE mageio" : "COMMIT", "cannot commit");
  open_ = false;
}

void Transaction::rollback() noexcept {
  open_ = false;
  db_.set_interruptible(false);
  sqlite3* handle = db_.get();
  // An interrupted or failed statement may already have rolled the whole transaction back.
  if (sqlite3_get_autocommit(handle) == 0) {
    const char* sql = savepoint_ ? "ROLLBACK TO mageio; RELEASE mageio" : "ROLLBACK";
    char* message = nullptr;
    if (sqlite3_exec(handle, sql, nullptr, nullptr, &message) != SQLITE_OK)
      db_.host().warning(std::string("rollback failed: ") + (message ? message : "unknown error"));
    sqlite3_free(message);
  }
  db_.set_interruptible(true);
}

}  // namespace mageio::sqlite
