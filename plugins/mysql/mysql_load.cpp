#include "mysql_load.hpp"

#include "mysql_catalog.hpp"
#include "mysql_sql.hpp"

#include <mageio/sdk/arrow_builder.hpp>

#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>

#include <algorithm>
#include <charconv>

namespace mageio::mysql {
namespace {

class ResultSource : public sdk::BatchSource {
 public:
  ResultSource(std::shared_ptr<Session> session, std::unique_ptr<sql::Statement> statement,
               std::unique_ptr<sql::ResultSet> result, StreamSettings settings)
      : session_(std::move(session)),
        statement_(std::move(statement)),
        result_(std::move(result)),
        settings_(std::move(settings)),
        builder_(read_schema()) {
    session_->stream_opened();
  }

  ~ResultSource() override {
    if (!finished_) abandon();
  }

  const sdk::Schema& schema() const override { return builder_.schema(); }

  bool next(ArrowArray* out) override {
    if (finished_) return false;
    session_->host().check_cancelled();
    int64_t capacity = std::max<int64_t>(settings_.batch_rows, 1);
    if (settings_.limit) capacity = std::min(capacity, *settings_.limit - produced_);
    bool at_end = false;
    try {
      Session::Watch watch(*session_);
      while (builder_.rows() < capacity) {
        if (!result_->next()) {
          at_end = true;
          break;
        }
        append_row();
        if ((builder_.rows() & 255) == 0 && builder_.byte_size() >= sdk::kDefaultBatchBytes) break;
      }
      // At the limit: one more fetch tells whether the server has more (then the rest is abandoned).
      if (!at_end && settings_.limit && produced_ + builder_.rows() >= *settings_.limit) {
        if (!result_->next())
          at_end = true;
        else
          limit_reached_ = true;
      }
    } catch (const sql::SQLException& e) {
      throw session_->error(e, settings_.context);
    }
    const int64_t rows = builder_.rows();
    produced_ += rows;
    if (at_end)
      finish();
    else if (limit_reached_)
      abandon();
    if (rows == 0) return false;
    builder_.finish(out);
    session_->host().progress(produced_, -1, -1);
    return true;
  }

 private:
  sdk::Schema read_schema() {
    sql::ResultSetMetaData* metadata = result_->getMetaData();
    const unsigned count = metadata->getColumnCount();
    sdk::Schema schema;
    for (unsigned i = 1; i <= count; ++i) {
      columns_.push_back(load_column(*metadata, i, settings_.types));
      if (i - 1 < settings_.float32_columns.size() && settings_.float32_columns[i - 1] &&
          columns_.back().kind == ColumnKind::Float64) {
        columns_.back().kind = ColumnKind::Float32;
        columns_.back().type = sdk::float32();
        columns_.back().mysql_type = "FLOAT";
      }
      schema.push_back({columns_.back().name, columns_.back().type, true});
    }
    invalid_dates_.assign(count, 0);
    return schema;
  }

  [[noreturn]] void bad_value(size_t c, const std::string& text, const std::string& why) const {
    const LoadColumn& column = columns_[c];
    throw sdk::invalid_argument(settings_.context + ": row " + std::to_string(produced_ + builder_.rows() + 1) +
                                ", column \"" + column.name + "\" (" + column.mysql_type + "): value '" + text + "' " +
                                why);
  }

  template <typename T>
  T parse_number(size_t c, const std::string& text) const {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
      bad_value(c, text, "is not a " + columns_[c].type.name() + " number");
    return value;
  }

  void invalid_date(size_t c, const std::string& text) {
    if (invalid_dates_[c]++ == 0)
      session_->host().warning("column \"" + columns_[c].name + "\" (" + columns_[c].mysql_type +
                               ") holds the zero or invalid date '" + text +
                               "', which has no Arrow value: it loads as NULL (further ones are counted)");
    builder_.column(c).append_null();
  }

  void append_row() {
    for (size_t c = 0; c < columns_.size(); ++c) {
      const sql::SQLString value = result_->getString(static_cast<uint32_t>(c + 1));
      sdk::ColumnBuilder& column = builder_.column(c);
      if (result_->wasNull()) {
        column.append_null();
        continue;
      }
      const std::string& text = value;
      switch (columns_[c].kind) {
        case ColumnKind::Null: column.append_null(); break;
        case ColumnKind::Bool:
          if (text == "0")
            column.append_bool(false);
          else if (text == "1")
            column.append_bool(true);
          else
            bad_value(c, text,
                      "is not a boolean (0 or 1); load TINYINT(1) columns as integers with the option "
                      "{\"tinyint1_as\": \"int8\"}");
          break;
        case ColumnKind::Int:
        case ColumnKind::Year: column.append_int(parse_number<int64_t>(c, text)); break;
        case ColumnKind::UInt:
        case ColumnKind::Bit: column.append_uint(parse_number<uint64_t>(c, text)); break;
        case ColumnKind::Float32: column.append_double(parse_number<float>(c, text)); break;
        case ColumnKind::Float64: column.append_double(parse_number<double>(c, text)); break;
        case ColumnKind::Decimal: {
          const auto& type = columns_[c].type;
          auto unscaled = parse_decimal_text(text, type.precision, type.scale);
          if (!unscaled)
            bad_value(c, text, "does not fit " + type.name() + "; CAST the column to CHAR to load it as text");
          column.append_decimal(*unscaled);
          break;
        }
        case ColumnKind::Text:
        case ColumnKind::TimeText:
        case ColumnKind::Binary: column.append_string(text); break;
        case ColumnKind::Date: {
          bool invalid = false;
          auto days = parse_date_text(text, &invalid);
          if (days)
            column.append_date32(*days);
          else if (invalid)
            invalid_date(c, text);
          else
            bad_value(c, text, "is not a date");
          break;
        }
        case ColumnKind::DateTime: {
          bool invalid = false;
          auto micros = parse_datetime_text(text, &invalid);
          if (micros)
            column.append_timestamp_us(*micros);
          else if (invalid)
            invalid_date(c, text);
          else
            bad_value(c, text, "is not a date and time");
          break;
        }
        case ColumnKind::Time: {
          auto micros = parse_time_text(text);
          if (!micros) bad_value(c, text, "is not a time");
          if (*micros < 0 || *micros >= sdk::kMicrosPerDay)
            bad_value(c, text,
                      "is outside time64[us]'s range 00:00:00..23:59:59.999999 (MySQL's TIME is a duration up to "
                      "+-838:59:59); load TIME columns as text with the option {\"time_as\": \"utf8\"}, or "
                      "CAST(" +
                          quote_identifier(columns_[c].name) + " AS CHAR)");
          column.append_time_us(*micros);
          break;
        }
        case ColumnKind::Duration: {
          auto micros = parse_time_text(text);
          if (!micros) bad_value(c, text, "is not a TIME value");
          column.append_duration_us(*micros);
          break;
        }
      }
    }
    builder_.end_row();
  }

  // The result ended: free it, drain further results (CALL), hand the connection back.
  // A result that ended with a server error (see Session::streamed_result_error) fails the stream: the
  // rows already handed out are not the whole result.
  void finish() {
    finished_ = true;
    try {
      result_.reset();
      if (auto failed = session_->streamed_result_error()) {
        release();
        throw session_->error(*failed, settings_.context);
      }
      while (statement_->getMoreResults()) {
        std::unique_ptr<sql::ResultSet> more(statement_->getResultSet());
      }
    } catch (const sql::SQLException& e) {
      release();
      throw session_->error(e, settings_.context);
    }
    release();
  }

  // Stops before the end: KILL QUERY so the rest of a big result is not read, then free.
  void abandon() {
    finished_ = true;
    try {
      if (!session_->broken()) session_->kill_running_query();
      result_.reset();
      while (statement_->getMoreResults()) {
        std::unique_ptr<sql::ResultSet> more(statement_->getResultSet());
      }
    } catch (const sql::SQLException& e) {
      // Expected: the killed statement reports "Query execution was interrupted" (1317).
      if (connection_lost(e.getErrorCode())) (void)session_->error(e, settings_.context);
    } catch (...) {
    }
    release();
  }

  void release() {
    result_.reset();
    statement_.reset();
    session_->stream_closed();
    for (size_t c = 0; c < columns_.size(); ++c)
      if (invalid_dates_[c] > 0)
        session_->host().warning("column \"" + columns_[c].name + "\": " + std::to_string(invalid_dates_[c]) +
                                 " zero or invalid date(s) loaded as NULL");
  }

  std::shared_ptr<Session> session_;
  std::unique_ptr<sql::Statement> statement_;
  std::unique_ptr<sql::ResultSet> result_;
  StreamSettings settings_;
  std::vector<LoadColumn> columns_;
  std::vector<int64_t> invalid_dates_;
  sdk::BatchBuilder builder_;
  int64_t produced_ = 0;
  bool finished_ = false;
  bool limit_reached_ = false;
};

}  // namespace

std::unique_ptr<sdk::BatchSource> run_streaming(const std::shared_ptr<Session>& session, const std::string& sql,
                                                const StreamSettings& settings, int64_t* affected) {
  std::unique_ptr<sql::Statement> statement;
  std::unique_ptr<sql::ResultSet> result;
  // So that finish() sees only this statement's error (Session::streamed_result_error).
  session->clear_diagnostics(settings.context);
  try {
    Session::Watch watch(*session);
    statement = session->statement(true);
    if (!statement->execute(sql)) {
      if (affected != nullptr) *affected = static_cast<int64_t>(statement->getUpdateCount());
      while (statement->getMoreResults()) {
        std::unique_ptr<sql::ResultSet> more(statement->getResultSet());
      }
      return nullptr;
    }
    result.reset(statement->getResultSet());
    return std::make_unique<ResultSource>(session, std::move(statement), std::move(result), settings);
  } catch (const sql::SQLException& e) {
    throw session->error(e, settings.context);
  }
}

LoadTypeOptions read_load_options(const sdk::Options& options) {
  LoadTypeOptions types;
  if (auto time_as = options.get_string("time_as")) {
    if (*time_as == "utf8")
      types.time_as_text = true;
    else if (*time_as == "time64")
      types.time_as_time64 = true;
    else if (*time_as != "duration")
      throw sdk::invalid_argument("option time_as must be \"duration\", \"time64\" or \"utf8\", not \"" + *time_as +
                                  "\"");
  }
  if (auto tinyint = options.get_string("tinyint1_as")) {
    if (*tinyint == "int8")
      types.tinyint1_as_bool = false;
    else if (*tinyint != "bool")
      throw sdk::invalid_argument("option tinyint1_as must be \"bool\" or \"int8\", not \"" + *tinyint + "\"");
  }
  options.finish();
  return types;
}

std::unique_ptr<sdk::BatchSource> load_rows(const std::shared_ptr<Session>& session, sdk::LoadRequest request,
                                            const std::string& where) {
  StreamSettings settings;
  settings.types = read_load_options(request.options);
  settings.batch_rows = request.batch_rows > 0 ? request.batch_rows : sdk::kDefaultBatchRows;
  settings.limit = request.limit;
  if (settings.limit && *settings.limit < 0)
    throw sdk::invalid_argument("limit must not be negative (got " + std::to_string(*settings.limit) + ")");
  std::string sql;
  if (request.query) {
    sql = std::string(strip_statement(*request.query));
    if (sql.empty()) throw sdk::invalid_argument("load needs a query (it is empty)");
    settings.context = "load failed (query: " + statement_excerpt(sql) + ")";
    // The header explains why a plain load never wraps the query; a partition must, to filter it.
    if (!where.empty()) sql = "SELECT * FROM (" + sql + ") AS mageio_partition WHERE " + where;
  } else {
    if (request.target.is_path())
      throw sdk::invalid_argument("load takes a query or a table, not a path ('" + request.target.path + "')");
    if (request.target.table.empty()) throw sdk::invalid_argument("load needs a query or a table");
    settings.context = "cannot load table " + request.target.describe();
  }
  session->begin("load");
  if (!request.query) {
    const std::string qualified = qualified_name(request.target.schema, request.target.table);
    sql = "SELECT * FROM " + qualified;
    // FLOAT columns are selected as DOUBLE, whose text is exact (see the header).
    std::optional<TableInfo> table;
    auto schema = request.target.schema.empty() ? current_database(*session) : request.target.schema;
    if (schema) table = describe_table(*session, *schema, request.target.table);
    if (table && std::any_of(table->columns.begin(), table->columns.end(),
                             [](const ColumnInfo& c) { return c.data_type == "float"; })) {
      std::string list;
      for (const auto& column : table->columns) {
        const bool is_float = column.data_type == "float";
        settings.float32_columns.push_back(is_float);
        if (!list.empty()) list += ", ";
        list += is_float ? quote_identifier(column.name) + " + 0e0 AS " + quote_identifier(column.name)
                         : quote_identifier(column.name);
      }
      sql = "SELECT " + list + " FROM " + qualified;
    }
    if (!where.empty()) sql += " WHERE " + where;
    if (settings.limit) sql += " LIMIT " + std::to_string(*settings.limit);
  }
  settings.types.timestamp_utc = session->time_zone_is_utc();
  auto source = run_streaming(session, sql, settings, nullptr);
  if (!source)
    throw sdk::invalid_argument(settings.context +
                                ": the statement returned no result set; run statements "
                                "that return no rows with execute");
  return source;
}

}  // namespace mageio::mysql
