#include "adbc_session.hpp"

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/secrets.hpp>

#include <cstring>

namespace mageio::adbc {
namespace {

MageioStatus status_of(AdbcStatusCode status, const std::string& sqlstate) {
  // A SQLSTATE says more than the driver's status for the cases mageio tells apart.
  if (sqlstate == "42P07") return MAGEIO_STATUS_ALREADY_EXISTS;
  if (sqlstate == "42P01" || sqlstate == "3F000") return MAGEIO_STATUS_NOT_FOUND;
  if (sqlstate == "57014") return MAGEIO_STATUS_CANCELLED;
  if (sqlstate.starts_with("28")) return MAGEIO_STATUS_UNAUTHENTICATED;
  if (sqlstate.starts_with("08")) return MAGEIO_STATUS_UNAVAILABLE;
  switch (status) {
    case ADBC_STATUS_NOT_IMPLEMENTED: return MAGEIO_STATUS_NOT_IMPLEMENTED;
    case ADBC_STATUS_NOT_FOUND: return MAGEIO_STATUS_NOT_FOUND;
    case ADBC_STATUS_ALREADY_EXISTS: return MAGEIO_STATUS_ALREADY_EXISTS;
    case ADBC_STATUS_INVALID_ARGUMENT:
    case ADBC_STATUS_INVALID_DATA: return MAGEIO_STATUS_INVALID_ARGUMENT;
    case ADBC_STATUS_IO:
    case ADBC_STATUS_TIMEOUT: return MAGEIO_STATUS_UNAVAILABLE;
    case ADBC_STATUS_CANCELLED: return MAGEIO_STATUS_CANCELLED;
    case ADBC_STATUS_UNAUTHENTICATED:
    case ADBC_STATUS_UNAUTHORIZED: return MAGEIO_STATUS_UNAUTHENTICATED;
    case ADBC_STATUS_INTERNAL: return MAGEIO_STATUS_INTERNAL;
    default: return MAGEIO_STATUS_BACKEND;  // UNKNOWN, INVALID_STATE, INTEGRITY
  }
}

const char* status_text(AdbcStatusCode status) {
  switch (status) {
    case ADBC_STATUS_UNKNOWN: return "UNKNOWN";
    case ADBC_STATUS_NOT_IMPLEMENTED: return "NOT_IMPLEMENTED";
    case ADBC_STATUS_NOT_FOUND: return "NOT_FOUND";
    case ADBC_STATUS_ALREADY_EXISTS: return "ALREADY_EXISTS";
    case ADBC_STATUS_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case ADBC_STATUS_INVALID_STATE: return "INVALID_STATE";
    case ADBC_STATUS_INVALID_DATA: return "INVALID_DATA";
    case ADBC_STATUS_INTEGRITY: return "INTEGRITY";
    case ADBC_STATUS_INTERNAL: return "INTERNAL";
    case ADBC_STATUS_IO: return "IO";
    case ADBC_STATUS_CANCELLED: return "CANCELLED";
    case ADBC_STATUS_TIMEOUT: return "TIMEOUT";
    case ADBC_STATUS_UNAUTHENTICATED: return "UNAUTHENTICATED";
    case ADBC_STATUS_UNAUTHORIZED: return "UNAUTHORIZED";
    default: return "?";
  }
}

std::string sqlstate_of(const AdbcError& error) {
  std::string state(error.sqlstate, strnlen(error.sqlstate, sizeof error.sqlstate));
  for (char c : state)
    if (!std::isalnum(static_cast<unsigned char>(c))) return "";
  return state == "00000" ? "" : state;
}

int32_t vendor_code_of(const AdbcError& error) {
  return error.vendor_code == ADBC_ERROR_VENDOR_CODE_PRIVATE_DATA ? 0 : error.vendor_code;
}

// The first utf8 value of GetInfo's info_value union for `code`, read from the raw C data.
std::optional<std::string> info_string(ArrowArrayStream& stream, uint32_t code) {
  std::optional<std::string> found;
  ArrowArray batch{};
  while (!found && stream.get_next(&stream, &batch) == 0 && batch.release != nullptr) {
    if (batch.n_children == 2 && batch.children[0]->n_buffers >= 2 && batch.children[1]->n_buffers >= 2 &&
        batch.children[1]->n_children >= 1) {
      const ArrowArray& names = *batch.children[0];
      const ArrowArray& values = *batch.children[1];
      const ArrowArray& strings = *values.children[0];
      const auto* name_data = static_cast<const uint32_t*>(names.buffers[1]);
      const auto* type_ids = static_cast<const int8_t*>(values.buffers[0]);
      const auto* offsets = static_cast<const int32_t*>(values.buffers[1]);
      for (int64_t row = 0; row < batch.length && !found; ++row) {
        if (name_data[names.offset + row] != code || type_ids[values.offset + row] != 0) continue;
        const int64_t index = strings.offset + offsets[values.offset + row];
        const auto* string_offsets = static_cast<const int32_t*>(strings.buffers[1]);
        const auto* data = static_cast<const char*>(strings.buffers[2]);
        if (string_offsets == nullptr || data == nullptr) continue;
        found = std::string(data + string_offsets[index], data + string_offsets[index + 1]);
      }
    }
    batch.release(&batch);
    batch = ArrowArray{};
  }
  return found;
}

class DriverStreamSource : public sdk::BatchSource {
 public:
  DriverStreamSource(std::unique_ptr<Statement> statement, ArrowArrayStream stream, std::string what)
      : statement_(std::move(statement)), stream_(stream), what_(std::move(what)) {
    try {
      read_schema();
    } catch (...) {
      stream_.release(&stream_);  // the destructor does not run for a constructor that throws
      throw;
    }
  }
  ~DriverStreamSource() override {
    if (stream_.release != nullptr) stream_.release(&stream_);
  }

  const sdk::Schema& schema() const override { return schema_; }

  bool next(ArrowArray* out) override {
    statement_->session().host().check_cancelled();
    ArrowArray batch{};
    const int code = stream_.get_next(&stream_, &batch);
    if (code != 0) fail(code, "reading a batch");
    if (batch.release == nullptr) return false;
    *out = batch;  // moved through as the driver made it
    return true;
  }

 private:
  void read_schema() {
    ArrowSchema schema{};
    const int code = stream_.get_schema(&stream_, &schema);
    if (code != 0) fail(code, "reading the result's schema");
    try {
      schema_ = sdk::import_schema(schema);
    } catch (const sdk::Error& error) {
      schema.release(&schema);
      throw sdk::Error(error.status(), what_ + ": the driver returned " + error.what() +
                                           " (cast it in the query to a type mageio carries, e.g. text)");
    }
    schema.release(&schema);
  }

  [[noreturn]] void fail(int code, const std::string& doing) {
    Session& session = statement_->session();
    std::string message;
    if (const char* text = stream_.get_last_error ? stream_.get_last_error(&stream_) : nullptr) message = text;
    std::string sqlstate;
    int32_t vendor = 0;
    AdbcStatusCode status = ADBC_STATUS_IO;
    if (session.driver().v11() && session.driver().table().ErrorFromArrayStream != nullptr) {
      if (const AdbcError* error = session.driver().table().ErrorFromArrayStream(&stream_, &status)) {
        sqlstate = sqlstate_of(*error);
        vendor = vendor_code_of(*error);
        if (message.empty() && error->message) message = error->message;
      } else {
        status = ADBC_STATUS_IO;
      }
    }
    MageioStatus mapped =
        sqlstate.empty() && status == ADBC_STATUS_IO ? sdk::errno_to_status(code) : status_of(status, sqlstate);
    throw sdk::Error(mapped,
                     session.mask(what_ + ": the driver failed " + doing + ": " +
                                  (message.empty() ? "error " + std::to_string(code) : message)),
                     sqlstate, vendor);
  }

  std::unique_ptr<Statement> statement_;
  ArrowArrayStream stream_;
  std::string what_;
  sdk::Schema schema_;
};

}  // namespace

Session::Session(const SessionConfig& config, const sdk::Host& host)
    : driver_(std::make_unique<Driver>(config.driver, config.entrypoint)),
      host_(host),
      secrets_(config.secrets),
      table_lookup_(config.table_lookup) {
  try {
    open(config);
  } catch (...) {
    close();  // the destructor does not run for a constructor that throws
    throw;
  }
}

void Session::open(const SessionConfig& config) {
  AdbcDriver& d = driver_->table();
  const std::string where = "the ADBC driver " + driver_->library_path();
  AdbcError error = new_error(*driver_);
  check(d.DatabaseNew(&database_, &error), error, where + ": DatabaseNew failed");
  database_ready_ = true;
  if (!config.uri.empty())
    check(d.DatabaseSetOption(&database_, "uri", config.uri.c_str(), &error), error,
          where + ": it refused the option uri (ADBC_URI)");
  for (const auto& [key, value] : config.database_options)
    check(d.DatabaseSetOption(&database_, key.c_str(), value.c_str(), &error), error,
          where + ": it refused the database option " + key + " (ADBC_OPTIONS)");
  check(d.DatabaseInit(&database_, &error), error, where + ": cannot open the database");
  check(d.ConnectionNew(&connection_, &error), error, where + ": ConnectionNew failed");
  connection_ready_ = true;
  for (const auto& [key, value] : config.connection_options)
    check(d.ConnectionSetOption(&connection_, key.c_str(), value.c_str(), &error), error,
          where + ": it refused the connection option " + key + " (ADBC_OPTIONS)");
  check(d.ConnectionInit(&connection_, &database_, &error), error, where + ": cannot connect");
  vendor_ = read_vendor();
  if (vendor_ == "PostgreSQL")
    dialect_ = Dialect::PostgreSQL;
  else if (vendor_ == "SQLite")
    dialect_ = Dialect::SQLite;
  if (dialect_ == Dialect::SQLite) {
    // Wait for another connection's lock (as the sqlite plugin does by default) instead of failing.
    AdbcStatement statement{};
    AdbcError e = new_error(*driver_);
    if (d.StatementNew(&connection_, &statement, &e) == ADBC_STATUS_OK) {
      if (d.StatementSetSqlQuery(&statement, "PRAGMA busy_timeout = 5000", &e) == ADBC_STATUS_OK) {
        ArrowArrayStream stream{};
        if (d.StatementExecuteQuery(&statement, &stream, nullptr, &e) == ADBC_STATUS_OK && stream.release) {
          ArrowArray batch{};
          while (stream.get_next(&stream, &batch) == 0 && batch.release != nullptr) {
            batch.release(&batch);
            batch = ArrowArray{};
          }
          stream.release(&stream);
        }
      }
      release_error(e);
      d.StatementRelease(&statement, &e);
    }
    release_error(e);
  }
  host_.debug("adbc: " + driver_->library_path() + " (" + driver_->entrypoint() + ", " + driver_->version_name() +
              "), vendor " + (vendor_.empty() ? std::string("unknown") : vendor_));
}

Session::~Session() { close(); }

void Session::close() noexcept {
  AdbcDriver& d = driver_->table();
  AdbcError error = new_error(*driver_);
  if (connection_ready_) d.ConnectionRelease(&connection_, &error);
  connection_ready_ = false;
  release_error(error);
  if (database_ready_) d.DatabaseRelease(&database_, &error);
  database_ready_ = false;
  release_error(error);
}

std::string Session::read_vendor() {
  AdbcDriver& d = driver_->table();
  if (d.ConnectionGetInfo == nullptr) return "";
  AdbcError error = new_error(*driver_);
  const uint32_t codes[] = {ADBC_INFO_VENDOR_NAME};
  ArrowArrayStream stream{};
  if (d.ConnectionGetInfo(&connection_, codes, 1, &stream, &error) != ADBC_STATUS_OK) {
    release_error(error);
    return "";
  }
  std::optional<std::string> vendor;
  try {
    vendor = info_string(stream, ADBC_INFO_VENDOR_NAME);
  } catch (...) {
  }
  if (stream.release) stream.release(&stream);
  return vendor.value_or("");
}

std::string Session::mask(std::string text) const { return sdk::mask_secrets(std::move(text), secrets_); }

sdk::Error Session::to_error(AdbcStatusCode status, AdbcError& error, const std::string& what) const {
  const std::string sqlstate = sqlstate_of(error);
  const int32_t vendor = vendor_code_of(error);
  std::string message = what + ": " + (error.message ? error.message : std::string("the driver gave no message"));
  message += std::string(" (ADBC ") + status_text(status) + (sqlstate.empty() ? "" : ", SQLSTATE " + sqlstate) + ")";
  release_error(error);
  MageioStatus mapped = status_of(status, sqlstate);
  if (message.find("no such table") != std::string::npos) mapped = MAGEIO_STATUS_NOT_FOUND;  // SQLite's words
  if (message.find("password authentication failed") != std::string::npos) mapped = MAGEIO_STATUS_UNAUTHENTICATED;
  return sdk::Error(mapped, mask(message), sqlstate, vendor);
}

void Session::check(AdbcStatusCode status, AdbcError& error, const std::string& what) const {
  if (status == ADBC_STATUS_OK) {
    release_error(error);
    return;
  }
  throw to_error(status, error, what);
}

bool Session::begin() {
  AdbcError error = new_error(*driver_);
  const AdbcStatusCode status = driver_->table().ConnectionSetOption(&connection_, ADBC_CONNECTION_OPTION_AUTOCOMMIT,
                                                                     ADBC_OPTION_VALUE_DISABLED, &error);
  if (status == ADBC_STATUS_OK) return true;
  if (status == ADBC_STATUS_NOT_IMPLEMENTED || status == ADBC_STATUS_INVALID_ARGUMENT) {
    release_error(error);
    return false;
  }
  throw to_error(status, error, "cannot start a transaction (autocommit off)");
}

void Session::commit(const std::string& what) {
  AdbcError error = new_error(*driver_);
  check(driver_->table().ConnectionCommit(&connection_, &error), error, what + ": commit failed");
}

void Session::end_transaction() {
  AdbcError error = new_error(*driver_);
  check(driver_->table().ConnectionSetOption(&connection_, ADBC_CONNECTION_OPTION_AUTOCOMMIT, ADBC_OPTION_VALUE_ENABLED,
                                             &error),
        error, "cannot turn autocommit back on");
}

void Session::rollback() noexcept {
  AdbcError error = new_error(*driver_);
  driver_->table().ConnectionRollback(&connection_, &error);
  release_error(error);
  driver_->table().ConnectionSetOption(&connection_, ADBC_CONNECTION_OPTION_AUTOCOMMIT, ADBC_OPTION_VALUE_ENABLED,
                                       &error);
  release_error(error);
}

Statement::Statement(std::shared_ptr<Session> session) : session_(std::move(session)) {
  AdbcError error = new_error(session_->driver());
  session_->check(session_->driver().table().StatementNew(session_->connection(), &statement_, &error), error,
                  "cannot make a statement");
  ready_ = true;
}

Statement::~Statement() {
  if (!ready_) return;
  AdbcError error = new_error(session_->driver());
  session_->driver().table().StatementRelease(&statement_, &error);
  release_error(error);
}

void Statement::set_sql(const std::string& sql, const std::string& what) {
  AdbcError error = new_error(session_->driver());
  session_->check(session_->driver().table().StatementSetSqlQuery(&statement_, sql.c_str(), &error), error, what);
}

void Statement::set_option(const char* key, const std::string& value, const std::string& what) {
  AdbcError error = new_error(session_->driver());
  session_->check(session_->driver().table().StatementSetOption(&statement_, key, value.c_str(), &error), error,
                  what + " (statement option " + key + ")");
}

void Statement::bind_stream(ArrowArrayStream* stream, const std::string& what) {
  AdbcError error = new_error(session_->driver());
  session_->check(session_->driver().table().StatementBindStream(&statement_, stream, &error), error, what);
}

int64_t Statement::execute(ArrowArrayStream* out, const std::string& what) {
  AdbcError error = new_error(session_->driver());
  int64_t rows = -1;
  session_->check(session_->driver().table().StatementExecuteQuery(&statement_, out, &rows, &error), error, what);
  return rows;
}

std::unique_ptr<sdk::BatchSource> stream_source(std::unique_ptr<Statement> statement, ArrowArrayStream stream,
                                                const std::string& what) {
  return std::make_unique<DriverStreamSource>(std::move(statement), stream, what);
}

std::string quote_identifier(const std::string& name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

std::string qualified(const sdk::Target& target) {
  return target.schema.empty() ? quote_identifier(target.table)
                               : quote_identifier(target.schema) + "." + quote_identifier(target.table);
}

}  // namespace mageio::adbc
