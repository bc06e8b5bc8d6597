#include "pg_connector.hpp"

#include "pg_catalog.hpp"
#include "pg_export.hpp"
#include "pg_load.hpp"
#include "pg_partitions.hpp"
#include "pg_sql.hpp"
#include "pg_staged_export.hpp"
#include "pg_types.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/plugin.hpp>

#include <cctype>
#include <string_view>

namespace mageio::postgres {
namespace {
// The savepoint execute() sets inside a user's transaction before attempts that may fail by design.
constexpr const char* kProbeSavepoint = "mageio_execute_attempt";

// Whether COPY (statement) TO STDOUT can run the statement: a query (SELECT, VALUES, TABLE, WITH, or
// one in parentheses) or INSERT/UPDATE/DELETE/MERGE (COPY takes those with RETURNING, which a statement
// that returns columns has). Decided by the first word, after comments.
bool copy_can_hold(std::string_view statement) {
  size_t at = 0;
  while (at < statement.size()) {
    if (std::isspace(static_cast<unsigned char>(statement[at]))) {
      ++at;
    } else if (statement.compare(at, 2, "--") == 0) {
      at = statement.find('\n', at);
      if (at == std::string_view::npos) return false;
    } else if (statement.compare(at, 2, "/*") == 0) {
      at = statement.find("*/", at);
      if (at == std::string_view::npos) return false;
      at += 2;
    } else {
      break;
    }
  }
  if (at < statement.size() && statement[at] == '(') return true;
  std::string word;
  while (at < statement.size() && std::isalpha(static_cast<unsigned char>(statement[at])))
    word.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(statement[at++]))));
  for (const char* copyable : {"select", "values", "table", "with", "insert", "update", "delete", "merge"})
    if (word == copyable) return true;
  return false;
}
}  // namespace

sdk::PluginInfo PostgresConnector::info() {
  sdk::PluginInfo info;
  info.name = "postgres";
  info.version = "0.1.0";
  info.description = "PostgreSQL through libpq, streaming with binary COPY";
  info.capabilities = MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT | MAGEIO_CAP_EXECUTE | MAGEIO_CAP_EXECUTE_QUERIES |
                      MAGEIO_CAP_ALTER_TABLE | MAGEIO_CAP_TABLE_EXISTS | MAGEIO_CAP_UPSERT | MAGEIO_CAP_TRANSACTIONS |
                      MAGEIO_CAP_LOAD_QUERY | MAGEIO_CAP_TABLES | MAGEIO_CAP_PARTITIONS | MAGEIO_CAP_STAGED_EXPORT;
  info.config_section = "PostgreSQL";
  info.config_keys = config_keys();
  // Exactly the types export creates a column for and load maps that column back to (pg_types.hpp).
  // Not listed because they come back as another type: int8 and uint8 (smallint -> int16), uint16
  // (integer -> int32), uint32 (bigint -> int64), uint64 (numeric(20,0) -> decimal128(20, 0)), null
  // (text -> utf8), large_utf8 and large_binary (-> utf8, binary).
  info.supported_types = {"bool",
                          "int16",
                          "int32",
                          "int64",
                          "float32",
                          "float64",
                          "decimal128(12, 2)",
                          "decimal128(38, 10)",
                          "utf8",
                          "binary",
                          "date32",
                          "timestamp[us]",
                          "timestamp[us, UTC]",
                          "time64[us]"};
  return info;
}

PostgresConnector::PostgresConnector(const sdk::Config& config, sdk::Host& host)
    : host_(host), pool_(std::make_shared<ConnectionPool>(settings_from(config), &host)) {
  // Connect now: open is where a wrong password or an unreachable server should be reported.
  pool_->acquire();
}

PostgresConnector::~PostgresConnector() { end_plan_snapshot(plan_snapshot_); }

std::vector<std::string> PostgresConnector::plan_partitions(const sdk::PlanRequest& request) {
  end_plan_snapshot(plan_snapshot_);
  PartitionPlan plan = postgres::plan_partitions(*pool_, request);
  plan_snapshot_ = std::move(plan.snapshot);
  return std::move(plan.descriptors);
}

std::unique_ptr<sdk::BatchSource> PostgresConnector::load_partition(const std::string& descriptor) {
  return postgres::load_partition(*pool_, descriptor);
}

std::string PostgresConnector::stage_begin(const sdk::StageRequest& request, const sdk::Schema& schema) {
  return begin_stage(*pool_, request, schema);
}

int64_t PostgresConnector::stage_write(const std::string& stage, sdk::StreamReader& input) {
  return write_stage(*pool_, stage, input);
}

int64_t PostgresConnector::stage_finish(const std::string& stage, bool commit, int64_t expected_rows) {
  return finish_stage(*pool_, stage, commit, expected_rows);
}

std::string PostgresConnector::schema_of(const sdk::Target& target) const {
  if (target.is_path()) throw sdk::invalid_argument("postgres works with tables, not paths");
  if (target.table.empty()) throw sdk::invalid_argument("no table given");
  return target.schema.empty() ? pool_->settings().default_schema : target.schema;
}

std::unique_ptr<sdk::BatchSource> PostgresConnector::load(const sdk::LoadRequest& request) {
  return load_rows(*pool_, request);
}

int64_t PostgresConnector::export_data(const sdk::ExportRequest& request, sdk::StreamReader& input) {
  return export_rows(*pool_, request, input);
}

// One statement: described first; no result columns -> run it (rows affected); result columns -> its
// rows stream through COPY like a load (typed), or, for statements COPY cannot hold (SHOW, EXPLAIN,
// FETCH ...), come back as text. Several statements in one string go through the simple query
// protocol: rows affected add up, and the rows of the last statement that returned some come back as
// text.
sdk::ExecuteResult PostgresConnector::execute(const std::string& sql) {
  host_.check_cancelled();
  const std::string what = "execute failed";
  const std::string statement = strip_query(sql);
  if (statement.empty()) throw sdk::invalid_argument("the statement is empty");
  auto lease = pool_->acquire();
  sdk::ExecuteResult outcome;

  // In an aborted transaction the server takes only ROLLBACK [TO SAVEPOINT] and COMMIT, and refuses the
  // probe savepoint below: run the text as given (anything else fails with the server's own 25P02).
  if (lease->transaction_aborted()) {
    for (auto& result : lease->exec_all(sql, what))
      if (result.status() == PGRES_COMMAND_OK && result.affected_rows() >= 0)
        outcome.rows_affected = (outcome.rows_affected < 0 ? 0 : outcome.rows_affected) + result.affected_rows();
    return outcome;
  }

  // Describing a string of several statements fails by design (42601, then the simple protocol runs
  // it). Inside a transaction the user opened (execute("BEGIN")) that failure would abort their
  // transaction, so there the describe runs under a savepoint: rolled back to on failure, released at
  // once on success (a savepoint per call would pile up subtransactions).
  const bool in_user_transaction = lease->in_transaction();
  if (in_user_transaction) lease->exec("SAVEPOINT " + std::string(kProbeSavepoint), what);

  Result described;
  try {
    described = lease->describe(statement, what);
  } catch (const sdk::Error& error) {
    // 42601 (syntax_error) is also what "cannot insert multiple commands into a prepared statement"
    // says: let the simple protocol run the string, which reports a real syntax error the same way.
    if (error.sqlstate() != "42601") throw;
    if (in_user_transaction) lease->exec("ROLLBACK TO SAVEPOINT " + std::string(kProbeSavepoint), what);
    auto results = lease->exec_all(sql, what);
    for (auto& result : results) {
      if (result.status() == PGRES_COMMAND_OK && result.affected_rows() >= 0)
        outcome.rows_affected = (outcome.rows_affected < 0 ? 0 : outcome.rows_affected) + result.affected_rows();
      if (result.status() == PGRES_TUPLES_OK)
        outcome.rows = text_result_source(std::move(result), sdk::kDefaultBatchRows);
    }
    return outcome;
  }
  if (in_user_transaction) lease->exec("RELEASE SAVEPOINT " + std::string(kProbeSavepoint), what);

  if (described.columns() == 0) {
    // The RELEASE (any simple-protocol statement) dropped the unnamed prepared statement: run the text.
    Result result = in_user_transaction ? lease->exec(statement, what) : lease->exec_prepared(what);
    outcome.rows_affected = result ? result.affected_rows() : -1;
    return outcome;
  }
  auto plan = plan_columns(described, false);
  described.reset();
  // COPY holds queries and DML with RETURNING; SHOW, EXPLAIN, FETCH ... it refuses with 42601. Outside a
  // user's transaction trying is cheapest; inside one a failed COPY would abort it, so there the first
  // word decides.
  if (!in_user_transaction || copy_can_hold(statement)) {
    try {
      CopyOutOptions options{sdk::kDefaultBatchRows, false, what};
      // The first batch is read now, so that errors at the start of the statement fail execute itself.
      const std::string copy = copy_out_statement(statement, plan, std::nullopt);
      outcome.rows = start_copy_out(std::move(lease), copy, plan, std::move(options), true);
      return outcome;
    } catch (const sdk::Error& error) {
      if (error.sqlstate() != "42601" || in_user_transaction) throw;
    }
  }
  // Not a statement COPY can hold: run it as it is and return its text output.
  auto retry = lease.get() != nullptr ? std::move(lease) : pool_->acquire();
  Result result = retry->exec(sql, what);
  if (result && result.status() == PGRES_TUPLES_OK)
    outcome.rows = text_result_source(std::move(result), sdk::kDefaultBatchRows);
  else if (result)
    outcome.rows_affected = result.affected_rows();
  return outcome;
}

int64_t PostgresConnector::execute_queries(const std::vector<std::string>& queries) {
  host_.check_cancelled();
  auto lease = pool_->acquire();
  const std::string total = std::to_string(queries.size());
  Transaction transaction(*lease, "execute_queries failed");
  int64_t affected = -1;
  for (size_t i = 0; i < queries.size(); ++i) {
    const std::string what = "statement " + std::to_string(i + 1) + " of " + total + " failed (" + excerpt(queries[i]) +
                             "); no statement took effect";
    auto results = lease->exec_all(queries[i], what);
    for (const auto& result : results)
      if (result.status() == PGRES_COMMAND_OK && result.affected_rows() >= 0)
        affected = (affected < 0 ? 0 : affected) + result.affected_rows();
    if (!lease->in_transaction())
      throw sdk::invalid_argument("statement " + std::to_string(i + 1) + " of " + total +
                                  " ended the transaction (COMMIT or ROLLBACK inside execute_queries); the statements "
                                  "before it may have been committed");
  }
  transaction.commit();
  return affected;
}

void PostgresConnector::alter_table(const sdk::AlterTableRequest& request) {
  const std::string schema = schema_of(request.target);
  const std::string described = schema + "." + request.target.table;
  const std::string alter = "ALTER TABLE " + qualified_name(schema, request.target.table) + " ";
  const std::string column = quote_identifier(request.column, "column");
  std::string sql, what;
  switch (request.action) {
    case sdk::AlterAction::AddColumn:
      sql = alter + "ADD COLUMN " + column + " " + pg_type_for(request.type);
      what = "cannot add column \"" + request.column + "\" to " + described;
      break;
    case sdk::AlterAction::DropColumn:
      sql = alter + "DROP COLUMN " + column;
      what = "cannot drop column \"" + request.column + "\" of " + described;
      break;
    case sdk::AlterAction::RenameColumn:
      sql = alter + "RENAME COLUMN " + column + " TO " + quote_identifier(request.new_name, "column");
      what = "cannot rename column \"" + request.column + "\" of " + described;
      break;
    case sdk::AlterAction::AlterColumnType: {
      const std::string type = pg_type_for(request.type);
      // USING makes conversions PostgreSQL has no implicit cast for (text -> integer ...) work, and
      // fail with the offending value when a row does not convert.
      sql = alter + "ALTER COLUMN " + column + " TYPE " + type + " USING " + column + "::" + type;
      what = "cannot change the type of column \"" + request.column + "\" of " + described;
      break;
    }
  }
  host_.check_cancelled();
  auto lease = pool_->acquire();
  lease->exec(sql, what);
}

bool PostgresConnector::table_exists(const sdk::Target& target) {
  const std::string schema = schema_of(target);
  auto lease = pool_->acquire();
  auto kind = relation_kind(*lease, schema, target.table);
  // Tables, partitioned tables, views, materialized views and foreign tables: what Mage's
  // information_schema.tables check sees (and also what this user may not read).
  return kind && (*kind == 'r' || *kind == 'p' || *kind == 'v' || *kind == 'm' || *kind == 'f');
}

}  // namespace mageio::postgres

MAGEIO_PLUGIN(mageio::postgres::PostgresConnector)
