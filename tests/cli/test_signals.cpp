// SIGINT, SIGTERM and SIGHUP in the middle of an export: the CLI cancels the operation, the destination
// is left exactly as it was (no partial tail, no temporary file, no half-replaced table), and the exit
// status is 128 + the signal's number. The input comes from a FIFO that the test keeps open, so the
// command is always stopped mid-stream, never after it finished.
#include "test_support.hpp"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::describe;
using mageio::test::directory_entries;
using mageio::test::id_name_csv;
using mageio::test::read_file;
using mageio::test::run_cli_stopped_by_signal;
using mageio::test::TempDir;
using mageio::test::write_file;

namespace {

struct StopSignal {
  int number;
  const char* name;
};
const StopSignal kSignals[] = {{SIGINT, "SIGINT"}, {SIGTERM, "SIGTERM"}, {SIGHUP, "SIGHUP"}};

void check_stopped(const CommandResult& r, int signal_number) {
  INFO(describe(r));
  CHECK(r.killed_by == 0);  // handled: the CLI cleaned up and exited, it was not killed
  CHECK(r.exit_code == 128 + signal_number);
  CHECK(r.err.find("cancel") != std::string::npos);
}

}  // namespace

TEST_CASE("a stopping signal mid-export leaves a CSV destination as it was") {
  for (const auto& signal : kSignals) {
    for (const std::string mode : {"append", "replace"}) {
      CAPTURE(signal.name);
      CAPTURE(mode);
      TempDir work;
      TempDir out_dir;
      const fs::path dest = out_dir / "dest.csv";
      const std::string before = "id,name\n-1,already here\n";
      write_file(dest, before);
      const fs::path fifo = work / "input.csv";
      CommandResult r = run_cli_stopped_by_signal(
          {"export", "file", "--input", fifo.string(), "--path", dest.string(), "--if-exists", mode}, fifo,
          id_name_csv(300000), signal.number, work.path());
      check_stopped(r, signal.number);
      CHECK(read_file(dest) == before);
      CHECK(directory_entries(out_dir.path()) == std::vector<std::string>{"dest.csv"});
    }
  }
}

TEST_CASE("a stopping signal mid-copy leaves a SQLite table as it was") {
  for (const auto& signal : kSignals) {
    CAPTURE(signal.name);
    TempDir work;
    const std::string db = (work / "dest.db").string();
    CommandResult made = mageio::test::run_cli(
        {"exec", "sqlite", "--set", "SQLITE_DATABASE=" + db, "--sql", "CREATE TABLE t (id INTEGER, name TEXT)", "--sql",
         "INSERT INTO t VALUES (-1, 'already here')"},
        work.path());
    REQUIRE_MESSAGE(made.exit_code == 0, describe(made));
    const fs::path fifo = work / "input.csv";
    CommandResult r = run_cli_stopped_by_signal({"copy", "file", "sqlite", "--path", fifo.string(), "--to-table", "t",
                                                 "--if-exists", "replace", "--set", "SQLITE_DATABASE=" + db},
                                                fifo, id_name_csv(300000), signal.number, work.path());
    check_stopped(r, signal.number);
    CommandResult rows = mageio::test::run_cli(
        {"load", "sqlite", "--set", "SQLITE_DATABASE=" + db, "--query", "SELECT id, name FROM t", "--format", "csv"},
        work.path());
    INFO(describe(rows));
    CHECK(rows.out == "id,name\n-1,already here\n");
  }
}
