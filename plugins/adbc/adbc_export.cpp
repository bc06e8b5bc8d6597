#include "adbc_export.hpp"

#include "adbc_catalog.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/random_suffix.hpp>

#include <optional>

namespace mageio::adbc {
namespace {

// The host's input as an ArrowArrayStream the driver consumes: each batch is handed over as it came.
// An input failure (or the host cancelling) is kept, so the export fails with that error rather than
// the driver's account of it.
struct InputState {
  sdk::StreamReader* reader;
  const sdk::Host* host;
  std::optional<sdk::Error> error;
  std::string message;
};

InputState& state_of(ArrowArrayStream* stream) { return *static_cast<InputState*>(stream->private_data); }

int fail_input(InputState& state, const sdk::Error& error) {
  if (!state.error) state.error = error;
  state.message = error.what();
  return sdk::status_to_errno(error.status());
}

int input_schema(ArrowArrayStream* stream, ArrowSchema* out) {
  InputState& state = state_of(stream);
  try {
    sdk::export_schema(state.reader->schema(), out);
    return 0;
  } catch (const sdk::Error& error) {
    return fail_input(state, error);
  } catch (const std::exception& error) {
    return fail_input(state, sdk::Error(MAGEIO_STATUS_INTERNAL, error.what()));
  }
}

int input_next(ArrowArrayStream* stream, ArrowArray* out) {
  InputState& state = state_of(stream);
  *out = ArrowArray{};
  try {
    if (state.error) throw *state.error;
    state.host->check_cancelled();
    sdk::OwnedArray batch;
    if (!state.reader->next(batch)) return 0;
    *out = batch.array;
    batch.array = ArrowArray{};
    return 0;
  } catch (const sdk::Error& error) {
    return fail_input(state, error);
  } catch (const std::exception& error) {
    return fail_input(state, sdk::Error(MAGEIO_STATUS_INTERNAL, error.what()));
  }
}

const char* input_last_error(ArrowArrayStream* stream) {
  InputState& state = state_of(stream);
  return state.message.empty() ? nullptr : state.message.c_str();
}

void input_release(ArrowArrayStream* stream) {
  // The state belongs to export_rows (it outlives the statement); the driver only lets go of it.
  stream->release = nullptr;
}

class Exporter {
 public:
  Exporter(const std::shared_ptr<Session>& session, const sdk::ExportRequest& request, sdk::StreamReader& input)
      : session_(session), request_(request), input_(input), what_("export to " + request.target.describe()) {
    state_.reader = &input;
    state_.host = &session->host();
  }

  int64_t run() {
    const sdk::Target& target = request_.target;
    if (target.is_path() || target.table.empty())
      throw sdk::invalid_argument(what_ + ": the adbc plugin writes tables; give a table name");
    const bool keys = !request_.unique_constraints.empty();
    if (keys && !knows_sql())
      throw sdk::not_implemented(what_ +
                                 ": upsert (unique_constraints) needs the database's own upsert SQL, which "
                                 "the adbc plugin knows for PostgreSQL and SQLite only; this driver reports " +
                                 vendor());
    if (session_->dialect() == Dialect::PostgreSQL) {
      // PostgreSQL cuts names at 63 bytes without an error; refuse rather than write another name.
      auto check_name = [&](const std::string& name, const char* kind) {
        if (name.size() > 63)
          throw sdk::invalid_argument(what_ + ": the " + kind + " name \"" + name.substr(0, 20) + "...\" is " +
                                      std::to_string(name.size()) +
                                      " bytes; PostgreSQL keeps at most 63 and would silently cut it");
      };
      check_name(target.table, "table");
      for (const auto& field : input_.schema()) check_name(field.name, "column");
    }
    // Before the transaction: PostgreSQL's catalog lookup of a missing table fails the transaction.
    exists_ = table_exists(*session_, request_.target);
    transaction_ = session_->begin();
    try {
      const int64_t rows = write();
      if (transaction_) {
        session_->commit(what_);
        session_->end_transaction();
      }
      return rows;
    } catch (...) {
      if (transaction_) session_->rollback();
      if (state_.error) throw sdk::Error(*state_.error);
      throw;
    }
  }

 private:
  bool knows_sql() const { return session_->dialect() != Dialect::Unknown; }
  std::string vendor() const {
    return session_->vendor().empty() ? std::string("no vendor name") : "vendor " + session_->vendor();
  }

  int64_t write() {
    const sdk::Target& target = request_.target;
    const bool exists = exists_;
    const bool keys = !request_.unique_constraints.empty();
    switch (request_.if_exists) {
      case sdk::IfExists::Fail:
        if (exists) throw sdk::already_exists(what_ + ": the table exists and if_exists is fail");
        return create(target);
      case sdk::IfExists::Append:
        if (!exists) return create(target);
        if (keys) return upsert();
        return ingest(target, ADBC_INGEST_OPTION_MODE_APPEND);
      case sdk::IfExists::Replace:
        if (!exists) return create(target);
        if (knows_sql() && transaction_) return stage_and_rename();
        {
          const int64_t rows = ingest(target, ADBC_INGEST_OPTION_MODE_REPLACE);
          if (keys) unique_index(target);
          return rows;
        }
    }
    return 0;
  }

  int64_t create(const sdk::Target& target) {
    const int64_t rows = ingest(target, ADBC_INGEST_OPTION_MODE_CREATE);
    if (!request_.unique_constraints.empty()) unique_index(target);
    return rows;
  }

  sdk::Target stage() const {
    sdk::Target staging = request_.target;
    staging.table = "mageio_stage_" + sdk::random_suffix(12);
    return staging;
  }

  int64_t stage_and_rename() {
    const sdk::Target staging = stage();
    const int64_t rows = ingest(staging, ADBC_INGEST_OPTION_MODE_CREATE);
    if (!request_.unique_constraints.empty()) unique_index(staging);
    run_sql("DROP TABLE " + qualified(request_.target), "dropping the old table");
    run_sql("ALTER TABLE " + qualified(staging) + " RENAME TO " + quote_identifier(request_.target.table),
            "renaming the staging table");
    return rows;
  }

  int64_t upsert() {
    const sdk::Target staging = stage();
    ingest(staging, ADBC_INGEST_OPTION_MODE_CREATE);
    std::string columns;
    std::string updates;
    for (const auto& field : input_.schema()) {
      const std::string column = quote_identifier(field.name);
      columns += (columns.empty() ? "" : ", ") + column;
      bool is_key = false;
      for (const auto& key : request_.unique_constraints) is_key = is_key || key == field.name;
      if (!is_key) updates += (updates.empty() ? "" : ", ") + column + " = excluded." + column;
    }
    std::string keys;
    for (const auto& key : request_.unique_constraints) keys += (keys.empty() ? "" : ", ") + quote_identifier(key);
    const bool update = request_.conflict_method == sdk::ConflictMethod::Update && !updates.empty();
    // "WHERE true": SQLite needs it to parse ON CONFLICT after INSERT ... SELECT ... FROM.
    const int64_t rows = run_sql("INSERT INTO " + qualified(request_.target) + " (" + columns + ") SELECT " + columns +
                                     " FROM " + qualified(staging) + " WHERE true ON CONFLICT (" + keys + ") DO " +
                                     (update ? "UPDATE SET " + updates : std::string("NOTHING")),
                                 "the upsert");
    run_sql("DROP TABLE " + qualified(staging), "dropping the staging table");
    return rows;
  }

  void unique_index(const sdk::Target& target) {
    std::string keys;
    for (const auto& key : request_.unique_constraints) keys += (keys.empty() ? "" : ", ") + quote_identifier(key);
    const std::string index = "mageio_uq_" + sdk::random_suffix(12);
    if (session_->dialect() == Dialect::SQLite) {
      const std::string schema = target.schema.empty() ? "" : quote_identifier(target.schema) + ".";
      run_sql("CREATE UNIQUE INDEX " + schema + quote_identifier(index) + " ON " + quote_identifier(target.table) +
                  " (" + keys + ")",
              "creating the unique index on the upsert keys");
    } else {
      run_sql("CREATE UNIQUE INDEX " + quote_identifier(index) + " ON " + qualified(target) + " (" + keys + ")",
              "creating the unique index on the upsert keys");
    }
  }

  int64_t run_sql(const std::string& sql, const std::string& doing) {
    Statement statement(session_);
    statement.set_sql(sql, what_ + ": " + doing);
    return statement.execute(nullptr, what_ + ": " + doing + " failed");
  }

  int64_t ingest(const sdk::Target& target, const char* mode) {
    if (used_input_) throw sdk::Error(MAGEIO_STATUS_INTERNAL, what_ + ": the input was already consumed");
    used_input_ = true;
    Statement statement(session_);
    statement.set_option(ADBC_INGEST_OPTION_TARGET_TABLE, target.table, what_);
    if (!target.schema.empty()) statement.set_option(ADBC_INGEST_OPTION_TARGET_DB_SCHEMA, target.schema, what_);
    statement.set_option(ADBC_INGEST_OPTION_MODE, mode, what_);
    ArrowArrayStream stream{};
    stream.get_schema = &input_schema;
    stream.get_next = &input_next;
    stream.get_last_error = &input_last_error;
    stream.release = &input_release;
    stream.private_data = &state_;
    statement.bind_stream(&stream, what_);
    if (stream.release != nullptr && stream.private_data == &state_) {
      // The driver took the stream (moved it); nothing to do. Some drivers copy the struct and leave
      // ours as it was: it holds no resources, so dropping it is enough.
      stream.release = nullptr;
    }
    const int64_t rows = statement.execute(nullptr, what_ + " failed");
    if (state_.error) throw sdk::Error(*state_.error);
    return rows >= 0 ? rows : input_.rows_read();
  }

  std::shared_ptr<Session> session_;
  const sdk::ExportRequest& request_;
  sdk::StreamReader& input_;
  std::string what_;
  InputState state_{};
  bool transaction_ = false;
  bool exists_ = false;
  bool used_input_ = false;
};

}  // namespace

int64_t export_rows(const std::shared_ptr<Session>& session, const sdk::ExportRequest& request,
                    sdk::StreamReader& input) {
  Exporter exporter(session, request, input);
  return exporter.run();
}

}  // namespace mageio::adbc
