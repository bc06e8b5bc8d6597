// Copies from a real PostgreSQL into SQLite through the real CLI: the values PostgreSQL has and SQLite's
// date functions do not (infinities, BC dates, years past 9999) must load back from SQLite unchanged.
#include "pg_test_support.hpp"

#include <doctest/doctest.h>

#include <mageio/sdk/arrow_reader.hpp>

#include <string>
#include <vector>

namespace {

using mageio::test::CommandResult;
using mageio::test::TempDir;

std::string show(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

// Every cell as its exact number for dates and timestamps (days, microseconds), so no formatting can
// hide a difference; other types as their canonical text.
std::vector<std::vector<std::string>> exact_rows(mageio::BatchReader& reader) {
  using mageio::sdk::TypeId;
  std::vector<std::vector<std::string>> rows;
  mageio::sdk::OwnedArray batch;
  while (reader.next(batch)) {
    mageio::sdk::BatchView view(batch.array, reader.schema());
    for (int64_t r = 0; r < view.rows(); ++r) {
      std::vector<std::string> row;
      for (size_t c = 0; c < view.column_count(); ++c) {
        const auto& column = view.column(c);
        if (column.is_null(r))
          row.push_back("NULL");
        else if (column.type().id == TypeId::Date32)
          row.push_back(std::to_string(column.get_date32(r)) + " days");
        else if (column.type().id == TypeId::Timestamp)
          row.push_back(std::to_string(column.get_timestamp_us(r)) + " us");
        else
          row.push_back(column.to_text(r));
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::vector<std::string> type_names(const mageio::sdk::Schema& schema) {
  std::vector<std::string> names;
  for (const auto& field : schema) names.push_back(field.name + " " + field.type.name());
  return names;
}

}  // namespace

TEST_CASE("postgres -> sqlite: infinities, BC and far-future dates and timestamps load back from SQLite unchanged") {
  auto server = pgtest::server();
  if (!server) return;
  const std::string query =
      "SELECT id, d, ts, tz FROM (VALUES "
      "(1, 'infinity'::date, 'infinity'::timestamp, 'infinity'::timestamptz), "
      "(2, '-infinity'::date, '-infinity'::timestamp, '-infinity'::timestamptz), "
      "(3, '0044-03-15 BC'::date, '0044-03-15 12:30:00.000001 BC'::timestamp, '0044-03-15 23:59:59.999999 "
      "BC'::timestamptz), "
      "(4, '4714-11-24 BC'::date, '4713-01-01 00:00:00 BC'::timestamp, '4713-01-01 00:00:00+00 BC'::timestamptz), "
      "(5, '0001-01-01 BC'::date, '0001-12-31 23:59:59.999999 BC'::timestamp, '0001-01-01 00:00:00+00'::timestamptz), "
      "(6, '9999-12-31'::date, '9999-12-31 23:59:59.999999'::timestamp, '10000-01-01 00:00:00+00'::timestamptz), "
      "(7, '5874897-12-31'::date, '294246-12-31 23:59:59.999999'::timestamp, NULL), "
      "(8, NULL, NULL, '2024-02-29 13:45:00.5+00'::timestamptz)"
      ") AS v(id, d, ts, tz) ORDER BY id";

  TempDir work;
  const std::string database = (work / "copy.db").string();
  std::vector<std::string> args = {
      "copy", "postgres", "sqlite", "--query", query, "--to-table", "dates", "--set", "SQLITE_DATABASE=" + database};
  for (const auto& [key, value] : pgtest::config(*server)) {
    args.push_back("--set");
    args.push_back(std::string(key) + "=" + std::string(value.as_string()));
  }
  CommandResult copied = mageio::test::run_cli(args, work.path());
  REQUIRE_MESSAGE(copied.exit_code == 0, show(copied));

  auto pg = pgtest::open(*server);
  auto from_postgres = pg->load({.query = query});
  auto sqlite =
      mageio::test::bundled_registry().find("sqlite")->open(boost::json::object{{"SQLITE_DATABASE", database}});
  auto from_sqlite = sqlite->load({.query = "SELECT * FROM dates ORDER BY id"});
  CHECK(type_names(from_sqlite.schema()) == type_names(from_postgres.schema()));
  const auto expected = exact_rows(from_postgres);
  REQUIRE(expected.size() == 8);
  CHECK(exact_rows(from_sqlite) == expected);

  // And through the CLI's own load: the infinities are PostgreSQL's words, BC years ISO 8601's signed ones.
  CommandResult loaded = mageio::test::run_cli(
      {"load", "sqlite", "--set", "SQLITE_DATABASE=" + database, "--query",
       "SELECT d || '' AS d, ts || '' AS ts FROM dates WHERE id IN (1, 2, 3) ORDER BY id", "--format", "csv"},
      work.path());
  INFO(show(loaded));
  CHECK(loaded.out == "d,ts\ninfinity,infinity\n-infinity,-infinity\n-0043-03-15,-0043-03-15 12:30:00.000001\n");
}

// A query that fails after 100000 rows (division by zero) fails `copy` and `load` with PostgreSQL's
// SQLSTATE 22012, not with the destination's retelling of an errno: the host asks the source for its
// whole error (ABI 1.1 stream_error), in process and isolated. The exit status stays 1.
TEST_CASE("postgres: copy and load of a query failing mid-stream report SQLSTATE 22012 and exit 1") {
  auto server = pgtest::server();
  if (!server) return;
  TempDir work;
  std::vector<std::string> connection;
  for (const auto& [key, value] : pgtest::config(*server)) {
    connection.push_back("--set");
    connection.push_back(std::string(key) + "=" + std::string(value.as_string()));
  }
  const std::string query = "SELECT g, 1/(100000-g) AS x FROM generate_series(1,200000) g";
  const std::vector<std::vector<std::string>> commands = {
      {"copy", "postgres", "sqlite", "--query", query, "--to-table", "t", "--set",
       "SQLITE_DATABASE=" + (work / "copy.db").string()},
      {"copy", "postgres", "file", "--query", query, "--to-path", (work / "out.csv").string()},
      {"load", "postgres", "--query", query, "--format", "csv", "--output", (work / "load.csv").string()},
      {"load", "postgres", "--query", query, "--format", "null"},
  };
  for (const auto& command : commands) {
    for (bool isolate : {false, true}) {
      std::vector<std::string> args = command;
      args.insert(args.end(), connection.begin(), connection.end());
      if (isolate) args.push_back("--isolate");
      CAPTURE(command[0]);
      CAPTURE(command[2]);
      CAPTURE(isolate);
      CommandResult result = mageio::test::run_cli(args, work.path());
      INFO(show(result));
      CHECK(result.exit_code == 1);
      CHECK(result.err.find("division by zero") != std::string::npos);
      CHECK(result.err.find("SQLSTATE 22012") != std::string::npos);
    }
  }
}
