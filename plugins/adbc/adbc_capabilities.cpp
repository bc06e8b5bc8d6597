#include "adbc_capabilities.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/random_suffix.hpp>

#include <cerrno>
#include <string>
#include <vector>

namespace mageio::adbc {
namespace {

// A statement that is only set up, never executed unless a probe says so; released on every path.
class ProbeStatement {
 public:
  explicit ProbeStatement(Session& session) : session_(session) {
    AdbcError error = new_error(session_.driver());
    ready_ = session_.driver().table().StatementNew(session_.connection(), &statement_, &error) == ADBC_STATUS_OK;
    release_error(error);
  }
  ~ProbeStatement() {
    if (!ready_) return;
    AdbcError error = new_error(session_.driver());
    session_.driver().table().StatementRelease(&statement_, &error);
    release_error(error);
  }
  ProbeStatement(const ProbeStatement&) = delete;
  ProbeStatement& operator=(const ProbeStatement&) = delete;
  bool ready() const { return ready_; }
  AdbcStatement* get() { return &statement_; }

  AdbcStatusCode set_option(const char* key, const std::string& value) {
    AdbcError error = new_error(session_.driver());
    const AdbcStatusCode status = session_.driver().table().StatementSetOption(&statement_, key, value.c_str(), &error);
    release_error(error);
    return status;
  }

 private:
  Session& session_;
  AdbcStatement statement_{};
  bool ready_ = false;
};

// What the ingest probe binds: one batch of zero rows in one int64 column. One empty batch rather than
// none: a Flight SQL server fails a stream without any batch (EOF) before it looks at the command.
const sdk::Schema& probe_schema() {
  static const sdk::Schema schema{{"mageio_probe", sdk::int64(), true}};
  return schema;
}
int empty_schema(ArrowArrayStream*, ArrowSchema* out) {
  try {
    sdk::export_schema(probe_schema(), out);
    return 0;
  } catch (...) {
    return ENOMEM;
  }
}
int empty_next(ArrowArrayStream* stream, ArrowArray* out) {
  *out = ArrowArray{};  // after the one batch: the end of the stream
  if (stream->private_data != nullptr) return 0;
  try {
    sdk::BatchBuilder(probe_schema()).finish(out);
  } catch (...) {
    return ENOMEM;
  }
  stream->private_data = stream;  // marks the batch as given
  return 0;
}
const char* empty_error(ArrowArrayStream*) { return nullptr; }
void empty_release(ArrowArrayStream* stream) { stream->release = nullptr; }

// Whether the driver (and for Flight SQL and the like, the server behind it) takes bulk ingest.
bool ingests(Session& session, std::string& why) {
  if (!session.driver().provided().bulk_ingest) {
    why = "the driver has no StatementSetOption/StatementBindStream";
    return false;
  }
  ProbeStatement statement(session);
  if (!statement.ready()) {
    why = "the driver cannot make a statement";
    return false;
  }
  const std::string table = "mageio_ingest_probe_" + sdk::random_suffix(12);
  if (statement.set_option(ADBC_INGEST_OPTION_TARGET_TABLE, table) == ADBC_STATUS_NOT_IMPLEMENTED) {
    why = "the driver does not know " ADBC_INGEST_OPTION_TARGET_TABLE " (no bulk ingest)";
    return false;
  }
  // The sqlite and postgresql drivers ingest in the driver itself (tested in tests/adbc): no round trip.
  if (session.dialect() != Dialect::Unknown) return true;
  // Others may pass ingest on to a server that lacks it (a Flight SQL server without
  // CommandStatementIngest accepts the option and fails only at execution): ask it with zero rows to
  // write, appending to a table that does not exist, which no server creates. Only NOT_IMPLEMENTED
  // means no ingest; any other answer (the table is missing, ...) came from an ingest that exists.
  if (statement.set_option(ADBC_INGEST_OPTION_MODE, ADBC_INGEST_OPTION_MODE_APPEND) == ADBC_STATUS_NOT_IMPLEMENTED) {
    why = "the driver does not know " ADBC_INGEST_OPTION_MODE_APPEND;
    return false;
  }
  AdbcDriver& d = session.driver().table();
  ArrowArrayStream input{};
  input.get_schema = &empty_schema;
  input.get_next = &empty_next;
  input.get_last_error = &empty_error;
  input.release = &empty_release;
  AdbcError error = new_error(session.driver());
  AdbcStatusCode status = d.StatementBindStream(statement.get(), &input, &error);
  if (input.release != nullptr) input.release(&input);  // a driver that copied it left ours behind
  if (status == ADBC_STATUS_OK) status = d.StatementExecuteQuery(statement.get(), nullptr, nullptr, &error);
  const std::string message = error.message != nullptr ? error.message : "";
  release_error(error);
  if (status == ADBC_STATUS_NOT_IMPLEMENTED) {
    why = "a zero-row ingest answered NOT_IMPLEMENTED (" + session.mask(message) + ")";
    return false;
  }
  return true;
}

// Whether the connection takes autocommit off (then every statement until commit is one transaction).
bool has_transactions(Session& session, std::string& why) {
  if (!session.driver().provided().transactions) {
    why = "the driver has no ConnectionSetOption/Commit/Rollback";
    return false;
  }
  try {
    if (!session.begin()) {
      why = "the driver refused autocommit off";
      return false;
    }
  } catch (const sdk::Error& error) {
    // Not the NOT_IMPLEMENTED or INVALID_ARGUMENT of a driver without transactions: the driver failed.
    // Say so (a warning, not silence) and declare nothing that needs them.
    session.host().warning(std::string("cannot tell whether the driver has transactions: ") + error.what());
    why = "turning autocommit off failed";
    return false;
  }
  try {
    session.end_transaction();
  } catch (...) {
    session.rollback();  // turns autocommit back on
  }
  return true;
}

// Whether the driver partitions results: ExecutePartitions on a statement without a query answers
// NOT_IMPLEMENTED from a driver that has none (sqlite, postgresql) before it looks at the query, and
// INVALID_STATE (no query) from one that has them (Flight SQL); nothing is run either way.
bool partitions(Session& session, std::string& why) {
  AdbcDriver& d = session.driver().table();
  if (d.StatementExecutePartitions == nullptr || d.ConnectionReadPartition == nullptr) {
    why = "the driver has no ExecutePartitions/ReadPartition";
    return false;
  }
  ProbeStatement statement(session);
  if (!statement.ready()) {
    why = "the driver cannot make a statement";
    return false;
  }
  ArrowSchema schema{};
  AdbcPartitions parts{};
  int64_t rows = -1;
  AdbcError error = new_error(session.driver());
  const AdbcStatusCode status = d.StatementExecutePartitions(statement.get(), &schema, &parts, &rows, &error);
  release_error(error);
  if (status == ADBC_STATUS_OK) {  // a driver that ran an empty query: let go of what it gave
    if (schema.release) schema.release(&schema);
    if (parts.release) parts.release(&parts);
  }
  if (status == ADBC_STATUS_NOT_IMPLEMENTED) {
    why = "ExecutePartitions answered NOT_IMPLEMENTED";
    return false;
  }
  return true;
}

}  // namespace

uint64_t probe_capabilities(const std::shared_ptr<Session>& session) {
  Session& s = *session;
  std::vector<std::string> without;
  auto note = [&](const char* capability, const std::string& why) { without.push_back(capability + (": " + why)); };
  uint64_t caps = 0;
  const bool sql = s.driver().provided().sql;
  if (sql)
    caps |= MAGEIO_CAP_LOAD | MAGEIO_CAP_LOAD_QUERY | MAGEIO_CAP_EXECUTE;
  else
    note("load, query, execute", "the driver has no StatementSetSqlQuery/StatementExecuteQuery");
  // table_exists asks GetTableSchema, then GetObjects; a table load and an export ask it first.
  const bool catalog = s.driver().provided().table_schema || s.driver().table().ConnectionGetObjects != nullptr;
  if (catalog)
    caps |= MAGEIO_CAP_TABLE_EXISTS;
  else
    note("table_exists", "the driver has neither GetTableSchema nor GetObjects");
  if (sql && catalog) caps |= MAGEIO_CAP_TABLES;
  std::string why;
  if (!catalog)
    note("export", "it needs table_exists");
  else if (ingests(s, why))
    caps |= MAGEIO_CAP_EXPORT;
  else
    note("export", why);
  // Upserts are SQL the bridge writes, known for PostgreSQL and SQLite only.
  if ((caps & MAGEIO_CAP_EXPORT) && sql && s.dialect() != Dialect::Unknown)
    caps |= MAGEIO_CAP_UPSERT;
  else
    note("upsert", (caps & MAGEIO_CAP_EXPORT) ? "the vendor (" + (s.vendor().empty() ? "none" : s.vendor()) +
                                                    ") is neither PostgreSQL nor SQLite"
                                              : std::string("no export"));
  if (!sql)
    note("execute_queries", "no execute");
  else if (has_transactions(s, why))
    caps |= MAGEIO_CAP_EXECUTE_QUERIES | MAGEIO_CAP_TRANSACTIONS;
  else
    note("execute_queries, transactions", why);
  if (!sql)
    note("partitions", "no load");
  else if (partitions(s, why))
    caps |= MAGEIO_CAP_PARTITIONS;
  else
    note("partitions", why);
  std::string text;
  for (const auto& line : without) text += (text.empty() ? "" : "; ") + line;
  if (!text.empty()) s.host().debug("adbc: this driver's instance does not declare " + text);
  return caps;
}

}  // namespace mageio::adbc
