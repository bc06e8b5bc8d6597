// Stopping an export into MariaDB mid-stream. SIGINT, SIGTERM and SIGHUP: the CLI cancels, the table is as it
// was, nothing is left behind (no staging table, nothing in $TMPDIR). SIGKILL (or a power cut): nothing of the
// client runs, so a staging table stays; the next export to the same target removes it, and never a live
// session's. (LOAD DATA needs no file in $TMPDIR; the pipe directories earlier versions left there are
// removed too.)
#include "mysql_test_support.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

using namespace mytest;
namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::describe;
using mageio::test::directory_entries;
using mageio::test::id_name_csv;
using mageio::test::run_cli;
using mageio::test::run_cli_stopped_by_signal;

namespace {

struct Setup {
  Server server;
  mageio::test::TempDir work;  // cwd, config and the FIFO
  mageio::test::TempDir tmp;   // the CLI's TMPDIR: where earlier versions made LOAD DATA pipe directories
  std::string config = (work / "io_config.yaml").string();
  std::map<std::string, std::string> env{{"TMPDIR", tmp.path().string()}};
};

std::unique_ptr<Setup> setup() {
  auto s = server();
  if (!s) return nullptr;
  auto out = std::make_unique<Setup>();
  out->server = *s;
  mageio::test::write_file(out->config, "version: 0.1.1\ndefault:\n  MYSQL_HOST: " + s->host +
                                            "\n  MYSQL_PORT: " + s->port + "\n  MYSQL_USER: " + s->user +
                                            "\n  MYSQL_PASSWORD: \"{{ env_var('MAGEIO_TEST_MYSQL_PASSWORD') }}\"\n"
                                            "  MYSQL_DATABASE: " +
                                            s->database + "\n  MYSQL_ALLOW_LOCAL_INFILE: true\n");
  return out;
}

void create_target(Connector& db, const std::string& table) {
  exec(db, "CREATE TABLE " + q(table) + " (id BIGINT, name VARCHAR(64))");
  exec(db, "INSERT INTO " + q(table) + " VALUES (-1, 'already here')");
}

std::vector<std::vector<std::string>> rows_of(Connector& db, const std::string& table) {
  return query(db, "SELECT id, name FROM " + q(table) + " ORDER BY id");
}

const std::vector<std::vector<std::string>> kBefore = {{"-1", "already here"}};

}  // namespace

TEST_CASE("SIGINT, SIGTERM and SIGHUP mid-export leave a MariaDB table as it was, with nothing left behind") {
  auto setup_ = setup();
  if (!setup_) return;
  auto& t = *setup_;
  auto db = open(t.server);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    for (std::string mode : {"append", "replace"}) {
      CAPTURE(signal_number);
      CAPTURE(mode);
      const std::string table = unique_name("signal");
      DropTable drop{*db, table};
      create_target(*db, table);
      const fs::path fifo = t.work / ("input" + std::to_string(signal_number) + mode + ".csv");
      CommandResult r = run_cli_stopped_by_signal(
          {"export", "mysql", "--input", fifo.string(), "--table", table, "--if-exists", mode, "--config", t.config},
          fifo, id_name_csv(300000), signal_number, t.work.path(), t.env);
      fs::remove(fifo);
      INFO(describe(r));
      CHECK(r.killed_by == 0);
      CHECK(r.exit_code == 128 + signal_number);
      CHECK(rows_of(*db, table) == kBefore);
      CHECK(leftovers(*db, table).empty());
      CHECK(directory_entries(t.tmp.path()).empty());
    }
  }
}

TEST_CASE("after a SIGKILL mid-export, the next export to the target removes the stale staging table") {
  auto setup_ = setup();
  if (!setup_) return;
  auto& t = *setup_;
  auto db = open(t.server);
  const std::string table = unique_name("killed");
  DropTable drop{*db, table};
  create_target(*db, table);
  const fs::path fifo = t.work / "input.csv";
  CommandResult r = run_cli_stopped_by_signal(
      {"export", "mysql", "--input", fifo.string(), "--table", table, "--if-exists", "replace", "--config", t.config},
      fifo, id_name_csv(300000), SIGKILL, t.work.path(), t.env);
  fs::remove(fifo);
  INFO(describe(r));
  REQUIRE(r.killed_by == SIGKILL);
  CHECK(rows_of(*db, table) == kBefore);

  // What the killed process left: its staging table, named for what and whose it is; nothing in $TMPDIR.
  auto stale = leftovers(*db, table);
  REQUIRE(stale.size() == 1);
  const std::string marker = "__mageio_stage_c";
  REQUIRE(stale[0].find(marker) != std::string::npos);
  const std::string owner = stale[0].substr(stale[0].find(marker) + marker.size(),
                                            stale[0].rfind('_') - stale[0].find(marker) - marker.size());
  CHECK(directory_entries(t.tmp.path()).empty());

  // A pipe directory as earlier versions left it after a SIGKILL, of a process that no longer exists.
  pid_t dead = 0;
  for (pid_t candidate = 4194000; candidate < 4194300 && dead == 0; ++candidate)
    if (kill(candidate, 0) != 0 && errno == ESRCH) dead = candidate;
  REQUIRE(dead != 0);
  const fs::path old_pipe_dir = t.tmp / ("mageio-mysql-" + std::to_string(dead) + "-aB3xYz");
  fs::create_directory(old_pipe_dir);
  REQUIRE(mkfifo((old_pipe_dir / "rows.pipe").c_str(), 0600) == 0);

  // The server ends the killed client's session once it notices the closed socket.
  for (int wait = 0; wait < 200; ++wait) {
    if (scalar(*db, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + owner) == "0") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  // A staging table of a session that is alive (this test's own connection) must survive the cleanup.
  const std::string live_id = scalar(*db, "SELECT CONNECTION_ID()");
  const std::string live_stage = table + "__mageio_stage_c" + live_id + "_abcdef";
  DropTable drop_live{*db, live_stage};
  exec(*db, "CREATE TABLE " + q(live_stage) + " (id BIGINT)");

  const std::string csv = (t.work / "small.csv").string();
  mageio::test::write_file(csv, "id,name\n1,one\n2,two\n");
  // An append into the (existing) target: every export cleans up, not only those that build a staging table.
  CommandResult next = run_cli({"export", "mysql", "--input", csv, "--table", table, "--if-exists", "append",
                                "--column-type", "id=int64", "--config", t.config},
                               t.work.path(), t.env);
  INFO(describe(next));
  REQUIRE(next.exit_code == 0);
  CHECK(rows_of(*db, table) ==
        std::vector<std::vector<std::string>>{{"-1", "already here"}, {"1", "one"}, {"2", "two"}});
  CHECK(leftovers(*db, table) == std::vector<std::string>{live_stage});
  CHECK(directory_entries(t.tmp.path()).empty());
}
