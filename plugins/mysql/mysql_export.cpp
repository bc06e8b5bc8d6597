#include "mysql_export.hpp"

#include "mysql_catalog.hpp"
#include "mysql_encode.hpp"
#include "mysql_infile.hpp"
#include "mysql_sql.hpp"
#include "mysql_types.hpp"

#include <cppconn/statement.h>
#include <cppconn/warning.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

namespace mageio::mysql {
namespace {

enum class Method { Auto, LoadData, Insert };

constexpr size_t kMaxStatementBytes = size_t{4} << 20;
constexpr size_t kInfileChunkBytes = InfileSource::kChunkBytes;

std::string random_suffix() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device random;
  std::string out;
  for (int i = 0; i < 6; ++i) out += kHex[random() & 15];
  return out;
}

// Side tables say what they are and whose they are: <table>__mageio_<role>_c<connection id>_<hex>, within
// MySQL's 64-character identifier limit (the table's name is shortened, never the suffix). The connection id
// lets a later export tell a table left by a killed session from one a live session is still filling.
std::string side_table_suffix(const std::string& role, uint64_t connection_id) {
  return "__mageio_" + role + "_c" + std::to_string(connection_id) + "_" + random_suffix();
}

std::string side_table_name(const std::string& table, const std::string& role, uint64_t connection_id) {
  const std::string suffix = side_table_suffix(role, connection_id);
  return truncate_identifier(table, 64 - suffix.size()) + suffix;
}

// The connection id in a side table of `table` ("stage" or "old"), or nullopt when `name` is not one.
std::optional<uint64_t> side_table_owner(const std::string& name, const std::string& table) {
  for (const std::string role : {"stage", "old"}) {
    const std::string marker = "__mageio_" + role + "_c";
    const size_t at = name.rfind(marker);
    if (at == std::string::npos) continue;
    const std::string rest = name.substr(at + marker.size());  // <digits>_<6 hex>
    const size_t underscore = rest.find('_');
    if (underscore == 0 || underscore == std::string::npos || rest.size() - underscore - 1 != 6) continue;
    const std::string digits = rest.substr(0, underscore);
    if (digits.size() > 20 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (rest.find_first_not_of("0123456789abcdef", underscore + 1) != std::string::npos) continue;
    if (name.substr(0, at) != truncate_identifier(table, 64 - (name.size() - at))) continue;
    return std::stoull(digits);
  }
  return std::nullopt;
}

// Every export session holds this named lock until it ends (the server releases it when the connection
// goes, also when the client was killed), so "is the owner of a side table still alive" has an answer
// that needs no PROCESS privilege: IS_USED_LOCK of its name.
std::string export_lock_name(uint64_t connection_id) { return "mageio_export_c" + std::to_string(connection_id); }

void hold_export_lock(Session& session) {
  if (session.export_lock_held()) return;
  const uint64_t id = session.server().connection_id;
  auto rows = session.query("SELECT GET_LOCK(?, 0)", {export_lock_name(id)}, "cannot take the export's lock");
  if (rows.empty() || !rows[0][0] || *rows[0][0] != "1")
    throw sdk::Error(MAGEIO_STATUS_BACKEND, "mysql: cannot take the named lock " + export_lock_name(id) +
                                                " that marks this session's staging tables as in use");
  session.export_lock_taken();
}

// Drops the staging tables (and replaced copies) of `table` that sessions killed mid-export left behind
// (SIGKILL, a power cut: nothing of the client ran to clean up). A side table is stale when its owner's
// connection id neither holds its export lock nor appears in PROCESSLIST; a live session's tables are
// never touched.
void drop_stale_side_tables(Session& session, const std::string& schema, const std::string& table) {
  auto rows = session.query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ? ESCAPE '!'",
      {schema, std::string("%!_!_mageio!_%")}, "cannot look for stale staging tables");
  for (const auto& row : rows) {
    if (!row[0]) continue;
    const std::string& name = *row[0];
    const auto owner = side_table_owner(name, table);
    if (!owner || *owner == session.server().connection_id) continue;
    auto alive = session.query(
        "SELECT IS_USED_LOCK(?) IS NOT NULL OR EXISTS (SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = ?)",
        {export_lock_name(*owner), std::to_string(*owner)}, "cannot check the owner of " + name);
    if (alive.empty() || !alive[0][0] || *alive[0][0] != "0") continue;
    session.run("DROP TABLE IF EXISTS " + qualified_name(schema, name), "dropping the stale staging table " + name);
    session.host().info("mysql: dropped " + schema + "." + name + ", left behind by connection " +
                        std::to_string(*owner) +
                        ", which no longer exists (an export killed before it could clean up)");
  }
}

// Warnings that say nothing about the data written.
bool harmless_warning(int code) {
  return code == 1287      // ER_WARN_DEPRECATED_SYNTAX: VALUES() in ON DUPLICATE KEY UPDATE on MySQL 8.0.20+
         || code == 1681   // ER_WARN_DEPRECATED_SYNTAX_NO_REPLACEMENT
         || code == 1592;  // ER_BINLOG_UNSAFE_STATEMENT: statement-based binlog and ON DUPLICATE KEY
}

// Throws the first warning that matters: exports are strict whatever sql_mode says. (A statement the
// watchdog killed may end with a 1317 "interrupted" warning instead of an error: that is CANCELLED.)
void check_warning(Session& session, int code, std::string state, const std::string& message,
                   const std::string& context) {
  if (harmless_warning(code)) return;
  if (state.size() != 5) state.clear();
  const bool cancelled = session.cancel_fired() || session.host().cancelled();
  if (status_for(code, Phase::Run, cancelled) == MAGEIO_STATUS_CANCELLED)
    throw sdk::Error(MAGEIO_STATUS_CANCELLED, "mysql: " + context + ": cancelled by the host", state, code);
  throw sdk::Error(MAGEIO_STATUS_BACKEND,
                   "mysql: " + context + ": the server reported: " + message + " [warning " + std::to_string(code) +
                       (state.empty() ? "" : ", SQLSTATE " + state) +
                       "]; exports treat warnings as errors, so nothing was written",
                   state, code);
}

void check_warnings(Session& session, const sql::SQLWarning* warning, const std::string& context) {
  for (; warning != nullptr; warning = warning->getNextWarning())
    check_warning(session, warning->getErrorCode(), warning->getSQLState(), warning->getMessage(), context);
}

// Reads the input on its own thread, one batch ahead of the writer: the upstream producer's work (a CSV
// parse, a database fetch) overlaps with encoding and with the server's work instead of alternating with
// them. At most one batch waits in the queue, so the client holds at most three (queued, being fetched,
// being written). The input is only ever touched by the prefetch thread, from the first next() on.
class Prefetcher {
 public:
  explicit Prefetcher(sdk::StreamReader& input) : input_(input) {}
  ~Prefetcher() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
      changed_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    if (queued_.release != nullptr) queued_.release(&queued_);
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  /// The next batch (into `out`, releasing what it held); false at the end; rethrows the input's error.
  bool next(sdk::OwnedArray& out) {
    out.reset();
    std::unique_lock lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    changed_.wait(lock, [this] { return full_ || ended_; });
    if (full_) {
      out.array = queued_;
      queued_ = ArrowArray{};
      full_ = false;
      changed_.notify_all();
      return true;
    }
    if (error_) std::rethrow_exception(error_);
    return false;
  }

 private:
  void run() {
    try {
      for (;;) {
        sdk::OwnedArray batch;
        const bool more = input_.next(batch);
        std::unique_lock lock(mutex_);
        if (!more) break;
        changed_.wait(lock, [this] { return !full_ || stop_; });
        if (stop_) return;
        queued_ = batch.array;
        batch.array = ArrowArray{};
        full_ = true;
        changed_.notify_all();
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  }

  sdk::StreamReader& input_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  ArrowArray queued_{};
  bool full_ = false;
  bool ended_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
};

struct Plan {
  std::string qualified;                   // where the rows go
  sdk::Schema schema;                      // the input's
  std::vector<std::string> columns;        // target column names, in input order (the table's spelling)
  std::vector<std::string> load_data_set;  // per column: "" or the SET expression over @vN (LOAD DATA)
  std::vector<std::string> unique;         // key columns (upsert), the table's spelling
  sdk::ConflictMethod conflict = sdk::ConflictMethod::Update;
  Method method = Method::Insert;
  bool chosen_automatically = false;  // "auto": LOAD DATA may fall back to INSERT before sending any row
  bool backslash_escapes = true;
  std::string context;
};

// " ON DUPLICATE KEY UPDATE ..." for an upsert, "" otherwise.
std::string upsert_clause(const Plan& plan_) {
  if (plan_.unique.empty()) return "";
  const std::string first_key = quote_identifier(plan_.unique.front());
  // IGNORE (and UPDATE when every column is a key): assigning the key to itself changes nothing and only
  // runs for rows whose key already exists, unlike INSERT IGNORE, which also swallows every other error.
  std::string assignments;
  if (plan_.conflict == sdk::ConflictMethod::Update) {
    for (const auto& column : plan_.columns) {
      bool is_key = std::any_of(plan_.unique.begin(), plan_.unique.end(),
                                [&](const std::string& key) { return same_column(key, column); });
      if (is_key) continue;
      if (!assignments.empty()) assignments += ", ";
      // VALUES(col): the value this row would have inserted. Works on MariaDB and MySQL 8 alike.
      assignments += quote_identifier(column) + " = VALUES(" + quote_identifier(column) + ")";
    }
  }
  if (assignments.empty()) assignments = first_key + " = " + first_key;
  return " ON DUPLICATE KEY UPDATE " + assignments;
}

class Writer {
 public:
  // `loaded`: where a LOAD DATA leaves its connection, with the rows in its open transaction, for the caller
  // to commit (in_transaction) once everything else succeeded.
  Writer(Session& session, const Plan& plan, sdk::StreamReader& input, std::unique_ptr<LoadConnection>& loaded)
      : session_(session), plan_(plan), input_(input), loaded_(loaded), values_(plan.schema, plan.backslash_escapes) {}
  // (input_ is read through a Prefetcher, created where the rows are first needed.)

  int64_t write() {
    if (plan_.method != Method::LoadData) return write_inserts();
    std::optional<int64_t> rows = write_load_data();
    return rows ? *rows : write_inserts();
  }

 private:
  std::string column_list() const {
    std::string out;
    for (size_t i = 0; i < plan_.columns.size(); ++i) {
      if (i > 0) out += ", ";
      out += plan_.load_data_set.empty() || plan_.load_data_set[i].empty() ? quote_identifier(plan_.columns[i])
                                                                           : "@mageio_v" + std::to_string(i);
    }
    return out;
  }

  // --- multi-row INSERT ---------------------------------------------------------------------------

  int64_t write_inserts() {
    std::string prefix = "INSERT INTO " + plan_.qualified + " (";
    for (size_t i = 0; i < plan_.columns.size(); ++i)
      prefix += (i > 0 ? ", " : "") + quote_identifier(plan_.columns[i]);
    prefix += ") VALUES ";
    const std::string suffix = upsert_clause(plan_);
    const int64_t packet = session_.server().max_allowed_packet;
    // Statements of at most 4 MiB (bounded client memory), always below max_allowed_packet.
    const size_t limit = packet > (64 << 10)
                             ? std::min<size_t>(kMaxStatementBytes, static_cast<size_t>(packet) - (16 << 10))
                             : static_cast<size_t>(std::max<int64_t>(packet / 2, 1024));

    std::unique_ptr<sql::Statement> statement = session_.statement();
    std::string sql;
    sql.reserve(limit + (64 << 10));
    int64_t in_statement = 0, total = 0;
    auto flush = [&] {
      if (in_statement == 0) return;
      sql += suffix;
      try {
        Session::Watch watch(session_);
        statement->execute(sql);
        check_warnings(session_, statement->getWarnings(), plan_.context);
      } catch (const sql::SQLException& e) {
        throw session_.error(e, plan_.context + " (in the INSERT of rows " + std::to_string(total - in_statement + 1) +
                                    " to " + std::to_string(total) + ")");
      }
      sql.clear();
      in_statement = 0;
    };

    sdk::OwnedArray batch;
    Prefetcher input(input_);
    while (input.next(batch)) {
      session_.host().check_cancelled();
      sdk::BatchView view(batch.array, plan_.schema);
      for (int64_t r = 0; r < view.rows(); ++r) {
        if (in_statement == 0) sql = prefix;
        const size_t mark = sql.size();
        if (in_statement > 0) sql += ',';
        values_.append_tuple(view, r, total + 1, sql);
        if (in_statement > 0 && sql.size() + suffix.size() > limit) {
          // This row does not fit: send the statement without it, start the next one with it.
          std::string row = sql.substr(mark + 1);
          sql.resize(mark);
          flush();
          sql = prefix + row;
        }
        // Only a single row can get here: one that alone exceeds what the server accepts.
        if (sql.size() + suffix.size() + 1024 > static_cast<size_t>(packet))
          throw sdk::invalid_argument("mysql: " + plan_.context + ": row " + std::to_string(total + 1) + " is " +
                                      std::to_string(sql.size() - prefix.size()) +
                                      " bytes as SQL, more than the server's max_allowed_packet (" +
                                      std::to_string(packet) + "); raise max_allowed_packet on the server");
        ++in_statement;
        ++total;
        if (sql.size() + suffix.size() >= limit) flush();
      }
      session_.host().progress(total, -1, -1);
    }
    flush();
    return total;
  }

  // --- LOAD DATA LOCAL INFILE on a connection of its own -----------------------------------------

  sdk::Error load_error(const ClientError& e, const std::string& context) const {
    return translate(e.code, e.state, e.message, context, Phase::Run,
                     session_.cancel_fired() || session_.host().cancelled(), session_.settings().password);
  }

  // The connection for the LOAD DATA, with the session's settings and variables; nullptr when it cannot be
  // opened and the method was chosen automatically (the caller then writes with INSERT).
  std::unique_ptr<LoadConnection> open_load_connection() {
    const std::vector<std::string> variables = session_.mirrored_variables();
    try {
      auto connection =
          std::make_unique<LoadConnection>(session_.settings(), session_.side_connection_tls(), variables);
      connection->begin();
      return connection;
    } catch (const ClientError& e) {
      sdk::Error error = load_error(e, plan_.context + " (opening the connection for LOAD DATA LOCAL INFILE to " +
                                           session_.settings().describe() + ")");
      if (!plan_.chosen_automatically) throw error;
      session_.host().warning(std::string(error.what()) + "; writing with INSERT statements instead");
      return nullptr;
    }
  }

  // A name no file has: the server may ask for it and nothing else.
  static std::string offered_name() {
    std::random_device random;
    std::string name = "mageio-export-rows-";
    for (int i = 0; i < 4; ++i) {
      char part[9];
      std::snprintf(part, sizeof part, "%08x", static_cast<unsigned>(random()));
      name += part;
    }
    return name;
  }

  // The row count; nullopt when LOAD DATA turned out to be unavailable before any row was read (only for
  // "auto": the caller then writes with INSERT, in the same transaction). On success the rows wait in the
  // open transaction of the connection left in loaded_.
  std::optional<int64_t> write_load_data() {
    std::unique_ptr<LoadConnection> connection = open_load_connection();
    if (!connection) return std::nullopt;
    const std::string name = offered_name();  // [0-9a-z-] only: the same literal in every sql_mode
    std::string sql = "LOAD DATA LOCAL INFILE '" + name + "' INTO TABLE " + plan_.qualified +
                      " CHARACTER SET binary FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' LINES TERMINATED BY X'0A' (" +
                      column_list() + ")";
    std::string set;
    for (size_t i = 0; i < plan_.load_data_set.size(); ++i) {
      if (plan_.load_data_set[i].empty()) continue;
      set += (set.empty() ? " SET " : ", ") + quote_identifier(plan_.columns[i]) + " = " + plan_.load_data_set[i];
    }
    sql += set;

    // Producer state, used only on the producer thread while the statement runs.
    int64_t fed = 0;
    sdk::OwnedArray batch;
    std::optional<sdk::BatchView> view;
    int64_t row = 0;
    std::optional<Prefetcher> input;  // created by the producer, once the server asked for the rows
    InfileSource source(name, [&](std::string& buffer) {
      while (buffer.size() < kInfileChunkBytes) {
        if (!view || row >= view->rows()) {
          view.reset();
          if (!input) input.emplace(input_);
          if (!input->next(batch)) return false;
          session_.host().check_cancelled();
          view.emplace(batch.array, plan_.schema);
          row = 0;
          session_.host().progress(fed, -1, -1);
          continue;
        }
        values_.append_line(*view, row++, fed + 1, buffer);
        ++fed;
      }
      return true;
    });

    int64_t affected = -1;
    std::optional<sdk::Error> failure;
    try {
      Session::Watch watch(session_, connection->connection_id());
      affected = connection->load(sql, source);
    } catch (const ClientError& e) {
      failure = load_error(e, plan_.context + " (LOAD DATA LOCAL INFILE)");
    }
    source.finish();
    // A server that asks for anything but the rows this export offered is faulty or hostile: nothing was sent.
    if (source.refused_name())
      throw sdk::Error(MAGEIO_STATUS_BACKEND,
                       "mysql: " + plan_.context + ": the server asked for the file '" + *source.refused_name() +
                           "', which this export did not offer; refused (LOAD DATA LOCAL INFILE only ever sends the "
                           "export's own rows, never a local file)");
    // Local infile refused by the server, or the table not visible to the LOAD DATA connection (a TEMPORARY
    // table of the session, where the server lists those): nothing was read or written yet.
    if (failure && !source.opened() && plan_.chosen_automatically &&
        (failure->vendor_code() == 1148 || failure->vendor_code() == 3948 || failure->vendor_code() == 4166 ||
         failure->vendor_code() == 2068 || failure->vendor_code() == 1146)) {
      session_.host().warning("mysql: LOAD DATA LOCAL INFILE was refused (" + std::string(failure->what()) +
                              "); writing with INSERT statements instead");
      return std::nullopt;
    }
    // The input's own failure (bad value, broken stream, cancellation) explains more than the statement's.
    if (source.error()) std::rethrow_exception(source.error());
    if (failure) throw *failure;
    if (!source.completed())
      throw sdk::Error(MAGEIO_STATUS_BACKEND,
                       "mysql: " + plan_.context + ": the client library stopped reading the rows before their end");
    try {
      for (const ServerWarning& warning : connection->warnings())
        check_warning(session_, warning.code, "", warning.message, plan_.context);
    } catch (const ClientError& e) {
      throw load_error(e, plan_.context + " (SHOW WARNINGS after LOAD DATA)");
    }
    if (affected != fed)
      throw sdk::Error(MAGEIO_STATUS_BACKEND, "mysql: " + plan_.context + ": LOAD DATA wrote " +
                                                  std::to_string(affected) + " of " + std::to_string(fed) + " rows");
    session_.host().progress(fed, -1, -1);
    loaded_ = std::move(connection);
    return fed;
  }

  Session& session_;
  const Plan& plan_;
  sdk::StreamReader& input_;
  std::unique_ptr<LoadConnection>& loaded_;
  ValueWriter values_;
};

// Cleanup after a failure. When the connection itself is gone, the server has already rolled back, and a
// DROP of a staging table is retried by the next operation (after it reconnects).
void run_quietly(Session& session, const std::string& sql, bool retry_later = false) {
  try {
    session.run(sql, "cleanup");
  } catch (const std::exception& e) {
    session.host().debug(std::string("mysql: cleanup statement failed: ") + sql + ": " + e.what());
    if (retry_later) session.defer_cleanup(sql);
  }
}

// START TRANSACTION ... COMMIT around `body`; ROLLBACK on any failure. When `body` left rows in the open
// transaction of a LOAD DATA connection (`loaded`), that is committed last, once everything else succeeded;
// on failure it is rolled back (its destructor) before the caller cleans up.
int64_t in_transaction(Session& session, const std::string& context, const std::function<int64_t()>& body,
                       std::unique_ptr<LoadConnection>* loaded = nullptr) {
  session.run("START TRANSACTION", context);
  try {
    int64_t rows = body();
    session.host().check_cancelled();
    session.run("COMMIT", context);
    if (loaded != nullptr && *loaded) {
      try {
        (*loaded)->commit();
      } catch (const ClientError& e) {
        throw translate(e.code, e.state, e.message, context + " (committing the LOAD DATA)", Phase::Run,
                        session.host().cancelled(), session.settings().password);
      }
      loaded->reset();
    }
    return rows;
  } catch (...) {
    if (loaded != nullptr) loaded->reset();
    run_quietly(session, "ROLLBACK");
    throw;
  }
}

Method read_method(const sdk::Options& options) {
  auto method = options.get_string("method");
  if (!method || *method == "auto") return Method::Auto;
  if (*method == "load_data") return Method::LoadData;
  if (*method == "insert") return Method::Insert;
  throw sdk::invalid_argument("mysql: option method must be \"auto\", \"load_data\" or \"insert\", not \"" + *method +
                              "\"");
}

// Maps the input's columns onto an existing table's (by name, ignoring case) and, for an upsert, checks that
// the table has a unique index on exactly the constraint columns. Fills plan.qualified/columns/
// load_data_set/unique.
void plan_append(Session& session, Plan& plan, const TableInfo& table, const sdk::ExportRequest& request,
                 const std::string& described) {
  const bool upsert = !request.unique_constraints.empty();
  plan.columns.clear();
  plan.unique.clear();
  plan.qualified = qualified_name(table.schema, table.name);
  plan.load_data_set.assign(plan.schema.size(), "");
  for (size_t i = 0; i < plan.schema.size(); ++i) {
    auto found = std::find_if(table.columns.begin(), table.columns.end(),
                              [&](const ColumnInfo& c) { return same_column(c.name, plan.schema[i].name); });
    if (found == table.columns.end()) {
      std::string names;
      for (const auto& c : table.columns) names += (names.empty() ? "" : ", ") + c.name;
      throw sdk::invalid_argument("mysql: cannot append to " + described + ": input column \"" + plan.schema[i].name +
                                  "\" is not in the table (its columns: " + names + ")");
    }
    plan.columns.push_back(found->name);
    // LOAD DATA ... CHARACTER SET binary hands BIT columns the digits' bytes and MySQL 8 refuses JSON from
    // binary strings: read those through a variable.
    const std::string var = "@mageio_v" + std::to_string(i);
    if (found->data_type == "bit")
      plan.load_data_set[i] = "CAST(" + var + " AS UNSIGNED)";
    else if (found->data_type == "json")
      plan.load_data_set[i] = "CONVERT(" + var + " USING utf8mb4)";
  }
  if (upsert) {
    for (const auto& key : request.unique_constraints) {
      auto found = std::find_if(table.columns.begin(), table.columns.end(),
                                [&](const ColumnInfo& c) { return same_column(c.name, key); });
      plan.unique.push_back(found == table.columns.end() ? key : found->name);
    }
    bool has_key = false;
    for (const auto& index : unique_keys(session, table.schema, table.name)) {
      if (index.size() != plan.unique.size()) continue;
      has_key = std::all_of(plan.unique.begin(), plan.unique.end(), [&](const std::string& key) {
        return std::any_of(index.begin(), index.end(), [&](const std::string& c) { return same_column(c, key); });
      });
      if (has_key) break;
    }
    if (!has_key) {
      std::string keys;
      for (const auto& key : plan.unique) keys += (keys.empty() ? "" : ", ") + quote_identifier(key);
      throw sdk::invalid_argument("mysql: cannot upsert into " + described +
                                  ": it has no PRIMARY KEY or UNIQUE index on "
                                  "exactly (" +
                                  keys +
                                  "), so ON DUPLICATE KEY UPDATE would never fire and rows would be "
                                  "duplicated; add one first: ALTER TABLE " +
                                  plan.qualified + " ADD UNIQUE KEY (" + keys + ")");
    }
  }
}

constexpr int kTableExists = 1050;  // ER_TABLE_EXISTS_ERROR
constexpr int kNoSuchTable = 1146;  // ER_NO_SUCH_TABLE
constexpr int kPublishAttempts = 5;

// Runs one data-changing statement with warnings as errors (as every export statement).
int64_t run_strict(Session& session, const std::string& sql, const std::string& context) {
  std::unique_ptr<sql::Statement> statement = session.statement();
  try {
    Session::Watch watch(session);
    statement->execute(sql);
    check_warnings(session, statement->getWarnings(), context);
    return static_cast<int64_t>(statement->getUpdateCount());
  } catch (const sql::SQLException& e) {
    throw session.error(e, context);
  }
}

// The target appeared after we looked (another export created it): copy the staged rows into it in one
// transaction, mapped by column name, with the same upsert rules as an append. Throws kNoSuchTable's
// error when the table is gone again.
void append_staged_rows(Session& session, const Plan& staged, const std::string& schema, const std::string& table,
                        const sdk::ExportRequest& request, const std::string& described) {
  auto info = describe_table(session, schema, table);
  if (!info)
    throw sdk::Error(MAGEIO_STATUS_NOT_FOUND, "mysql: " + described + " disappeared while appending", "42S02",
                     kNoSuchTable);
  Plan append = staged;
  plan_append(session, append, *info, request, described);
  std::string target_columns, stage_columns;
  for (size_t i = 0; i < append.columns.size(); ++i) {
    target_columns += (i > 0 ? ", " : "") + quote_identifier(append.columns[i]);
    stage_columns += (i > 0 ? ", " : "") + quote_identifier(staged.columns[i]);
  }
  const std::string sql = "INSERT INTO " + append.qualified + " (" + target_columns + ") SELECT " + stage_columns +
                          " FROM " + staged.qualified + upsert_clause(append);
  in_transaction(session, staged.context, [&] {
    return run_strict(session, sql, staged.context + " (appending to the table another export created meanwhile)");
  });
}

// Replaces the target with the filled staging table in one atomic RENAME, then drops the old copy.
void swap_in(Session& session, const Plan& plan, const std::string& schema, const std::string& qualified_target,
             const std::string& table, const std::string& described) {
  const std::string old = side_table_name(table, "old", session.server().connection_id);
  session.run("RENAME TABLE " + qualified_target + " TO " + qualified_name(schema, old) + ", " + plan.qualified +
                  " TO " + qualified_target,
              plan.context + " (swapping the new table in)");
  try {
    session.run("DROP TABLE " + qualified_name(schema, old), "dropping the replaced table");
  } catch (const sdk::Error& e) {
    session.host().warning("mysql: " + described + " was replaced, but its old copy " + schema + "." + old +
                           " could not be dropped: " + e.what());
  }
}

}  // namespace

std::string create_table_sql(const std::string& qualified, const sdk::Schema& schema,
                             const std::vector<std::string>& unique_columns, std::string_view key_text_collation) {
  auto is_key = [&](const std::string& name) {
    return std::any_of(unique_columns.begin(), unique_columns.end(),
                       [&](const auto& key) { return same_column(key, name); });
  };
  // Split InnoDB's index budget between the variable-width key columns.
  int fixed = 0, variable = 0;
  for (const auto& field : schema) {
    if (!is_key(field.name)) continue;
    if (variable_width(field.type))
      ++variable;
    else
      fixed += key_bytes(field.type);
  }
  const int budget = variable > 0 ? (kMaxKeyBytes - fixed) / variable : 0;
  if (variable > 0 && budget < 4)
    throw sdk::invalid_argument("mysql: the unique key columns do not fit InnoDB's 3072-byte index limit");

  std::string sql = "CREATE TABLE " + qualified + " (";
  for (size_t i = 0; i < schema.size(); ++i) {
    const auto& field = schema[i];
    sql += i > 0 ? ",\n  " : "\n  ";
    sql += quote_identifier(field.name) + " ";
    const bool sized_key = is_key(field.name) && variable_width(field.type);
    sql += sql_type(field.type, sized_key ? std::optional<KeyColumn>({budget, key_text_collation}) : std::nullopt);
    sql += field.nullable ? " NULL" : " NOT NULL";
  }
  if (!unique_columns.empty()) {
    sql += ",\n  UNIQUE KEY `mageio_unique_key` (";
    for (size_t i = 0; i < unique_columns.size(); ++i) sql += (i > 0 ? ", " : "") + quote_identifier(unique_columns[i]);
    sql += ")";
  }
  sql += "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
  return sql;
}

int64_t export_rows(const std::shared_ptr<Session>& session_ptr, sdk::ExportRequest request, sdk::StreamReader& input) {
  Session& session = *session_ptr;
  const sdk::Target& target = request.target;
  if (target.is_path())
    throw sdk::invalid_argument("mysql: export writes to a table, not a path ('" + target.path + "')");
  if (target.table.empty()) throw sdk::invalid_argument("mysql: export needs a table");
  Method method = read_method(request.options);
  request.options.finish();

  Plan plan;
  plan.schema = input.schema();
  if (plan.schema.empty())
    throw sdk::invalid_argument("mysql: cannot export to " + target.describe() + ": the input has no columns");
  for (size_t i = 0; i < plan.schema.size(); ++i) {
    if (plan.schema[i].name.empty())
      throw sdk::invalid_argument("mysql: cannot export to " + target.describe() + ": input column " +
                                  std::to_string(i + 1) + " has no name");
    for (size_t j = 0; j < i; ++j)
      if (same_column(plan.schema[i].name, plan.schema[j].name))
        throw sdk::invalid_argument("mysql: cannot export to " + target.describe() +
                                    ": the input has two columns named \"" + plan.schema[i].name +
                                    "\" (MySQL column names ignore case)");
  }
  for (const auto& key : request.unique_constraints) {
    auto found =
        std::find_if(plan.schema.begin(), plan.schema.end(), [&](const auto& f) { return same_column(f.name, key); });
    if (found == plan.schema.end())
      throw sdk::invalid_argument("mysql: unique constraint column \"" + key + "\" is not a column of the input");
  }
  ValueWriter check_types(plan.schema, true);  // NOT_IMPLEMENTED for a type MySQL cannot hold, before any change

  session.begin("export");
  const std::string schema = resolve_schema(session, target, "cannot export to");
  const std::string described = schema + "." + target.table;
  plan.context = "export to " + described + " failed";
  auto existing = describe_table(session, schema, target.table);
  const bool upsert = !request.unique_constraints.empty();
  plan.conflict = request.conflict_method;
  plan.backslash_escapes = session.backslash_escapes();

  if (existing && request.if_exists == sdk::IfExists::Fail)
    throw sdk::already_exists("mysql: table " + described + " already exists (if_exists is fail)");
  if (existing && existing->is_view && request.if_exists == sdk::IfExists::Replace)
    throw sdk::invalid_argument("mysql: " + described + " is a view; replace only replaces tables");

  const bool local_infile = session.settings().allow_local_infile && session.server().local_infile;
  if (method == Method::LoadData && !local_infile)
    throw sdk::invalid_argument(
        "mysql: method load_data needs LOAD DATA LOCAL INFILE: set MYSQL_ALLOW_LOCAL_INFILE: true, and the server's "
        "local_infile must be ON (it is " +
        std::string(session.server().local_infile ? "ON" : "OFF") + ")");
  if (method == Method::LoadData && upsert)
    throw sdk::invalid_argument("mysql: method load_data cannot upsert (LOAD DATA has no ON DUPLICATE KEY UPDATE)");
  plan.method = method == Method::Auto ? (local_infile && !upsert ? Method::LoadData : Method::Insert) : method;
  plan.chosen_automatically = method == Method::Auto;

  std::unique_ptr<LoadConnection> loaded;  // a LOAD DATA's connection, its rows not yet committed
  auto writer_rows = [&] {
    Writer writer(session, plan, input, loaded);
    return writer.write();
  };

  // Whatever this export does, it first clears what killed exports to this target left behind (and the pipe
  // directories of earlier versions).
  drop_stale_side_tables(session, schema, target.table);
  remove_stale_pipe_directories();

  const bool create = !existing || request.if_exists == sdk::IfExists::Replace;
  if (!create) {
    // Append / upsert into the existing table.
    plan_append(session, plan, *existing, request, described);
    return in_transaction(session, plan.context, writer_rows, &loaded);
  }

  // A new table (or a replacement): build it aside, fill it, swap it in.
  for (const auto& field : plan.schema) plan.columns.push_back(field.name);
  for (const auto& key : request.unique_constraints) {
    auto found =
        std::find_if(plan.schema.begin(), plan.schema.end(), [&](const auto& f) { return same_column(f.name, key); });
    plan.unique.push_back(found->name);
  }
  hold_export_lock(session);
  const std::string stage = side_table_name(target.table, "stage", session.server().connection_id);
  const std::string qualified_target = qualified_name(schema, existing ? existing->name : target.table);
  plan.qualified = qualified_name(schema, stage);
  session.run(
      create_table_sql(plan.qualified, plan.schema, plan.unique, exact_text_collation(session.server().mariadb)),
      "cannot export to " + described + ": creating the staging table " + stage + " failed");
  try {
    const int64_t rows = in_transaction(session, plan.context, writer_rows, &loaded);
    session.host().check_cancelled();
    // Another export may create or replace the target between our look at it and our RENAME (two exports
    // into a missing table at once). RENAME is atomic, so each attempt either moves the stage in or finds the
    // table in the way (1050) or gone (1146), and the next attempt acts on what is there now.
    bool target_there = existing.has_value();
    for (int attempt = 1;; ++attempt) {
      try {
        if (!target_there) {
          session.run("RENAME TABLE " + plan.qualified + " TO " + qualified_target,
                      plan.context + " (creating the table)");
        } else if (request.if_exists == sdk::IfExists::Append) {
          // Created by another export meanwhile: add the staged rows to it, as append would have.
          append_staged_rows(session, plan, schema, target.table, request, described);
          run_quietly(session, "DROP TABLE IF EXISTS " + plan.qualified);
        } else if (request.if_exists == sdk::IfExists::Replace) {
          swap_in(session, plan, schema, qualified_target, target.table, described);
        } else {
          throw sdk::already_exists("mysql: table " + described + " already exists (if_exists is fail)");
        }
        break;
      } catch (const sdk::Error& e) {
        const bool in_the_way = e.vendor_code() == kTableExists, gone = e.vendor_code() == kNoSuchTable;
        if (attempt >= kPublishAttempts || !(in_the_way || gone)) throw;
        target_there = in_the_way;
      }
    }
    return rows;
  } catch (...) {
    run_quietly(session, "DROP TABLE IF EXISTS " + plan.qualified, true);
    throw;
  }
}

}  // namespace mageio::mysql
