// export through the real host: each if_exists mode, both upsert methods, atomicity of a large export
// that fails near its end (rows, schema and grants survive), identifiers kept exactly as given,
// cancellation, and alter_table / table_exists.
#include "pg_test_support.hpp"

using namespace mageio;
using pgtest::q;
using Rows = std::vector<std::vector<std::string>>;

namespace {

sdk::Schema id_name_schema() { return {{"id", sdk::int64()}, {"name", sdk::utf8()}}; }

test::OwnedStream id_name_rows(std::vector<std::pair<int64_t, std::string>> rows) {
  return pgtest::rows_stream(id_name_schema(), static_cast<int64_t>(rows.size()),
                             [rows](sdk::BatchBuilder& b, int64_t i) {
                               b.column(0).append_int(rows[static_cast<size_t>(i)].first);
                               if (rows[static_cast<size_t>(i)].second == "NULL")
                                 b.column(1).append_null();
                               else
                                 b.column(1).append_string(rows[static_cast<size_t>(i)].second);
                             });
}

Rows table_rows(Connector& db, const std::string& table, const std::string& order = "1") {
  return pgtest::query(db, "SELECT * FROM " + table + " ORDER BY " + order);
}

// A role that holds a grant on the table, to see whether a failed or successful export keeps it.
struct Role {
  Connector& db;
  std::string name;
  Role(Connector& db, std::string n) : db(db), name(std::move(n)) { pgtest::exec(db, "CREATE ROLE " + q(name)); }
  ~Role() {
    try {
      pgtest::exec(db, "DROP OWNED BY " + q(name));
      pgtest::exec(db, "DROP ROLE " + q(name));
    } catch (...) {
    }
  }
  bool can_select(const std::string& table_sql) {
    return pgtest::scalar(db, "SELECT has_table_privilege('" + name + "', '" + table_sql + "', 'SELECT')") == "true";
  }
};

}  // namespace

TEST_CASE("postgres export if_exists: fail creates and then refuses, append adds, replace swaps atomically") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = pgtest::unique_name("modes");

  {
    auto input = id_name_rows({{1, "a"}, {2, "b"}});
    CHECK(db->export_data({.table = table}, input.get()) == 2);
  }
  CHECK(db->table_exists(table));
  {
    auto input = id_name_rows({{3, "c"}});
    auto error =
        pgtest::error_of([&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Fail}, input.get()); });
    CHECK(error.status() == MAGEIO_STATUS_ALREADY_EXISTS);
  }
  CHECK(table_rows(*db, q(table)) == Rows{{"1", "a"}, {"2", "b"}});
  {
    auto input = id_name_rows({{3, "c"}, {4, "NULL"}});
    CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, input.get()) == 2);
  }
  CHECK(table_rows(*db, q(table)) == Rows{{"1", "a"}, {"2", "b"}, {"3", "c"}, {"4", "NULL"}});

  // Replace with the same columns: TRUNCATE + COPY, so grants, indexes and comments stay.
  Role reader(*db, pgtest::unique_name("reader"));
  pgtest::exec(*db, "GRANT SELECT ON " + q(table) + " TO " + q(reader.name));
  pgtest::exec(*db, "CREATE INDEX " + q(table + "_name") + " ON " + q(table) + " (name)");
  pgtest::exec(*db, "COMMENT ON TABLE " + q(table) + " IS 'kept'");
  {
    auto input = id_name_rows({{10, "x"}});
    CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Replace}, input.get()) == 1);
  }
  CHECK(table_rows(*db, q(table)) == Rows{{"10", "x"}});
  CHECK(reader.can_select(q(table)));
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM pg_indexes WHERE indexname = '" + table + "_name'") == "1");
  CHECK(pgtest::scalar(*db, "SELECT obj_description('" + q(table) + "'::regclass)") == "kept");

  // Replace with other columns: a new table of the new shape.
  {
    sdk::Schema schema = {{"code", sdk::utf8()}, {"amount", sdk::decimal128(12, 2)}};
    auto input = pgtest::rows_stream(schema, 2, [](sdk::BatchBuilder& b, int64_t i) {
      b.column(0).append_string("k" + std::to_string(i));
      b.column(1).append_decimal(12345 + i);
    });
    CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Replace}, input.get()) == 2);
  }
  CHECK(table_rows(*db, q(table)) == Rows{{"k0", "123.45"}, {"k1", "123.46"}});
  CHECK(pgtest::scalar(*db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '" + q(table) +
                                "'::regclass AND attname = 'amount'") == "numeric(12,2)");

  // Append of a subset of the columns; a column the table does not have is NOT_FOUND.
  {
    sdk::Schema schema = {{"code", sdk::utf8()}};
    auto input =
        pgtest::rows_stream(schema, 1, [](sdk::BatchBuilder& b, int64_t) { b.column(0).append_string("only"); });
    CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, input.get()) == 1);
    sdk::Schema other = {{"code", sdk::utf8()}, {"missing", sdk::int32()}};
    auto bad = pgtest::rows_stream(other, 1, [](sdk::BatchBuilder& b, int64_t) {
      b.column(0).append_string("x");
      b.column(1).append_int(1);
    });
    auto error =
        pgtest::error_of([&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, bad.get()); });
    CHECK(error.status() == MAGEIO_STATUS_NOT_FOUND);
    CHECK(std::string(error.what()).find("\"missing\"") != std::string::npos);
  }
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == "3");
  pgtest::exec(*db, "DROP TABLE " + q(table));
}

TEST_CASE("postgres upsert: UPDATE keeps the last duplicate, IGNORE the existing row; NULL keys never conflict") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = pgtest::unique_name("upsert");
  {
    // Created by the export: it also gets the unique index the upsert needs.
    auto input = id_name_rows({{1, "one"}, {2, "two"}});
    CHECK(db->export_data(
              {.table = table, .unique_constraints = {"id"}, .unique_conflict_method = mageio::ConflictMethod::Update},
              input.get()) == 2);
  }
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM pg_indexes WHERE tablename = '" + table +
                                "' AND indexdef LIKE 'CREATE UNIQUE%'") == "1");
  {
    auto input = id_name_rows({{2, "two-a"}, {3, "three"}, {2, "two-b"}, {3, "three-b"}});
    CHECK(db->export_data({.table = table,
                           .if_exists = mageio::IfExists::Append,
                           .unique_constraints = {"id"},
                           .unique_conflict_method = mageio::ConflictMethod::Update},
                          input.get()) == 4);
  }
  CHECK(table_rows(*db, q(table)) == Rows{{"1", "one"}, {"2", "two-b"}, {"3", "three-b"}});
  {
    auto input = id_name_rows({{1, "ignored"}, {4, "four"}, {4, "four-again"}});
    CHECK(db->export_data({.table = table,
                           .if_exists = mageio::IfExists::Append,
                           .unique_constraints = {"id"},
                           .unique_conflict_method = mageio::ConflictMethod::Ignore},
                          input.get()) == 3);
  }
  CHECK(table_rows(*db, q(table)) == Rows{{"1", "one"}, {"2", "two-b"}, {"3", "three-b"}, {"4", "four"}});

  // Two-column keys with NULLs: rows whose key has a NULL are all inserted.
  const std::string pair_table = pgtest::unique_name("upsert_pair");
  pgtest::exec(*db,
               "CREATE TABLE " + q(pair_table) + " (a int, b text, v text, extra text DEFAULT 'dflt', UNIQUE (a, b))");
  sdk::Schema schema = {{"a", sdk::int32()}, {"b", sdk::utf8()}, {"v", sdk::utf8()}};
  auto pairs = pgtest::rows_stream(schema, 4, [](sdk::BatchBuilder& builder, int64_t i) {
    builder.column(0).append_int(1);
    if (i < 2)
      builder.column(1).append_null();
    else
      builder.column(1).append_string("k");
    builder.column(2).append_string("v" + std::to_string(i));
  });
  CHECK(db->export_data({.table = pair_table,
                         .if_exists = mageio::IfExists::Append,
                         .unique_constraints = {"a", "b"},
                         .unique_conflict_method = mageio::ConflictMethod::Update},
                        pairs.get()) == 4);
  CHECK(table_rows(*db, q(pair_table), "v") ==
        Rows{{"1", "NULL", "v0", "dflt"}, {"1", "NULL", "v1", "dflt"}, {"1", "k", "v3", "dflt"}});

  // An existing table without a matching unique index: a clear INVALID_ARGUMENT, nothing written.
  const std::string plain = pgtest::unique_name("upsert_plain");
  pgtest::exec(*db, "CREATE TABLE " + q(plain) + " (id bigint, name text)");
  auto input = id_name_rows({{1, "x"}});
  auto error = pgtest::error_of([&] {
    db->export_data({.table = plain,
                     .if_exists = mageio::IfExists::Append,
                     .unique_constraints = {"id"},
                     .unique_conflict_method = mageio::ConflictMethod::Update},
                    input.get());
  });
  CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(error.what()).find("unique index") != std::string::npos);
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(plain)) == "0");
  // A key that is not an input column.
  auto other = id_name_rows({{1, "x"}});
  CHECK(pgtest::error_of([&] {
          db->export_data({.table = plain,
                           .if_exists = mageio::IfExists::Append,
                           .unique_constraints = {"nope"},
                           .unique_conflict_method = mageio::ConflictMethod::Ignore},
                          other.get());
        }).status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  pgtest::exec(*db, "DROP TABLE " + q(table) + ", " + q(pair_table) + ", " + q(plain));
}

TEST_CASE(
    "postgres export is atomic: a failure near the end of 300k rows leaves rows, schema and grants as they were") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = pgtest::unique_name("atomic");
  pgtest::exec(*db,
               "CREATE TABLE " + q(table) + " (id bigint PRIMARY KEY, v integer NOT NULL CHECK (v >= 0), note text)");
  pgtest::exec(*db, "INSERT INTO " + q(table) + " SELECT g, g, 'original' FROM generate_series(1, 1000) g");
  Role reader(*db, pgtest::unique_name("atomic_reader"));
  pgtest::exec(*db, "GRANT SELECT ON " + q(table) + " TO " + q(reader.name));
  const std::string before_schema = pgtest::scalar(
      *db,
      "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute "
      "WHERE attrelid = '" +
          q(table) + "'::regclass AND attnum > 0");
  auto unchanged = [&] {
    CHECK(pgtest::scalar(*db, "SELECT count(*) || ' ' || sum(v) || ' ' || min(note) FROM " + q(table)) ==
          "1000 500500 original");
    CHECK(pgtest::scalar(
              *db,
              "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM "
              "pg_attribute WHERE attrelid = '" +
                  q(table) + "'::regclass AND attnum > 0") == before_schema);
    CHECK(reader.can_select(q(table)));
  };
  constexpr int64_t kRows = 300000;
  sdk::Schema same = {{"id", sdk::int64()}, {"v", sdk::int32()}, {"note", sdk::utf8()}};
  auto rows_with = [&](int64_t bad_row, int fail_at_batch) {
    return pgtest::rows_stream(
        same, kRows,
        [bad_row](sdk::BatchBuilder& b, int64_t i) {
          b.column(0).append_int(100000 + i);
          b.column(1).append_int(i == bad_row ? -1 : i);
          b.column(2).append_string("new row " + std::to_string(i));
        },
        10000, fail_at_batch);
  };

  SUBCASE("replace (TRUNCATE path) with a CHECK violation in row 299,999") {
    auto input = rows_with(kRows - 2, -1);
    auto error = pgtest::error_of(
        [&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Replace}, input.get()); });
    CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
    CHECK(error.sqlstate() == "23514");
  }
  SUBCASE("replace (DROP + CREATE path, other columns) with the input stream failing in its last batch") {
    sdk::Schema other = {{"id", sdk::int64()}, {"other", sdk::utf8()}};
    auto input = pgtest::rows_stream(
        other, kRows,
        [](sdk::BatchBuilder& b, int64_t i) {
          b.column(0).append_int(i);
          b.column(1).append_string("x");
        },
        10000, 29);
    auto error = pgtest::error_of(
        [&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Replace}, input.get()); });
    CHECK(std::string(error.what()).find("test source fails at batch 29") != std::string::npos);
  }
  SUBCASE("append with a NOT NULL violation in the last row") {
    sdk::Schema nullable = {{"id", sdk::int64()}, {"v", sdk::int32()}};
    auto input = pgtest::rows_stream(nullable, kRows, [](sdk::BatchBuilder& b, int64_t i) {
      b.column(0).append_int(100000 + i);
      if (i == kRows - 1)
        b.column(1).append_null();
      else
        b.column(1).append_int(1);
    });
    auto error = pgtest::error_of(
        [&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, input.get()); });
    CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
    CHECK(error.sqlstate() == "23502");
  }
  SUBCASE("append with a value that does not fit the column (caught while encoding)") {
    sdk::Schema wide = {{"id", sdk::int64()}, {"v", sdk::int64()}};
    auto input = pgtest::rows_stream(wide, kRows, [](sdk::BatchBuilder& b, int64_t i) {
      b.column(0).append_int(100000 + i);
      b.column(1).append_int(i == kRows - 5 ? int64_t{1} << 40 : 1);
    });
    auto error = pgtest::error_of(
        [&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, input.get()); });
    CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
    CHECK(std::string(error.what()).find("column \"v\", row 299996") != std::string::npos);
  }
  SUBCASE("upsert with a duplicate-free input failing its CHECK near the end") {
    auto input = rows_with(kRows - 10, -1);
    auto error = pgtest::error_of([&] {
      db->export_data({.table = table,
                       .if_exists = mageio::IfExists::Append,
                       .unique_constraints = {"id"},
                       .unique_conflict_method = mageio::ConflictMethod::Update},
                      input.get());
    });
    CHECK(error.sqlstate() == "23514");
  }
  unchanged();
  // The connection is fine for the next export.
  auto input = rows_with(-1, -1);
  CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, input.get()) == kRows);
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == std::to_string(kRows + 1000));
  pgtest::exec(*db, "DROP TABLE " + q(table));
}

TEST_CASE("postgres export with if_exists fail leaves no table behind when it fails") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string schema = pgtest::unique_name("fresh_schema");
  const std::string table = pgtest::unique_name("fresh");
  auto input = pgtest::rows_stream(
      id_name_schema(), 50000,
      [](sdk::BatchBuilder& b, int64_t i) {
        b.column(0).append_int(i);
        b.column(1).append_string("n");
      },
      10000, 3);
  pgtest::error_of([&] { db->export_data({.table = table, .schema = schema}, input.get()); });
  CHECK_FALSE(db->table_exists(table, schema));
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'") == "0");
}

TEST_CASE("postgres identifiers with quotes, spaces, mixed case and reserved words are kept exactly") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string schema = pgtest::unique_name("My \"Odd\" Schema");
  const std::string table = pgtest::unique_name("Select From \"Where\"");
  sdk::Schema fields = {{"Order", sdk::int64()},
                        {"user name", sdk::utf8()},
                        {"select", sdk::bool_type()},
                        {"Quote\"d", sdk::float64()},
                        {"lower", sdk::int32()}};
  auto make = [&](int64_t first) {
    return pgtest::rows_stream(fields, 3, [first](sdk::BatchBuilder& b, int64_t i) {
      b.column(0).append_int(first + i);
      b.column(1).append_string("u" + std::to_string(first + i));
      b.column(2).append_bool(i % 2 == 0);
      b.column(3).append_double(0.5 * static_cast<double>(i));
      b.column(4).append_int(static_cast<int64_t>(i));
    });
  };
  auto input = make(1);
  CHECK(db->export_data({.table = table,
                         .schema = schema,
                         .unique_constraints = {"Order"},
                         .unique_conflict_method = mageio::ConflictMethod::Update},
                        input.get()) == 3);
  CHECK(db->table_exists(table, schema));
  CHECK_FALSE(db->table_exists(table));  // not in the default schema
  auto columns = pgtest::query(*db, "SELECT attname FROM pg_attribute WHERE attrelid = '" + q(schema) + "." + q(table) +
                                        "'::regclass AND attnum > 0 ORDER BY attnum");
  CHECK(columns == Rows{{"Order"}, {"user name"}, {"select"}, {"Quote\"d"}, {"lower"}});
  auto again = make(3);  // upsert on the quoted key: row 3 updated, 4 and 5 added
  CHECK(db->export_data({.table = table,
                         .schema = schema,
                         .if_exists = mageio::IfExists::Append,
                         .unique_constraints = {"Order"},
                         .unique_conflict_method = mageio::ConflictMethod::Update},
                        again.get()) == 3);
  auto loaded = db->load({.table = table, .schema = schema});
  CHECK(loaded.schema()[0].name == "Order");
  CHECK(loaded.schema()[3].name == "Quote\"d");
  auto rows = test::read_all_text(loaded);
  CHECK(rows.size() == 5);

  // alter_table on the same odd names.
  db->alter_table({.table = table,
                   .schema = schema,
                   .action = mageio::AlterAction::AddColumn,
                   .column = "New \"Col\"",
                   .type = "decimal128(10, 3)"});
  db->alter_table({.table = table,
                   .schema = schema,
                   .action = mageio::AlterAction::RenameColumn,
                   .column = "user name",
                   .new_name = "User Name"});
  db->alter_table({.table = table,
                   .schema = schema,
                   .action = mageio::AlterAction::AlterColumnType,
                   .column = "lower",
                   .type = "utf8"});
  db->alter_table({.table = table,
                   .schema = schema,
                   .action = mageio::AlterAction::AlterColumnType,
                   .column = "lower",
                   .type = "int64"});
  db->alter_table({.table = table, .schema = schema, .action = mageio::AlterAction::DropColumn, .column = "select"});
  columns = pgtest::query(
      *db, "SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '" +
               q(schema) + "." + q(table) + "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
  CHECK(columns == Rows{{"Order bigint"},
                        {"User Name text"},
                        {"Quote\"d double precision"},
                        {"lower bigint"},
                        {"New \"Col\" numeric(10,3)"}});
  pgtest::exec(*db, "DROP SCHEMA " + q(schema) + " CASCADE");
}

TEST_CASE("postgres alter_table and table_exists: errors and defaults") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = pgtest::unique_name("alter");
  pgtest::exec(*db, "CREATE TABLE " + q(table) + " (a text)");
  pgtest::exec(*db, "INSERT INTO " + q(table) + " VALUES ('12'), ('x')");
  CHECK(db->table_exists(table));
  CHECK(db->table_exists(table, "public"));
  CHECK_FALSE(db->table_exists(table + "_missing"));
  CHECK_FALSE(db->table_exists(table, "no_such_schema"));
  auto bad_cast = pgtest::error_of([&] {
    db->alter_table({.table = table, .action = mageio::AlterAction::AlterColumnType, .column = "a", .type = "int32"});
  });
  CHECK(bad_cast.status() == MAGEIO_STATUS_INVALID_ARGUMENT);  // 22P02: 'x' is not an integer
  CHECK(bad_cast.sqlstate() == "22P02");
  pgtest::exec(*db, "CREATE VIEW " + q(table + "_v") + " AS SELECT * FROM " + q(table));
  CHECK(db->table_exists(table + "_v"));
  CHECK(pgtest::error_of([&] {
          db->alter_table({.table = table, .action = mageio::AlterAction::DropColumn, .column = "nope"});
        }).status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(pgtest::error_of([&] {
          db->alter_table({.table = table + "_missing", .action = mageio::AlterAction::DropColumn, .column = "a"});
        }).status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(pgtest::error_of([&] {
          db->alter_table({.table = table, .action = mageio::AlterAction::AddColumn, .column = "a", .type = "int64"});
        }).status() == MAGEIO_STATUS_ALREADY_EXISTS);
  // The view makes a replace with other columns fail (it is not dropped behind the user's back).
  auto input = id_name_rows({{1, "x"}});
  auto error =
      pgtest::error_of([&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Replace}, input.get()); });
  CHECK(error.sqlstate() == "2BP01");
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == "2");
  pgtest::exec(*db, "DROP TABLE " + q(table) + " CASCADE");
}

TEST_CASE("postgres export: cancellation stops it and leaves the target as it was") {
  auto server = pgtest::server();
  if (!server) return;
  auto host = std::make_shared<HostCallbacks>();
  host->on_progress = [&](int64_t rows, int64_t, int64_t) {
    if (rows >= 50000) host->cancel_requested = true;
  };
  auto db = pgtest::open(*server, host);
  const std::string table = pgtest::unique_name("cancel_export");
  pgtest::exec(*db, "CREATE TABLE " + q(table) + " (id bigint, name text)");
  pgtest::exec(*db, "INSERT INTO " + q(table) + " VALUES (1, 'kept')");
  auto input = pgtest::rows_stream(id_name_schema(), 1000000, [](sdk::BatchBuilder& b, int64_t i) {
    b.column(0).append_int(i);
    b.column(1).append_string("row");
  });
  auto error =
      pgtest::error_of([&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Replace}, input.get()); });
  CHECK(error.status() == MAGEIO_STATUS_CANCELLED);
  host->cancel_requested = false;
  CHECK(table_rows(*db, q(table)) == Rows{{"1", "kept"}});
  pgtest::exec(*db, "DROP TABLE " + q(table));
}
