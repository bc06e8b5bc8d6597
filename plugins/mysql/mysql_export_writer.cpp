#include "mysql_export_writer.hpp"

#include "mysql_catalog.hpp"
#include "mysql_encode.hpp"
#include "mysql_infile.hpp"
#include "mysql_sql.hpp"
#include "mysql_types.hpp"

#include <cppconn/statement.h>
#include <cppconn/warning.h>
#include <mageio/sdk/export_input.hpp>
#include <mageio/sdk/random_suffix.hpp>
#include <mageio/sdk/read_ahead.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <optional>

namespace mageio::mysql {
namespace {

constexpr size_t kMaxStatementBytes = size_t{4} << 20;
constexpr size_t kInfileChunkBytes = InfileSource::kChunkBytes;

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
    throw sdk::Error(MAGEIO_STATUS_CANCELLED, context + ": cancelled by the host", state, code);
  throw sdk::Error(MAGEIO_STATUS_BACKEND,
                   context + ": the server reported: " + message + " [warning " + std::to_string(code) +
                       (state.empty() ? "" : ", SQLSTATE " + state) +
                       "]; exports treat warnings as errors, so nothing was written",
                   state, code);
}

}  // namespace

void check_warnings(Session& session, const sql::SQLWarning* warning, const std::string& context) {
  for (; warning != nullptr; warning = warning->getNextWarning())
    check_warning(session, warning->getErrorCode(), warning->getSQLState(), warning->getMessage(), context);
}

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

class ExportWriter::Impl {
 public:
  // `loaded`: where a LOAD DATA leaves its connection, with the rows in its open transaction, for the caller
  // to commit (in_transaction) once everything else succeeded.
  Impl(Session& session, const Plan& plan, sdk::StreamReader& input, std::unique_ptr<LoadConnection>& loaded)
      : session_(session), plan_(plan), input_(input), loaded_(loaded), values_(plan.schema, plan.backslash_escapes) {}
  // (input_ is read through an sdk::ReadAhead, created where the rows are first needed.)

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
    sdk::ReadAhead input(input_);
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
          throw sdk::invalid_argument(plan_.context + ": row " + std::to_string(total + 1) + " is " +
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
  static std::string offered_name() { return "mageio-export-rows-" + sdk::random_suffix(32); }

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
    std::optional<sdk::ReadAhead> input;  // created by the producer, once the server asked for the rows
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
                       plan_.context + ": the server asked for the file '" + *source.refused_name() +
                           "', which this export did not offer; refused (LOAD DATA LOCAL INFILE only ever sends the "
                           "export's own rows, never a local file)");
    // Local infile refused by the server, or the table not visible to the LOAD DATA connection (a TEMPORARY
    // table of the session, where the server lists those): nothing was read or written yet.
    if (failure && !source.opened() && plan_.chosen_automatically &&
        (failure->vendor_code() == 1148 || failure->vendor_code() == 3948 || failure->vendor_code() == 4166 ||
         failure->vendor_code() == 2068 || failure->vendor_code() == 1146)) {
      session_.host().warning("LOAD DATA LOCAL INFILE was refused (" + std::string(failure->what()) +
                              "); writing with INSERT statements instead");
      return std::nullopt;
    }
    // The input's own failure (bad value, broken stream, cancellation) explains more than the statement's.
    if (source.error()) std::rethrow_exception(source.error());
    if (failure) throw *failure;
    if (!source.completed())
      throw sdk::Error(MAGEIO_STATUS_BACKEND,
                       plan_.context + ": the client library stopped reading the rows before their end");
    try {
      for (const ServerWarning& warning : connection->warnings())
        check_warning(session_, warning.code, "", warning.message, plan_.context);
    } catch (const ClientError& e) {
      throw load_error(e, plan_.context + " (SHOW WARNINGS after LOAD DATA)");
    }
    if (affected != fed)
      throw sdk::Error(MAGEIO_STATUS_BACKEND, plan_.context + ": LOAD DATA wrote " + std::to_string(affected) + " of " +
                                                  std::to_string(fed) + " rows");
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

ExportWriter::ExportWriter(Session& session, const Plan& plan, sdk::StreamReader& input,
                           std::unique_ptr<LoadConnection>& loaded)
    : impl_(std::make_unique<Impl>(session, plan, input, loaded)) {}
ExportWriter::~ExportWriter() = default;
int64_t ExportWriter::write() { return impl_->write(); }

}  // namespace mageio::mysql
