// execute and execute_queries through the real host: rows affected, typed result rows, statements COPY
// cannot hold, several statements in one string, all-or-nothing transactions that fail halfway, and a
// session transaction opened by the user.
#include "pg_test_support.hpp"

using namespace mageio;
using pgtest::q;
using Rows = std::vector<std::vector<std::string>>;

TEST_CASE("postgres execute: rows affected, typed rows, RETURNING, SHOW, several statements") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = pgtest::unique_name("exec");

  auto created = db->execute("CREATE TABLE " + q(table) + " (id int PRIMARY KEY, amount numeric(8,2), at timestamptz)");
  CHECK_FALSE(created.rows.has_value());
  CHECK(pgtest::exec(*db, "INSERT INTO " + q(table) +
                              " SELECT g, g / 4.0, '2024-01-01'::timestamptz FROM generate_series(1, 7) g") == 7);
  CHECK(pgtest::exec(*db, "UPDATE " + q(table) + " SET amount = amount + 1 WHERE id > 4;") == 3);

  // A SELECT streams typed columns, like a load.
  auto selected = db->execute("SELECT id, amount, at FROM " + q(table) + " WHERE id <= 2 ORDER BY id");
  REQUIRE(selected.rows.has_value());
  CHECK(selected.rows->schema()[1].type.name() == "decimal128(8, 2)");
  CHECK(selected.rows->schema()[2].type.name() == "timestamp[us, UTC]");
  CHECK(test::read_all_text(*selected.rows) ==
        Rows{{"1", "0.25", "2024-01-01 00:00:00+00:00"}, {"2", "0.50", "2024-01-01 00:00:00+00:00"}});

  // RETURNING gives rows, and the change happens even when nobody reads them.
  auto returned = db->execute("INSERT INTO " + q(table) + " VALUES (100, 1, now()) RETURNING id, amount");
  REQUIRE(returned.rows.has_value());
  CHECK(test::read_all_text(*returned.rows) == Rows{{"100", "1.00"}});
  {
    auto unread = db->execute("DELETE FROM " + q(table) + " WHERE id >= 5 RETURNING *");
    CHECK(unread.rows.has_value());
  }
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == "4");
  // An error at the start of a row-returning statement fails execute itself.
  auto duplicate =
      pgtest::error_of([&] { db->execute("INSERT INTO " + q(table) + " VALUES (1, 1, now()) RETURNING id"); });
  CHECK(duplicate.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(duplicate.sqlstate() == "23505");

  // Statements COPY cannot hold come back as text.
  CHECK(pgtest::query(*db, "SHOW client_encoding") == Rows{{"UTF8"}});
  auto explained = pgtest::query(*db, "EXPLAIN SELECT * FROM " + q(table));
  CHECK_FALSE(explained.empty());

  // Several statements in one string: rows affected add up; the last rows come back.
  auto several = db->execute("INSERT INTO " + q(table) + " VALUES (200, 2, now()); UPDATE " + q(table) +
                             " SET amount = 0 WHERE id >= 100; SELECT count(*) AS n FROM " + q(table));
  CHECK(several.rows_affected == 2);  // the INSERT and the UPDATE of row 200 (100 was deleted)
  REQUIRE(several.rows.has_value());
  CHECK(test::read_all_text(*several.rows) == Rows{{"5"}});

  // COPY to or from the client is what load and export are for; execute refuses it cleanly.
  CHECK(pgtest::error_of([&] { db->execute("COPY " + q(table) + " FROM STDIN"); }).status() ==
        MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(pgtest::error_of([&] { db->execute("COPY " + q(table) + " TO STDOUT"); }).status() ==
        MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == "5");

  auto syntax = pgtest::error_of([&] { db->execute("SELEC 1"); });
  CHECK(syntax.status() == MAGEIO_STATUS_BACKEND);
  CHECK(syntax.sqlstate() == "42601");
  auto missing = pgtest::error_of([&] { db->execute("SELECT * FROM " + q(table + "_missing")); });
  CHECK(missing.status() == MAGEIO_STATUS_NOT_FOUND);
  pgtest::exec(*db, "DROP TABLE " + q(table));
}

TEST_CASE("postgres execute_queries: all or nothing, naming the statement that failed") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = pgtest::unique_name("txn");
  pgtest::exec(*db, "CREATE TABLE " + q(table) + " (id int PRIMARY KEY, v text)");

  CHECK(db->execute_queries({"INSERT INTO " + q(table) + " VALUES (1, 'a'), (2, 'b')",
                             "UPDATE " + q(table) + " SET v = 'c' WHERE id = 2", "SELECT 1"}) == 3);

  auto error = pgtest::error_of([&] {
    db->execute_queries({"INSERT INTO " + q(table) + " VALUES (3, 'c')", "DELETE FROM " + q(table) + " WHERE id = 1",
                         "INSERT INTO " + q(table) + " VALUES (2, 'duplicate')",
                         "INSERT INTO " + q(table) + " VALUES (4, 'never')"});
  });
  CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(error.sqlstate() == "23505");
  CHECK(std::string(error.what()).find("statement 3 of 4") != std::string::npos);
  CHECK(pgtest::query(*db, "SELECT * FROM " + q(table) + " ORDER BY id") == Rows{{"1", "a"}, {"2", "c"}});

  // DDL is transactional in PostgreSQL: a failing batch leaves no table behind either.
  auto ddl = pgtest::error_of([&] {
    db->execute_queries({"CREATE TABLE " + q(table + "_new") + " (x int)",
                         "INSERT INTO " + q(table + "_new") + " VALUES (1)", "SELECT 1/0"});
  });
  CHECK(ddl.sqlstate() == "22012");
  CHECK(std::string(ddl.what()).find("statement 3 of 3") != std::string::npos);
  CHECK_FALSE(db->table_exists(table + "_new"));

  // A statement that ends the transaction itself is refused.
  auto commit = pgtest::error_of([&] { db->execute_queries({"SELECT 1", "COMMIT", "SELECT 2"}); });
  CHECK(std::string(commit.what()).find("statement 2 of 3 ended the transaction") != std::string::npos);
  // The session is usable afterwards.
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == "2");
  pgtest::exec(*db, "DROP TABLE " + q(table));
}

TEST_CASE("postgres operations inside a transaction the user opened stay inside it") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = pgtest::unique_name("session_txn");
  pgtest::exec(*db, "CREATE TABLE " + q(table) + " (id bigint, name text)");
  pgtest::exec(*db, "BEGIN");
  sdk::Schema schema = {{"id", sdk::int64()}, {"name", sdk::utf8()}};
  auto input = pgtest::rows_stream(schema, 3, [](sdk::BatchBuilder& b, int64_t i) {
    b.column(0).append_int(i);
    b.column(1).append_string("n");
  });
  CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, input.get()) == 3);
  CHECK(db->execute_queries({"INSERT INTO " + q(table) + " VALUES (10, 'x')"}) == 1);
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == "4");
  // Statements that the plugin first tries to describe or COPY and then runs another way (several in one
  // string, SHOW, EXPLAIN, CALL-like utility statements) do not abort the user's transaction.
  CHECK(pgtest::scalar(*db, "SHOW transaction_isolation") == "read committed");
  auto several = db->execute("INSERT INTO " + q(table) + " VALUES (20, 'z'); SELECT count(*) FROM " + q(table));
  REQUIRE(several.rows);
  CHECK(mageio::test::read_all_text(*several.rows) == std::vector<std::vector<std::string>>{{"5"}});
  auto explained = db->execute("EXPLAIN SELECT * FROM " + q(table));
  REQUIRE(explained.rows);
  CHECK_FALSE(mageio::test::read_all_text(*explained.rows).empty());
  CHECK(pgtest::scalar(*db, "/* a comment first */ SELECT count(*) FROM " + q(table)) == "5");
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == "5");
  pgtest::exec(*db, "DELETE FROM " + q(table) + " WHERE id = 20");
  // A failing export inside it is undone (savepoint) without aborting the user's transaction.
  auto bad = pgtest::rows_stream(
      schema, 2,
      [](sdk::BatchBuilder& b, int64_t) {
        b.column(0).append_int(1);
        b.column(1).append_string("y");
      },
      1, 1);
  pgtest::error_of([&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, bad.get()); });
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == "4");
  // A user's own savepoint: after a failing statement aborts the transaction, execute still runs the
  // ROLLBACK TO SAVEPOINT that recovers it (the server takes nothing else then, and says so: 25P02).
  pgtest::exec(*db, "SAVEPOINT mine");
  CHECK(pgtest::error_of([&] { db->execute("SELECT * FROM no_such_table_here"); }).sqlstate() == "42P01");
  CHECK(pgtest::error_of([&] { db->execute("SELECT 1"); }).sqlstate() == "25P02");
  pgtest::exec(*db, "ROLLBACK TO SAVEPOINT mine");
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == "4");
  pgtest::exec(*db, "ROLLBACK");
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == "0");
  pgtest::exec(*db, "DROP TABLE " + q(table));
}
