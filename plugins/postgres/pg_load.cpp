#include "pg_load.hpp"

#include <mageio/sdk/appender.hpp>
#include "copy_binary_reader.hpp"
#include "pg_sql.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/error.hpp>

#include <chrono>

namespace mageio::postgres {
namespace {

sdk::Schema schema_of(const std::vector<ColumnPlan>& plan) {
  sdk::Schema schema;
  for (const auto& column : plan) schema.push_back(sdk::Field{column.name, column.type, true});
  return schema;
}

// Streams one COPY OUT as Arrow batches. Holds the connection (lease) until it is done or released.
class CopyOutSource : public sdk::BatchSource {
 public:
  CopyOutSource(ConnectionPool::Lease lease, std::vector<ColumnPlan> plan, CopyOutOptions options)
      : lease_(std::move(lease)), schema_(schema_of(plan)), decoder_(std::move(plan)), options_(std::move(options)) {
    // Buffers of batches the consumer released come back for the next ones (see sdk::BufferPool); two
    // batches' worth at most.
    auto pool = std::make_shared<sdk::BufferPool>(2 * sdk::kDefaultBatchBytes);
    columns_.reserve(schema_.size());
    for (const auto& field : schema_) columns_.emplace_back(field.type, pool);
    reserve_rows_ = std::min<int64_t>(options_.batch_rows, 8192);
    reserve_bytes_.assign(schema_.size(), 0);
  }

  ~CopyOutSource() override {
    if (prefetched_.release != nullptr) prefetched_.release(&prefetched_);
    if (!done_) abandon(options_.cancel_on_close);
    close_transaction();
    // A connection still inside the load's transaction (its ROLLBACK failed) must not go back to the pool.
    if (options_.end_transaction && lease_.get() != nullptr && (!lease_->usable() || lease_->in_transaction()))
      lease_.discard();
  }

  const sdk::Schema& schema() const override { return schema_; }

  bool next(ArrowArray* out) override {
    if (prefetched_.release != nullptr) {
      *out = prefetched_;
      prefetched_ = ArrowArray{};
      return true;
    }
    if (done_) return false;
    try {
      return read_batch(out);
    } catch (const sdk::Error& error) {
      if (!done_) abandon(true);
      // An Arrow stream carries only an errno and a message to the host (get_last_error), so the
      // status and the SQLSTATE go into the message. (Not when the error leaves through execute
      // itself, which reports them as they are.)
      std::string message = error.what();
      if (!prefetching_ && error.status() != MAGEIO_STATUS_CANCELLED) {
        message += std::string(" [") + sdk::status_name(error.status());
        if (!error.sqlstate().empty()) message += ", SQLSTATE " + error.sqlstate();
        message += "]";
      }
      throw sdk::Error(error.status(), message, error.sqlstate(), error.vendor_code());
    } catch (...) {
      if (!done_) abandon(true);
      throw;
    }
  }

  /// Decodes the first batch now, so that an error at the start of the statement is reported by the
  /// call that started it (execute) rather than by the first read of the stream.
  void prefetch() {
    ArrowArray first{};
    prefetching_ = true;
    bool got = false;
    try {
      got = next(&first);
    } catch (...) {
      prefetching_ = false;
      throw;
    }
    prefetching_ = false;
    if (got) prefetched_ = first;
  }

 private:
  bool read_batch(ArrowArray* out) {
    Connection& connection = *lease_;
    connection.check_cancelled();  // at least once per batch; also inside every wait below
    for (size_t i = 0; i < columns_.size(); ++i) columns_[i].reserve(reserve_rows_, reserve_bytes_[i]);
    CopyBinaryDecoder::Batch batch{columns_, 0, 0, options_.batch_rows, sdk::kDefaultBatchBytes};
    for (;;) {
      auto step = decoder_.decode(batch);
      if (step == CopyBinaryDecoder::Step::BatchFull) break;
      if (step == CopyBinaryDecoder::Step::End) {
        // The trailer was read; the server follows with the end of the COPY and its result.
        if (!read_message()) break;
        throw sdk::Error(MAGEIO_STATUS_INTERNAL, options_.what + ": data after the end of the COPY");
      }
      if (!read_message()) {
        if (!decoder_.finished())
          throw sdk::Error(MAGEIO_STATUS_INTERNAL, options_.what + ": the COPY ended without its end-of-data marker");
        break;
      }
    }
    if (batch.rows == 0 && done_) return false;
    // Size the next batch's buffers like this one's, so they rarely grow.
    reserve_rows_ = batch.rows;
    for (size_t i = 0; i < columns_.size(); ++i)
      reserve_bytes_[i] =
          columns_[i].type().is_string() || columns_[i].type().is_binary() ? columns_[i].byte_size() : 0;
    sdk::finish_struct(columns_, batch.rows, out);
    connection.host().progress(decoder_.rows_decoded(), decoder_.bytes_received(), -1);
    return true;
  }

  // Gives the decoder the next CopyData message. False when the COPY is over (its result checked:
  // a server error, e.g. the backend terminated, is thrown here).
  bool read_message() {
    Connection& connection = *lease_;
    for (;;) {
      char* buffer = nullptr;
      int length = PQgetCopyData(connection.raw(), &buffer, 1);
      if (length > 0) {
        decoder_.feed(buffer, length);
        return true;
      }
      if (length == 0) {  // nothing complete buffered: wait for the socket (polling for cancellation)
        if (PQstatus(connection.raw()) == CONNECTION_BAD) {
          // Everything the server sent before it went away has been read: report what it said.
          finish(connection);
          throw connection.connection_error(options_.what);
        }
        connection.wait_readable(options_.what);
        // A failed read means the server is gone. Its last words (e.g. FATAL 57P01 from
        // pg_terminate_backend) sit in libpq's buffer behind the rows it sent before: keep reading
        // messages until the loop above reaches them (PQgetCopyData then returns -1).
        PQconsumeInput(connection.raw());
        continue;
      }
      finish(connection);
      return false;
    }
  }

  void finish(Connection& connection) {
    done_ = true;
    // Throws the COPY's error if it failed (e.g. 57P01 when the backend was terminated), or
    // UNAVAILABLE when the connection broke without a word.
    connection.finish_command(options_.what);
    close_transaction();
  }

  // Ends the transaction the load opened (options_.end_transaction) as soon as the COPY is over, so that
  // its snapshot goes and the connection can go back to the pool outside it (the destructor closes a
  // connection where that failed; not here: the caller may still use the connection).
  void close_transaction() noexcept {
    if (!options_.end_transaction) return;
    Connection* connection = lease_.get();
    if (connection == nullptr) return;
    try {
      Connection::CleanupScope cleanup(*connection);
      if (connection->usable() && connection->reusable() && connection->in_transaction())
        connection->exec("ROLLBACK", options_.what + ": ROLLBACK failed");
    } catch (...) {
    }
  }

  // Stops the COPY early and leaves the connection usable (or closes it when it cannot be): with
  // cancel, the server is asked to stop (PQcancel) and what is still in flight is read and dropped;
  // without, the statement runs to its end and its rows are dropped.
  void abandon(bool cancel) noexcept {
    done_ = true;
    Connection* connection = lease_.get();
    if (connection == nullptr) return;
    // Discarded only here, after drain_abandoned_copy returned: its CleanupScope writes to the
    // connection when it ends, so the connection must still exist then.
    if (!drain_abandoned_copy(*connection, cancel)) lease_.discard();
  }

  // Reads and drops what is still in flight of an abandoned COPY. Returns whether the connection can
  // be used again (false: broken, closed after an unanswered cancel, or busy).
  bool drain_abandoned_copy(Connection& connection, bool cancel) noexcept {
    try {
      Connection::CleanupScope cleanup(connection);
      if (!connection.usable()) return false;
      // After a cancel request the waits below give up (closing the connection) when the server has
      // not stopped within ~1 s (Connection::wait_socket); the catch below then reports it unusable.
      if (cancel) connection.request_cancel();
      for (;;) {
        char* buffer = nullptr;
        int length = PQgetCopyData(connection.raw(), &buffer, 1);
        if (length > 0) {
          PQfreemem(buffer);
          continue;
        }
        if (length < 0) break;
        connection.wait_readable(options_.what);
        if (!PQconsumeInput(connection.raw())) break;
      }
      try {
        connection.finish_command(options_.what);
      } catch (const sdk::Error&) {
        // The statement's end: 57014 after our cancel is expected; a broken connection is discarded.
      }
      return connection.reusable();
    } catch (...) {
      return false;
    }
  }

  ConnectionPool::Lease lease_;
  sdk::Schema schema_;
  CopyBinaryDecoder decoder_;
  CopyOutOptions options_;
  std::vector<sdk::ColumnAppender> columns_;
  int64_t reserve_rows_;
  std::vector<size_t> reserve_bytes_;
  bool done_ = false;
  bool prefetching_ = false;
  ArrowArray prefetched_{};
};

// Rows of a text-format PGresult as utf8 columns, in batches.
class TextResultSource : public sdk::BatchSource {
 public:
  TextResultSource(Result result, int64_t batch_rows) : result_(std::move(result)), batch_rows_(batch_rows) {
    for (int c = 0; c < result_.columns(); ++c)
      schema_.push_back(sdk::Field{PQfname(result_.get(), c), sdk::utf8(), true});
  }
  const sdk::Schema& schema() const override { return schema_; }
  bool next(ArrowArray* out) override {
    const int total = result_.rows();
    if (row_ >= total) return false;
    std::vector<sdk::ColumnAppender> columns;
    for (const auto& field : schema_) columns.emplace_back(field.type);
    int64_t rows = 0;
    for (; row_ < total && rows < batch_rows_; ++row_, ++rows)
      for (int c = 0; c < static_cast<int>(columns.size()); ++c) {
        if (result_.is_null(row_, c))
          columns[c].append_null();
        else
          columns[c].append_bytes(PQgetvalue(result_.get(), row_, c),
                                  static_cast<size_t>(PQgetlength(result_.get(), row_, c)));
      }
    sdk::finish_struct(columns, rows, out);
    return true;
  }

 private:
  Result result_;
  int64_t batch_rows_;
  sdk::Schema schema_;
  int row_ = 0;
};

}  // namespace

std::vector<ColumnPlan> plan_columns(const Result& described, bool numeric_as_text) {
  std::vector<ColumnPlan> plan;
  for (int c = 0; c < described.columns(); ++c)
    plan.push_back(plan_column(PQfname(described.get(), c), PQftype(described.get(), c), PQfmod(described.get(), c),
                               numeric_as_text));
  return plan;
}

std::string copy_out_statement(const std::string& query, const std::vector<ColumnPlan>& plan,
                               std::optional<int64_t> limit) {
  bool casts = false;
  for (const auto& column : plan) casts = casts || column.cast_to_text;
  // Newlines around the query: a trailing "-- comment" in it must not swallow the closing parenthesis.
  if (!casts && !limit) return "COPY (\n" + query + "\n) TO STDOUT (FORMAT binary)";
  std::string select, aliases;
  for (size_t i = 0; i < plan.size(); ++i) {
    std::string alias = "c" + std::to_string(i + 1);
    if (i > 0) {
      select += ", ";
      aliases += ", ";
    }
    select += "q." + alias + (plan[i].cast_to_text ? "::text" : "");
    aliases += alias;
  }
  std::string sql = "COPY (WITH q AS (\n" + query + "\n) SELECT " + select + " FROM q AS q(" + aliases + ")";
  if (limit) sql += " LIMIT " + std::to_string(*limit);
  return sql + ") TO STDOUT (FORMAT binary)";
}

std::unique_ptr<sdk::BatchSource> start_copy_out(ConnectionPool::Lease lease, const std::string& copy_statement,
                                                 std::vector<ColumnPlan> plan, CopyOutOptions options,
                                                 bool prefetch_first_batch) {
  try {
    lease->start_copy(copy_statement, PGRES_COPY_OUT, options.what);
  } catch (...) {
    // A connection inside the load's own transaction must not go back to the pool.
    if (options.end_transaction) lease.discard();
    throw;
  }
  auto source = std::make_unique<CopyOutSource>(std::move(lease), std::move(plan), std::move(options));
  if (prefetch_first_batch) source->prefetch();
  return source;
}

std::unique_ptr<sdk::BatchSource> load_rows(ConnectionPool& pool, const sdk::LoadRequest& request) {
  const sdk::Options& options = request.options;
  const bool numeric_as_text = options.get_bool("numeric_as_text").value_or(false);
  options.finish();
  if (request.batch_rows <= 0) throw sdk::invalid_argument("batch_rows must be positive");
  if (request.limit && *request.limit < 0) throw sdk::invalid_argument("limit must not be negative");

  std::string query, what;
  if (request.query) {
    query = strip_query(*request.query);
    if (query.empty()) throw sdk::invalid_argument("the query is empty");
    what = "query failed";
  } else {
    if (request.target.is_path()) throw sdk::invalid_argument("postgres loads tables or queries, not paths");
    if (request.target.table.empty()) throw sdk::invalid_argument("give a query or a table to load");
    const std::string schema = request.target.schema.empty() ? pool.settings().default_schema : request.target.schema;
    query = "SELECT * FROM " + qualified_name(schema, request.target.table);
    what = "cannot load table " + schema + "." + request.target.table;
  }

  auto lease = pool.acquire();
  lease->host().check_cancelled();
  return load_query(std::move(lease), query, numeric_as_text, request.limit,
                    CopyOutOptions{request.batch_rows, true, what});
}

std::unique_ptr<sdk::BatchSource> load_query(ConnectionPool::Lease lease, const std::string& query,
                                             bool numeric_as_text, std::optional<int64_t> limit,
                                             CopyOutOptions options) {
  std::vector<ColumnPlan> plan;
  try {
    Result described = lease->describe(query, options.what);
    if (described.columns() == 0)
      throw sdk::invalid_argument("the statement returns no rows to load (" + excerpt(query) + "); use execute");
    plan = plan_columns(described, numeric_as_text);
  } catch (...) {
    if (options.end_transaction) lease.discard();
    throw;
  }
  const std::string statement = copy_out_statement(query, plan, limit);
  return start_copy_out(std::move(lease), statement, std::move(plan), std::move(options), false);
}

std::unique_ptr<sdk::BatchSource> text_result_source(Result result, int64_t batch_rows) {
  return std::make_unique<TextResultSource>(std::move(result), batch_rows);
}

}  // namespace mageio::postgres
