// --isolate and --timeout through the real CLI: the zoo's misbehaviours end in a clear error and exit
// status 1 (never a crash of mageio); the real sqlite and file plugins give the same rows isolated as in
// process; a stopping signal mid-export still leaves the destination as it was; the conformance kit
// runs a plugin isolated and says so; partitioned loads cross the child.
#include "test_support.hpp"

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::describe;
using mageio::test::id_name_csv;
using mageio::test::read_file;
using mageio::test::run_cli;
using mageio::test::run_cli_stopped_by_signal;
using mageio::test::TempDir;
using mageio::test::write_file;

namespace {

std::string zoo_dir(const std::string& name) { return (fs::path(MAGEIO_TEST_PLUGIN_DIR) / name).string(); }

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

}  // namespace

TEST_CASE("mageio load/export --isolate: a misbehaving plugin is an error naming it, mageio exits 1") {
  struct Case {
    std::string plugin, command, expected;
  };
  const Case cases[] = {
      {"zoo_open_segv", "load", "plugin 'zoo_open_segv' crashed with SIGSEGV during open"},
      {"zoo_load_exit3", "load", "plugin 'zoo_load_exit3' exited with status 3 during load"},
      {"zoo_mid_stream_abort", "load", "plugin 'zoo_mid_stream_abort' crashed with SIGABRT during load"},
      {"zoo_load_hang", "load", "plugin 'zoo_load_hang' made no progress for 1 s during load; stopped it"},
      {"zoo_export_segv", "export", "plugin 'zoo_export_segv' crashed with SIGSEGV during export"},
      {"zoo_export_hang", "export", "plugin 'zoo_export_hang' made no progress for 0.5 s during export; stopped it"},
  };
  TempDir work;
  write_file(work / "in.csv", "n\n1\n2\n");
  for (const auto& c : cases) {
    CAPTURE(c.plugin);
    std::vector<std::string> args{c.command,
                                  c.plugin,
                                  "--plugin-dir",
                                  zoo_dir(c.plugin),
                                  "--isolate",
                                  "--timeout",
                                  c.plugin == "zoo_export_hang" ? "0.5" : "1"};
    if (c.command == "load")
      args = with(args, {"--path", "x", "--format", "csv"});
    else
      args = with(args, {"--input", (work / "in.csv").string(), "--path", (work / "out").string()});
    CommandResult r = run_cli(args, work.path());
    INFO(describe(r));
    CHECK(r.killed_by == 0);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(c.expected) != std::string::npos);
  }
}

TEST_CASE("--timeout needs a positive number of seconds") {
  for (const std::string bad : {"0", "-1", "abc", "1s"}) {
    CommandResult r = run_cli({"load", "file", "--path", "x", "--isolate", "--timeout", bad});
    INFO(describe(r));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--timeout expects a positive number of seconds") != std::string::npos);
  }
}

TEST_CASE("isolated and in-process sqlite give the same rows, for load and export") {
  TempDir work;
  const std::string db = "SQLITE_DATABASE=" + (work / "t.db").string();
  write_file(work / "in.csv",
             "id,name,amount,day\n1,alpha,1.5,2024-01-02\n2,,-0.25,\n3,\xc3\xa9t\xc3\xa9,1e300,1999-12-31\n");
  for (const std::string mode : {"in-process", "isolated"}) {
    CAPTURE(mode);
    std::vector<std::string> extra =
        mode == "isolated" ? std::vector<std::string>{"--isolate"} : std::vector<std::string>{};
    CommandResult exported = run_cli(with({"export", "sqlite", "--set", db, "--input", (work / "in.csv").string(),
                                           "--table", "t_" + std::string(mode == "isolated" ? "iso" : "in"),
                                           "--column-type", "amount=float64", "--column-type", "day=date32"},
                                          extra),
                                     work.path());
    REQUIRE_MESSAGE(exported.exit_code == 0, describe(exported));
  }
  std::string outputs[2];
  int index = 0;
  for (const std::string table : {"t_in", "t_iso"}) {
    for (bool isolate : {false, true}) {
      std::vector<std::string> args{"load", "sqlite", "--set", db, "--table", table, "--format", "csv"};
      if (isolate) args.push_back("--isolate");
      CommandResult r = run_cli(args, work.path());
      REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
      if (!isolate)
        outputs[index++] = r.out;
      else
        CHECK(r.out == outputs[index - 1]);
    }
  }
  CHECK(outputs[0] == outputs[1]);
  CHECK(outputs[0].find("3,été,") != std::string::npos);
  // Partitioned: planned in one child, each rowid range read in a child of its own, in partition order.
  for (const std::string partitions : {"2", "3"}) {
    CommandResult r = run_cli(
        {"load", "sqlite", "--set", db, "--table", "t_in", "--format", "csv", "--isolate", "--partitions", partitions},
        work.path());
    REQUIRE_MESSAGE(r.exit_code == 0, describe(r));
    CHECK(r.out == outputs[0]);
    CHECK(r.err.find("one stream") == std::string::npos);
  }
}

TEST_CASE("isolated and in-process file plugin give the same rows, 100000 of them in many batches") {
  TempDir work;
  write_file(work / "in.csv", id_name_csv(100000));
  CommandResult in_process = run_cli({"load", "file", "--path", (work / "in.csv").string(), "--format", "csv"});
  CommandResult isolated =
      run_cli({"load", "file", "--path", (work / "in.csv").string(), "--format", "csv", "--isolate"});
  REQUIRE_MESSAGE(isolated.exit_code == 0, describe(isolated));
  CHECK(isolated.out == in_process.out);
  CHECK(isolated.out == id_name_csv(100000));
  CommandResult copied = run_cli({"copy", "file", "file", "--path", (work / "in.csv").string(), "--to-path",
                                  (work / "out.csv").string(), "--isolate"});
  REQUIRE_MESSAGE(copied.exit_code == 0, describe(copied));
  CHECK(read_file(work / "out.csv") == id_name_csv(100000));
}

TEST_CASE("SIGINT mid-copy with --isolate leaves a SQLite table as it was") {
  TempDir work;
  const std::string db = "SQLITE_DATABASE=" + (work / "dest.db").string();
  CommandResult made =
      run_cli({"exec", "sqlite", "--isolate", "--set", db, "--sql", "CREATE TABLE t (id INTEGER, name TEXT)", "--sql",
               "INSERT INTO t VALUES (-1, 'already here')"},
              work.path());
  REQUIRE_MESSAGE(made.exit_code == 0, describe(made));
  const fs::path fifo = work / "input.csv";
  CommandResult r = run_cli_stopped_by_signal({"copy", "file", "sqlite", "--isolate", "--path", fifo.string(),
                                               "--to-table", "t", "--if-exists", "replace", "--set", db},
                                              fifo, id_name_csv(300000), SIGINT, work.path());
  INFO(describe(r));
  CHECK(r.killed_by == 0);
  CHECK(r.exit_code == 128 + SIGINT);
  CHECK(r.err.find("cancel") != std::string::npos);
  CommandResult rows =
      run_cli({"load", "sqlite", "--set", db, "--query", "SELECT id, name FROM t", "--format", "csv"}, work.path());
  INFO(describe(rows));
  CHECK(rows.out == "id,name\n-1,already here\n");
}

TEST_CASE("SIGINT mid-export with --isolate leaves a CSV destination as it was") {
  TempDir work;
  TempDir out_dir;
  const fs::path dest = out_dir / "dest.csv";
  const std::string before = "id,name\n-1,already here\n";
  write_file(dest, before);
  const fs::path fifo = work / "input.csv";
  CommandResult r = run_cli_stopped_by_signal(
      {"export", "file", "--isolate", "--input", fifo.string(), "--path", dest.string(), "--if-exists", "append"}, fifo,
      id_name_csv(300000), SIGINT, work.path());
  INFO(describe(r));
  CHECK(r.exit_code == 128 + SIGINT);
  CHECK(read_file(dest) == before);
  CHECK(mageio::test::directory_entries(out_dir.path()) == std::vector<std::string>{"dest.csv"});
}

TEST_CASE("mageio test-plugin --isolate runs the kit with the plugin isolated and says so") {
  CommandResult r = run_cli({"test-plugin", "--isolate", "--plugin-dir", zoo_dir("memory"), "memory"});
  INFO(describe(r));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("running memory isolated (mageio-plugin-host)") != std::string::npos);
  CHECK(r.out.find(", isolated in mageio-plugin-host") != std::string::npos);
  CHECK(r.out.find(" 0 failed") != std::string::npos);
}

TEST_CASE(
    "the conformance kit passes the real sqlite and file plugins isolated (every type they carry, cancellation)") {
  TempDir work;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"test-plugin", "--isolate", "sqlite", "--set",
                                 "SQLITE_DATABASE=" + (work / "kit.db").string()},
        std::vector<std::string>{"test-plugin", "--isolate", "file"}}) {
    CommandResult r = run_cli(args, work.path());
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(", isolated in mageio-plugin-host") != std::string::npos);
    CHECK(r.out.find(" 0 failed") != std::string::npos);
    if (args[2] == "sqlite") {  // it declares partitions: plan + load_partition ran through the children
      CHECK(r.out.find("PASS  partitions.plan_and_load") != std::string::npos);
      CHECK(r.out.find("PASS  partitions.partition_on") != std::string::npos);
    }
  }
}
