// RAII wrappers around libsqlite3: the connection, prepared statements and transactions, and the one
// place SQLite result codes become mageio::sdk::Error.
//
// Error mapping (vendor_code is always the extended result code, e.g. 2067 SQLITE_CONSTRAINT_UNIQUE;
// SQLite has no SQLSTATE):
//   "no such table" (SQLITE_ERROR) -> NOT_FOUND        SQLITE_INTERRUPT          -> CANCELLED
//   SQLITE_CANTOPEN, IOERR, FULL, CORRUPT, NOTADB -> IO   SQLITE_BUSY, LOCKED       -> UNAVAILABLE
//   SQLITE_AUTH -> UNAUTHENTICATED                       SQLITE_TOOBIG, RANGE, MISMATCH -> INVALID_ARGUMENT
//   everything else (syntax errors, constraints, read-only ...) -> BACKEND
// Messages read "<what failed>: <SQLite's message>".
#pragma once

#include <mageio/sdk/connector.hpp>
#include <mageio/sdk/error.hpp>

#include <sqlite3.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mageio::sqlite {

/// "name" with embedded double quotes doubled. Rejects names holding a NUL byte.
std::string quote_identifier(std::string_view name);
/// "schema"."table".
std::string qualified_name(std::string_view schema, std::string_view table);
/// ASCII case-insensitive equality: how SQLite compares identifiers.
bool same_identifier(std::string_view a, std::string_view b);

/// The Error for a failed SQLite call: "<what>: <message>" with its status and vendor code.
sdk::Error sqlite_error(int extended_code, const std::string& what, const std::string& message);

/// One connection. Shared (shared_ptr) by the connector and every statement and stream made from it, so
/// the connection is closed only when the last of them goes.
class Database {
 public:
  /// Opens (creating the file when needed) `path`; ":memory:" and "file:" URIs are accepted. The parent
  /// directory is never created. Does not change the journal mode or any other setting of the file.
  Database(const std::string& path, int64_t busy_timeout_ms, const sdk::Host& host);
  /// Closes the connection. A database file this connection created and that is still empty (nothing
  /// was ever committed to it: a failed first export, a load from a missing file) is removed, so a
  /// failure leaves no 0-byte file behind.
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* get() const { return db_; }
  const sdk::Host& host() const { return host_; }

  /// Throws the Error for the connection's last failure.
  [[noreturn]] void fail(const std::string& what) const;
  /// The Error for a failed call on this connection: sqlite_error, plus the database file for an I/O
  /// error (disk full, cannot open ...) and what to do about SQLITE_BUSY (SQLITE_BUSY_TIMEOUT_MS).
  sdk::Error error(int extended_code, const std::string& what, const std::string& message) const;
  /// Throws Error(IO) when the file this connection opened is no longer at its path (another
  /// connection created it, failed, and removed it while this one waited for the lock): what is
  /// written now would go to a file nobody can open. Call it holding the write lock.
  void check_file_still_in_place(const std::string& what) const;
  /// Runs SQL that returns no rows (one or more statements), throwing "<what>: ..." on failure.
  void exec(const std::string& sql, const std::string& what);

  /// While enabled (the default), a long-running statement is interrupted (SQLITE_INTERRUPT ->
  /// CANCELLED) soon after the host asks to cancel. Rollbacks disable it so they always complete.
  void set_interruptible(bool on) { interruptible_ = on; }

 private:
  static int on_progress(void* self);

  void remove_if_created_and_empty() noexcept;

  sqlite3* db_ = nullptr;
  sdk::Host host_;
  std::atomic<bool> interruptible_{true};
  std::string file_;           // the main database file, empty for an in-memory database
  int64_t busy_timeout_ms_;    // for the SQLITE_BUSY hint
  bool created_file_ = false;  // this connection created file_
  dev_t file_device_ = 0;      // which file file_ was when it was opened
  ino_t file_inode_ = 0;
};

/// A prepared statement, finalized on destruction. Keeps its Database alive.
class Statement {
 public:
  Statement() = default;
  /// Prepares exactly one statement; `what` names it in errors. Empty SQL or a second statement
  /// (anything but whitespace, comments and ';' after the first) is Error(INVALID_ARGUMENT).
  /// When is_dml is given it receives whether the statement is an INSERT, UPDATE or DELETE.
  Statement(std::shared_ptr<Database> db, std::string_view sql, const std::string& what, bool* is_dml = nullptr);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  sqlite3_stmt* get() const { return stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }
  Database& db() const { return *db_; }
  const std::shared_ptr<Database>& shared_db() const { return db_; }
  int column_count() const { return sqlite3_column_count(stmt_); }

  /// True when a row is ready, false when the statement is done. Throws "<what>: ...".
  bool step(const std::string& what);
  void reset() { sqlite3_reset(stmt_); }
  /// Finalizes now (releases the statement's locks).
  void close();

  void bind_null(int index);
  void bind_int(int index, int64_t value);
  void bind_double(int index, double value);
  /// The bytes must stay valid until the next step (SQLITE_STATIC) unless copy is true.
  void bind_text(int index, std::string_view value, bool copy);
  void bind_blob(int index, std::string_view value);

 private:
  void check_bind(int rc, int index);

  std::shared_ptr<Database> db_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// Runs every statement in `sql` in order, discarding result rows, and returns the rows changed by its
/// INSERT/UPDATE/DELETE statements. Failures read "<what>: <SQLite's message>". With
/// in_transaction, a statement that ends the surrounding transaction (COMMIT, ROLLBACK) is an error.
int64_t run_script(const std::shared_ptr<Database>& db, std::string_view sql, const std::string& what,
                   bool in_transaction);

/// All or nothing: BEGIN IMMEDIATE ... COMMIT, or a SAVEPOINT when the connection is already inside a
/// transaction (one the user opened with execute("BEGIN")). The destructor rolls back unless commit()
/// ran; a rollback never throws.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  void rollback() noexcept;

  Database& db_;
  bool savepoint_ = false;
  bool open_ = false;
};

}  // namespace mageio::sqlite
