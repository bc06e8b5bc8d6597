// One AdbcDatabase + AdbcConnection over a Driver, statements on it, and the driver's errors as
// sdk::Error (with the SQLSTATE and vendor code the driver gave). Streams and statements hold the
// Session, so a stream outlives the connector that made it.
#pragma once

#include "adbc_driver.hpp"

#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/connector.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mageio::adbc {

/// What the driver says it talks to (ADBC_INFO_VENDOR_NAME), and the SQL dialect decisions the bridge
/// makes from it: only drivers we know get upserts and stage-and-rename replaces.
enum class Dialect { Unknown, PostgreSQL, SQLite };

/// How table_exists asks the driver (ADBC_TABLE_LOOKUP; adbc_catalog.hpp).
enum class TableLookup { Auto, GetObjects };

struct SessionConfig {
  std::string driver;      // ADBC_DRIVER
  std::string entrypoint;  // ADBC_ENTRYPOINT
  std::string uri;         // ADBC_URI
  std::map<std::string, std::string> database_options;
  std::map<std::string, std::string> connection_options;  // keys starting with "adbc.connection."
  std::vector<std::string> secrets;                       // masked in every message
  TableLookup table_lookup = TableLookup::Auto;           // ADBC_TABLE_LOOKUP
};

class Session {
 public:
  Session(const SessionConfig& config, const sdk::Host& host);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Driver& driver() { return *driver_; }
  AdbcConnection* connection() { return &connection_; }
  const sdk::Host& host() const { return host_; }
  Dialect dialect() const { return dialect_; }
  const std::string& vendor() const { return vendor_; }
  TableLookup table_lookup() const { return table_lookup_; }

  /// Throws the driver's error as sdk::Error, `what` first ("export to t failed: ..."), secrets masked.
  void check(AdbcStatusCode status, AdbcError& error, const std::string& what) const;
  /// sdk::Error for a failed status (the error is released).
  sdk::Error to_error(AdbcStatusCode status, AdbcError& error, const std::string& what) const;
  std::string mask(std::string text) const;

  /// Turns autocommit off; false when the driver has no transactions (NOT_IMPLEMENTED or refused).
  bool begin();
  void commit(const std::string& what);
  /// Rolls back and turns autocommit on again; never throws.
  void rollback() noexcept;
  /// Turns autocommit on again after commit.
  void end_transaction();

 private:
  void open(const SessionConfig& config);
  void close() noexcept;
  std::string read_vendor();

  std::unique_ptr<Driver> driver_;
  sdk::Host host_;
  std::vector<std::string> secrets_;
  AdbcDatabase database_{};
  AdbcConnection connection_{};
  bool database_ready_ = false;
  bool connection_ready_ = false;
  Dialect dialect_ = Dialect::Unknown;
  std::string vendor_;
  TableLookup table_lookup_ = TableLookup::Auto;
};

/// A statement on the session; released (before the session) on destruction.
class Statement {
 public:
  explicit Statement(std::shared_ptr<Session> session);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void set_sql(const std::string& sql, const std::string& what);
  /// Fails with NOT_IMPLEMENTED naming the option when the driver does not know it.
  void set_option(const char* key, const std::string& value, const std::string& what);
  /// Takes ownership of *stream.
  void bind_stream(ArrowArrayStream* stream, const std::string& what);
  /// A result stream, or nothing (out == nullptr: an update). Returns the rows affected (-1 unknown).
  int64_t execute(ArrowArrayStream* out, const std::string& what);
  AdbcStatement* get() { return &statement_; }
  Session& session() { return *session_; }
  const std::shared_ptr<Session>& shared_session() const { return session_; }

 private:
  std::shared_ptr<Session> session_;
  AdbcStatement statement_{};
  bool ready_ = false;
};

/// The driver's stream as a BatchSource: each batch is moved through untouched (no re-encoding). The
/// source owns the statement (and so the session); the stream is released before the statement. A
/// column of a type mageio does not carry is refused with NOT_IMPLEMENTED naming it.
std::unique_ptr<sdk::BatchSource> stream_source(std::unique_ptr<Statement> statement, ArrowArrayStream stream,
                                                const std::string& what);

/// "name" with inner double quotes doubled (standard SQL; what PostgreSQL and SQLite take).
std::string quote_identifier(const std::string& name);
/// "schema"."table", or "table" without a schema.
std::string qualified(const sdk::Target& target);

}  // namespace mageio::adbc
