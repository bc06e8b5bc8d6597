#include "sqlite_load.hpp"

#include "sqlite_catalog.hpp"
#include "sqlite_reads.hpp"
#include "sqlite_types.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <vector>

namespace mageio::sqlite {
namespace {

struct ValueDeleter {
  void operator()(sqlite3_value* value) const { sqlite3_value_free(value); }
};
using OwnedValue = std::unique_ptr<sqlite3_value, ValueDeleter>;

class RowSource : public sdk::BatchSource {
  static constexpr size_t kValueOverhead = 64;

 public:
  RowSource(Statement statement, int64_t batch_rows, std::optional<int64_t> limit, std::string what)
      : stmt_(std::move(statement)),
        batch_rows_(batch_rows > 0 ? batch_rows : sdk::kDefaultBatchRows),
        limit_(limit),
        what_(std::move(what)) {
    reading_.emplace(stmt_.db().get());  // until finish(): an export into the same file must know
    // Step first, describe second. A connection keeps the schema it last read and notices another
    // connection's change (a table dropped and created again) only when a statement first steps; SQLite
    // then prepares it again, and only from then on do its columns describe the table as it is. The
    // first step also runs the statement now (an INSERT ... RETURNING takes effect even if its rows are
    // never read, or with a limit of 0) and surfaces its errors.
    bool has_row = stmt_.step(what_);
    describe_columns();
    if (has_row && limit_ && *limit_ <= 0) has_row = false;
    if (has_row)
      ++fetched_;
    else
      finish();
    // Columns without a declared type (expressions, some views) get their type from the values of the first
    // batch, so those rows are held as copies until next() turns them into Arrow. Declared types need no
    // look-ahead beyond the first row.
    const int count = static_cast<int>(schema_.size());
    std::vector<StorageClasses> seen(static_cast<size_t>(count), 0);
    const bool infer = std::any_of(inferred_.begin(), inferred_.end(), [](bool inferred) { return inferred; });
    const int64_t look_ahead = infer ? batch_rows_ : 1;
    size_t bytes = 0;
    while (has_row) {
      std::vector<OwnedValue> row;
      row.reserve(static_cast<size_t>(count));
      for (int i = 0; i < count; ++i) {
        sqlite3_value* value = sqlite3_column_value(stmt_.get(), i);
        int kind = sqlite3_value_type(value);
        seen[static_cast<size_t>(i)] |= storage_class_bit(kind);
        // A copied value costs its bytes plus SQLite's value object and the allocator's overhead (~64 bytes).
        bytes += kValueOverhead +
                 ((kind == SQLITE_TEXT || kind == SQLITE_BLOB) ? static_cast<size_t>(sqlite3_value_bytes(value)) : 0);
        OwnedValue copy(sqlite3_value_dup(value));
        if (!copy) throw sdk::Error(MAGEIO_STATUS_INTERNAL, "out of memory copying a value");
        row.push_back(std::move(copy));
      }
      pending_.push_back(std::move(row));
      if (static_cast<int64_t>(pending_.size()) >= look_ahead || bytes >= sdk::kDefaultBatchBytes) break;
      has_row = fetch();
    }
    for (int i = 0; i < count; ++i)
      if (inferred_[static_cast<size_t>(i)])
        schema_[static_cast<size_t>(i)].type = infer_type(seen[static_cast<size_t>(i)]);
  }

  const sdk::Schema& schema() const override { return schema_; }

  bool next(ArrowArray* out) override {
    try {
      stmt_.db().host().check_cancelled();
      sdk::BatchBuilder batch(schema_);
      while (batch.rows() < batch_rows_ && batch.byte_size() < sdk::kDefaultBatchBytes) {
        if (pending_next_ < pending_.size()) {
          auto& row = pending_[pending_next_++];
          for (size_t i = 0; i < row.size(); ++i) append(batch, i, row[i].get());
          if (pending_next_ == pending_.size()) pending_.clear(), pending_next_ = 0;
        } else if (fetch()) {
          for (size_t i = 0; i < schema_.size(); ++i)
            append(batch, i, sqlite3_column_value(stmt_.get(), static_cast<int>(i)));
        } else {
          break;
        }
        batch.end_row();
      }
      if (batch.rows() == 0) return false;
      emitted_ += batch.rows();
      batch.finish(out);
      stmt_.db().host().progress(emitted_, -1);
      return true;
    } catch (...) {
      // A failed stream stays failed: release the statement (and its read lock) now.
      finish();
      pending_.clear();
      throw;
    }
  }

 private:
  // Names and declared types of the statement's columns; a column whose declared type says nothing
  // (or that has none) is inferred from its values later.
  void describe_columns() {
    const int count = stmt_.column_count();
    for (int i = 0; i < count; ++i) {
      const char* name = sqlite3_column_name(stmt_.get(), i);
      const char* declared = sqlite3_column_decltype(stmt_.get(), i);
      declared_.emplace_back(declared != nullptr ? declared : "");
      auto type = type_for_declared(declared_.back());
      inferred_.push_back(!type.has_value());
      schema_.push_back(sdk::Field{name != nullptr ? name : "", type.value_or(sdk::utf8()), true});
    }
  }

  // Steps to the next row; false at the end (or past the limit), where the statement is released.
  bool fetch() {
    if (done_) return false;
    if (limit_ && fetched_ >= *limit_) {
      finish();
      return false;
    }
    if (!stmt_.step(what_)) {
      finish();
      return false;
    }
    ++fetched_;
    return true;
  }

  void finish() {
    done_ = true;
    stmt_.close();
    reading_.reset();
  }

  void append(sdk::BatchBuilder& batch, size_t column, sqlite3_value* value) {
    try {
      append_value(batch.column(column), value);
    } catch (const sdk::Error& error) {
      if (error.status() != MAGEIO_STATUS_INVALID_ARGUMENT) throw;
      const sdk::Field& field = schema_[column];
      std::string origin = inferred_[column]
                               ? (declared_[column].empty() ? "no declared type" : "declared " + declared_[column]) +
                                     ", " + field.type.name() + " inferred from its first rows"
                               : "declared " + declared_[column] + ", loaded as " + field.type.name();
      std::string hint = inferred_[column] ? "; CAST it in the query to give the column one type" : "";
      throw sdk::invalid_argument(what_ + ": column \"" + field.name + "\" (" + origin + ") row " +
                                  std::to_string(emitted_ + batch.rows() + 1) + ": " + error.what() + hint);
    }
  }

  Statement stmt_;
  std::optional<ReadRegistration> reading_;
  int64_t batch_rows_;
  std::optional<int64_t> limit_;
  std::string what_;
  sdk::Schema schema_;
  std::vector<std::string> declared_;
  std::vector<bool> inferred_;
  std::vector<std::vector<OwnedValue>> pending_;
  size_t pending_next_ = 0;
  int64_t fetched_ = 0;
  int64_t emitted_ = 0;
  bool done_ = false;
};

// A query may end with ';' (and whitespace), which would break the LIMIT wrapper.
std::string strip_terminator(std::string sql) {
  while (!sql.empty() && (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) sql.pop_back();
  return sql;
}

}  // namespace

std::unique_ptr<sdk::BatchSource> make_row_source(Statement statement, int64_t batch_rows, std::optional<int64_t> limit,
                                                  std::string what) {
  return std::make_unique<RowSource>(std::move(statement), batch_rows, limit, std::move(what));
}

std::unique_ptr<sdk::BatchSource> load_rows(const std::shared_ptr<Database>& db, const sdk::LoadRequest& request) {
  request.options.finish();
  db->host().check_cancelled();
  Statement statement;
  std::string what;
  if (request.query) {
    what = "query failed";
    std::string sql = strip_terminator(*request.query);
    statement = Statement(db, sql, what);  // compiles the query as given: errors point into the user's SQL
    if (statement.column_count() == 0)
      throw sdk::invalid_argument("the load query returns no columns; run statements with execute");
    if (request.limit) {
      // Let SQLite stop early (a top-N sort instead of a full one). A statement that cannot be a
      // subquery (PRAGMA ...) keeps its plain form: the source stops reading after `limit` rows anyway.
      try {
        Statement limited(db, "SELECT * FROM (\n" + sql + "\n) LIMIT ?1", what);
        limited.bind_int(1, *request.limit);
        statement = std::move(limited);
      } catch (const sdk::Error&) {
      }
    }
  } else {
    const std::string schema = schema_of(request.target, "load");
    const std::string& table = request.target.table;
    if (!object_type(db, schema, table)) throw sdk::not_found("table " + schema + "." + table + " does not exist");
    what = "cannot read table " + schema + "." + table;
    statement =
        Statement(db, "SELECT * FROM " + qualified_name(schema, table) + (request.limit ? " LIMIT ?1" : ""), what);
    if (request.limit) statement.bind_int(1, *request.limit);
  }
  return make_row_source(std::move(statement), request.batch_rows, request.limit, std::move(what));
}

}  // namespace mageio::sqlite
