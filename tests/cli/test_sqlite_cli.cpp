// The sqlite plugin through the real CLI, where only separate processes show the behaviour: concurrent
// exports, a failed first export, a full disk, and a process killed mid-export.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::describe;
using mageio::test::directory_entries;
using mageio::test::id_name_csv;
using mageio::test::run_cli;
using mageio::test::TempDir;
using mageio::test::write_file;

namespace {

// One value from the database, through the CLI.
std::string scalar(const fs::path& cwd, const std::string& database, const std::string& sql) {
  CommandResult r =
      run_cli({"load", "sqlite", "--set", "SQLITE_DATABASE=" + database, "--query", sql, "--format", "csv"}, cwd);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  const size_t header_end = r.out.find('\n');
  std::string value = r.out.substr(header_end + 1);
  while (!value.empty() && value.back() == '\n') value.pop_back();
  return value;
}

}  // namespace

TEST_CASE("sqlite CLI: two exports at once into a table that does not exist yet both succeed") {
  constexpr int kRows = 200000;
  TempDir work;
  write_file(work / "in.csv", id_name_csv(kRows));
  for (const std::string mode : {"append", "replace"}) {
    for (int round = 0; round < 3; ++round) {
      CAPTURE(mode);
      CAPTURE(round);
      const std::string database = (work / ("race_" + mode + std::to_string(round) + ".db")).string();
      // The second waits for the first's write lock: long enough for any machine, so nothing here
      // depends on timing. (With the default 5000 ms a slow first export makes the second fail with
      // "database is locked", naming SQLITE_BUSY_TIMEOUT_MS.)
      auto run = [&] {
        return run_cli({"export", "sqlite", "--input", "in.csv", "--table", "t", "--if-exists", mode, "--set",
                        "SQLITE_DATABASE=" + database, "--set", "SQLITE_BUSY_TIMEOUT_MS=600000"},
                       work.path());
      };
      auto first = std::async(std::launch::async, run);
      auto second = std::async(std::launch::async, run);
      CommandResult a = first.get();
      CommandResult b = second.get();
      CHECK_MESSAGE(a.exit_code == 0, describe(a));
      CHECK_MESSAGE(b.exit_code == 0, describe(b));
      const int expected = mode == "append" ? 2 * kRows : kRows;
      CHECK(scalar(work.path(), database, "SELECT count(*) FROM t") == std::to_string(expected));
      CHECK(scalar(work.path(), database, "SELECT count(DISTINCT id) FROM t") == std::to_string(kRows));
    }
  }
}

TEST_CASE("sqlite CLI: a failed first export leaves no database file behind") {
  TempDir work;
  // Row 15000 is not a number, past the 10000 rows the file plugin infers float64 from: it refuses it
  // while the export is writing.
  std::string csv = "id,amount\n";
  for (int i = 1; i <= 20000; ++i) csv += std::to_string(i) + "," + (i == 15000 ? "not a number" : "1.5") + "\n";
  write_file(work / "in.csv", csv);
  TempDir out;
  const std::string database = (out / "new.db").string();
  CommandResult r = run_cli({"export", "sqlite", "--input", (work / "in.csv").string(), "--table", "t", "--set",
                             "SQLITE_DATABASE=" + database},
                            work.path());
  INFO(describe(r));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("15001") != std::string::npos);  // the line of the file
  CHECK(r.err.find("rolled back") != std::string::npos);
  CHECK(directory_entries(out.path()).empty());
}

TEST_CASE("sqlite CLI: a full disk fails naming the database file and leaves the table as it was") {
  TempDir work;
  write_file(work / "in.csv", id_name_csv(200000));  // several MB in SQLite
  const std::string database = (work / "full.db").string();
  CommandResult made =
      run_cli({"exec", "sqlite", "--set", "SQLITE_DATABASE=" + database, "--sql",
               "CREATE TABLE t (id INTEGER, name TEXT)", "--sql", "INSERT INTO t VALUES (-1, 'already here')"},
              work.path());
  REQUIRE_MESSAGE(made.exit_code == 0, describe(made));
  for (const std::string mode : {"append", "replace"}) {
    CAPTURE(mode);
    // A file size limit of 256 KiB stands in for a full disk; with SIGXFSZ ignored the write fails with
    // EFBIG instead of killing the process.
    CommandResult r = mageio::test::run_program(
        {"bash", "-c", "trap '' XFSZ; ulimit -f 256; exec \"$0\" \"$@\"", MAGEIO_CLI_PATH, "export", "sqlite",
         "--input", "in.csv", "--table", "t", "--if-exists", mode, "--set", "SQLITE_DATABASE=" + database},
        work.path());
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("database file '" + database + "'") != std::string::npos);
    CHECK(r.err.find("rolled back") != std::string::npos);
    CHECK(scalar(work.path(), database, "SELECT group_concat(id || ':' || name) FROM t") == "-1:already here");
  }
}

TEST_CASE("sqlite CLI: SIGKILL mid-replace leaves a hot journal that the next open rolls back, no other table") {
  TempDir work;
  const std::string database = (work / "dest.db").string();
  CommandResult made =
      run_cli({"exec", "sqlite", "--set", "SQLITE_DATABASE=" + database, "--sql",
               "CREATE TABLE t (id INTEGER, name TEXT)", "--sql", "INSERT INTO t VALUES (-1, 'already here')"},
              work.path());
  REQUIRE_MESSAGE(made.exit_code == 0, describe(made));
  const fs::path fifo = work / "input.csv";
  CommandResult r =
      mageio::test::run_cli_stopped_by_signal({"copy", "file", "sqlite", "--path", fifo.string(), "--to-table", "t",
                                               "--if-exists", "replace", "--set", "SQLITE_DATABASE=" + database},
                                              fifo, id_name_csv(300000), SIGKILL, work.path());
  INFO(describe(r));
  REQUIRE(r.killed_by == SIGKILL);
  CHECK(fs::exists(database + "-journal"));  // hot: the killed transaction's undo log
  // The next connection rolls the journal back: the old rows, and only the tables that were there.
  CHECK(scalar(work.path(), database, "SELECT group_concat(id || ':' || name) FROM t") == "-1:already here");
  CHECK(scalar(work.path(), database, "SELECT group_concat(name) FROM sqlite_master") == "t");
  CHECK(scalar(work.path(), database, "PRAGMA integrity_check") == "ok");
  CHECK(!fs::exists(database + "-journal"));
  // And an export to the same target then works as usual.
  write_file(work / "two.csv", id_name_csv(2));
  CommandResult again = run_cli({"export", "sqlite", "--input", "two.csv", "--table", "t", "--if-exists", "replace",
                                 "--set", "SQLITE_DATABASE=" + database},
                                work.path());
  CHECK_MESSAGE(again.exit_code == 0, describe(again));
  CHECK(scalar(work.path(), database, "SELECT count(*) FROM t") == "2");
}

TEST_CASE("sqlite CLI: infinities and years outside 0000-9999 copy into CSV and JSON Lines and back unchanged") {
  TempDir work;
  const std::string database = (work / "dates.db").string();
  const std::string set = "SQLITE_DATABASE=" + database;
  CommandResult created = run_cli(
      {"exec", "sqlite", "--set", set, "--sql", "CREATE TABLE t (id INTEGER, d DATE, ts TIMESTAMP)", "--sql",
       "INSERT INTO t VALUES (1, '2024-02-29', '2024-02-29 12:00:00'), (2, '-infinity', '-infinity'), "
       "(3, '-0043-03-15', '-0001-12-31 23:59:59.999999'), (4, '+10000-01-01', '+294247-01-10 04:00:54.775806'), "
       "(5, 'infinity', 'infinity')"},
      work.path());
  REQUIRE_MESSAGE(created.exit_code == 0, describe(created));
  for (const std::string file : {"out.csv", "out.jsonl"}) {
    CAPTURE(file);
    CommandResult copied =
        run_cli({"copy", "sqlite", "file", "--set", set, "--table", "t", "--to-path", file}, work.path());
    REQUIRE_MESSAGE(copied.exit_code == 0, describe(copied));
    // Written in the SDK's spelling, which the file plugin reads back with the types given.
    const std::string back = "back_" + file.substr(4);
    CommandResult loaded = run_cli({"copy", "file", "sqlite", "--set", set, "--path", file, "--column-type", "d=date32",
                                    "--column-type", "ts=timestamp[us]", "--to-table", back},
                                   work.path());
    REQUIRE_MESSAGE(loaded.exit_code == 0, describe(loaded));
    CHECK(scalar(work.path(), database,
                 "SELECT group_concat(type, ' ') FROM pragma_table_info('" + back + "') WHERE name IN ('d', 'ts')") ==
          "DATE TIMESTAMP");
    CHECK(scalar(work.path(), database, "SELECT count(*) FROM " + back) == "5");
    CHECK(scalar(work.path(), database,
                 "SELECT count(*) FROM (SELECT id, d, ts FROM t EXCEPT SELECT id, d, ts FROM " + back + ")") == "0");
  }
}
