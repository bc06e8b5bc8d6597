// The postgres plugin when things go wrong around it, through the real CLI against the throwaway server:
//  * the server stops answering (its backend process SIGSTOPped) mid-load and mid-export: a read
//    timeout ends the command with an error naming the server, and without one SIGINT/SIGTERM still
//    end it (exit 130/143) although the server cannot answer the cancel request; the destination
//    table is unchanged once the backend runs again;
//  * two exports at once into a table that does not exist yet both succeed (append and replace);
//  * a client SIGKILLed mid-replace or mid-upsert leaves no staging relation and the target unchanged.
// Hangs are detected with generous bounds (the command is killed and the test fails): these are not
// timing assertions.
#include "pg_test_support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

namespace fs = std::filesystem;
using namespace pgtest;
using mageio::test::CommandResult;
using mageio::test::describe;
using mageio::test::read_file;
using mageio::test::TempDir;
using mageio::test::write_file;

namespace {

std::string io_config() { return mageio::test::server_env("MAGEIO_TEST_IO_CONFIG").value_or(""); }

// The CLI arguments that select the test server's profile, with a unique application_name so that the
// test can find the command's backend in pg_stat_activity, and any further --set KEY=VALUE.
std::vector<std::string> with_server(std::vector<std::string> args, const std::string& application,
                                     const std::vector<std::string>& sets = {}) {
  args.insert(args.end(),
              {"--config", io_config(), "--set", "POSTGRES_CONNECTION_PARAMS=application_name=" + application});
  for (const auto& set : sets) args.insert(args.end(), {"--set", set});
  return args;
}

// A CLI process started in the background (stdout/stderr to files), its input optionally a FIFO fed
// endlessly by a thread with CSV rows "id,name" -- the command never sees the end of its input. The
// argument "FIFO" stands for the FIFO's path.
class Background {
 public:
  Background(const std::vector<std::string>& args, bool feed_fifo) {
    ::signal(SIGPIPE, SIG_IGN);  // the feeder's write fails with EPIPE once the command is gone
    if (feed_fifo && mkfifo(fifo().c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      const int null_in = open("/dev/null", O_RDONLY);
      const int out = open((dir_ / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err = open((dir_ / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (null_in < 0 || out < 0 || err < 0) _exit(127);
      dup2(null_in, 0);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<std::string> argv{MAGEIO_CLI_PATH, "--progress"};
      for (const auto& arg : args) argv.push_back(arg == "FIFO" ? fifo().string() : arg);
      std::vector<char*> pointers;
      for (auto& arg : argv) pointers.push_back(arg.data());
      pointers.push_back(nullptr);
      execv(pointers[0], pointers.data());
      _exit(127);
    }
    if (feed_fifo) feeder_ = std::thread([this] { feed(); });
  }
  ~Background() {
    if (!status_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    stop_feeding_ = true;
    if (feeder_.joinable()) feeder_.join();
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  fs::path fifo() const { return dir_ / "input.csv"; }
  pid_t pid() const { return pid_; }
  std::string err() const { return read_file(dir_ / "stderr"); }

  /// Waits until the progress line reports rows (the work is under way); false after 30 s or when the
  /// command ended first.
  bool wait_for_rows() {
    for (int i = 0; i < 3000; ++i) {
      if (err().find("rows") != std::string::npos) return true;
      if (exited()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  /// How the command ended, or nullopt when it is still running after `seconds` (it is then killed:
  /// the caller reports a hang).
  std::optional<CommandResult> wait(int seconds) {
    for (int i = 0; i < seconds * 100 && !exited(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!exited()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      status_ = -1;
      return std::nullopt;
    }
    CommandResult result;
    result.exit_code = WIFEXITED(*status_) ? WEXITSTATUS(*status_) : 128 + WTERMSIG(*status_);
    result.killed_by = WIFSIGNALED(*status_) ? WTERMSIG(*status_) : 0;
    result.out = read_file(dir_ / "stdout");
    result.err = err();
    return result;
  }

 private:
  bool exited() {
    if (status_) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    return status_.has_value();
  }

  void feed() {
    int writer = -1;
    while (writer < 0 && !stop_feeding_) {
      writer = open(fifo().c_str(), O_WRONLY | O_NONBLOCK);
      if (writer < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (writer < 0) return;
    fcntl(writer, F_SETFL, fcntl(writer, F_GETFL) & ~O_NONBLOCK);
    std::string chunk = "id,name\n";
    for (int64_t id = 0; !stop_feeding_;) {
      for (int i = 0; i < 10000; ++i, ++id) chunk += std::to_string(id) + ",row number " + std::to_string(id) + "\n";
      for (size_t written = 0; written < chunk.size();) {
        const ssize_t n = write(writer, chunk.data() + written, chunk.size() - written);
        if (n <= 0) {
          close(writer);
          return;
        }
        written += static_cast<size_t>(n);
      }
      chunk.clear();
    }
    close(writer);
  }

  TempDir dir_;
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::thread feeder_;
  std::atomic<bool> stop_feeding_{false};
};

// The pid of the backend serving `application`, waiting up to 30 s for it to appear (0 if it never does).
int backend_of(Connector& db, const std::string& application) {
  for (int i = 0; i < 300; ++i) {
    auto rows = query(db, "SELECT pid FROM pg_stat_activity WHERE application_name = '" + application + "'");
    if (!rows.empty()) return std::stoi(rows[0][0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return 0;
}

// Waits (up to 60 s) until no backend serves `application` any more: its transaction is over.
bool backend_gone(Connector& db, const std::string& application) {
  for (int i = 0; i < 600; ++i) {
    if (scalar(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + application + "'") == "0")
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// SIGSTOPs a backend for its lifetime; SIGCONT on destruction, whatever happened in between.
class StoppedBackend {
 public:
  explicit StoppedBackend(int pid) : pid_(pid) { REQUIRE(kill(pid_, SIGSTOP) == 0); }
  ~StoppedBackend() { kill(pid_, SIGCONT); }
  StoppedBackend(const StoppedBackend&) = delete;
  StoppedBackend& operator=(const StoppedBackend&) = delete;

 private:
  int pid_;
};

std::string server_address(const Server& s) { return s.host + ":" + s.port; }

// A query that streams rows for far longer than any test runs (a set-returning function in the select
// list is streamed; in FROM it would be materialized first).
const std::string kEndlessQuery =
    "SELECT g, repeat('x', 100) AS filler FROM (SELECT generate_series(1, 2000000000) AS g) AS s";

void make_table_with_one_row(Connector& db, const std::string& table, bool primary_key = false) {
  exec(db, "CREATE TABLE " + q(table) + " (id bigint" + (primary_key ? " PRIMARY KEY" : "") + ", name text)");
  exec(db, "INSERT INTO " + q(table) + " VALUES (-1, 'already here')");
}

const std::vector<std::vector<std::string>> kOneRow = {{"-1", "already here"}};

}  // namespace

TEST_CASE("a load from a stopped server ends with a read timeout that names the server") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string application = unique_name("mageio_stop_load");
  Background cli(with_server({"load", "postgres", "--query", kEndlessQuery, "--format", "null"}, application,
                             {"POSTGRES_READ_TIMEOUT=2"}),
                 false);
  REQUIRE_MESSAGE(cli.wait_for_rows(), cli.err());
  const int backend = backend_of(*db, application);
  REQUIRE(backend > 0);
  StoppedBackend stopped(backend);
  auto result = cli.wait(60);
  REQUIRE_MESSAGE(result, (std::string("the load did not end although POSTGRES_READ_TIMEOUT=2; stderr: ") + cli.err()));
  INFO(describe(*result));
  CHECK(result->exit_code != 0);
  CHECK(result->killed_by == 0);
  CHECK(result->err.find("POSTGRES_READ_TIMEOUT") != std::string::npos);
  CHECK(result->err.find(server_address(*s)) != std::string::npos);
}

TEST_CASE("SIGINT or SIGTERM ends a load from a stopped server") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  for (int signal_number : {SIGINT, SIGTERM}) {
    CAPTURE(signal_number);
    const std::string application = unique_name("mageio_stop_load");
    Background cli(with_server({"load", "postgres", "--query", kEndlessQuery, "--format", "null"}, application), false);
    REQUIRE_MESSAGE(cli.wait_for_rows(), cli.err());
    const int backend = backend_of(*db, application);
    REQUIRE(backend > 0);
    StoppedBackend stopped(backend);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the client has drained what was sent
    kill(cli.pid(), signal_number);
    auto result = cli.wait(10);
    REQUIRE_MESSAGE(result, (std::string("the load did not end after the signal (hang); stderr: ") + cli.err()));
    INFO(describe(*result));
    CHECK(result->killed_by == 0);
    CHECK(result->exit_code == 128 + signal_number);
    CHECK(result->err.find("cancel") != std::string::npos);
  }
}

// Exports an endless FIFO into a table holding one row, stops the backend mid-COPY, and ends the command
// with `signal_number` (0: POSTGRES_READ_TIMEOUT=2 must end it); then lets the backend run again and
// checks that the table still holds exactly its one row.
static void stop_export(Connector& db, const Server& s, const std::string& mode, int signal_number) {
  const std::string table = unique_name("stop_export");
  make_table_with_one_row(db, table);
  const std::string application = unique_name("mageio_stop_export");
  std::vector<std::string> sets;
  if (signal_number == 0) sets.push_back("POSTGRES_READ_TIMEOUT=2");
  Background cli(
      with_server({"export", "postgres", "--input", "FIFO", "--table", table, "--if-exists", mode}, application, sets),
      true);
  REQUIRE_MESSAGE(cli.wait_for_rows(), cli.err());
  std::optional<CommandResult> result;
  {
    const int backend = backend_of(db, application);
    REQUIRE(backend > 0);
    StoppedBackend stopped(backend);
    if (signal_number != 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the socket buffers have filled
      kill(cli.pid(), signal_number);
      result = cli.wait(10);
    } else {
      result = cli.wait(60);
    }
  }  // SIGCONT: the backend finds its client gone and rolls back
  REQUIRE_MESSAGE(result, (std::string("the export did not end (hang); stderr: ") + cli.err()));
  INFO(describe(*result));
  CHECK(result->killed_by == 0);
  if (signal_number == 0) {
    CHECK(result->exit_code != 0);
    CHECK(result->err.find("POSTGRES_READ_TIMEOUT") != std::string::npos);
    CHECK(result->err.find(server_address(s)) != std::string::npos);
  } else {
    CHECK(result->exit_code == 128 + signal_number);
    CHECK(result->err.find("cancel") != std::string::npos);
  }
  REQUIRE(backend_gone(db, application));
  CHECK(query(db, "SELECT id, name FROM " + q(table) + " ORDER BY id") == kOneRow);
  exec(db, "DROP TABLE " + q(table));
}

TEST_CASE("an export into a stopped server ends with a read timeout and leaves the table unchanged") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  for (const std::string mode : {"append", "replace"}) {
    CAPTURE(mode);
    stop_export(*db, *s, mode, 0);
  }
}

TEST_CASE("SIGINT or SIGTERM ends an export into a stopped server and leaves the table unchanged") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  for (int signal_number : {SIGINT, SIGTERM}) {
    for (const std::string mode : {"append", "replace"}) {
      CAPTURE(signal_number);
      CAPTURE(mode);
      stop_export(*db, *s, mode, signal_number);
    }
  }
}

TEST_CASE("two exports at once into a table that does not exist yet both succeed") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  TempDir work;
  const int rows = 20000;
  std::string csv = "id,name\n";
  for (int i = 0; i < rows; ++i) csv += std::to_string(i) + ",name " + std::to_string(i) + "\n";
  const fs::path input = work / "input.csv";
  write_file(input, csv);
  for (const std::string mode : {"append", "replace"}) {
    for (int round = 0; round < 4; ++round) {
      CAPTURE(mode);
      CAPTURE(round);
      const std::string table = unique_name("race");
      const auto args = with_server(
          {"export", "postgres", "--input", input.string(), "--table", table, "--if-exists", mode}, "mageio_race");
      CommandResult first, second;
      std::thread other([&] { second = mageio::test::run_cli(args); });
      first = mageio::test::run_cli(args);
      other.join();
      CHECK_MESSAGE(first.exit_code == 0, describe(first));
      CHECK_MESSAGE(second.exit_code == 0, describe(second));
      const int expected = mode == "append" ? 2 * rows : rows;
      CHECK(scalar(*db, "SELECT count(*) FROM " + q(table)) == std::to_string(expected));
      CHECK(scalar(*db, "SELECT count(DISTINCT id) FROM " + q(table)) == std::to_string(rows));
      exec(*db, "DROP TABLE " + q(table));
    }
  }
}

TEST_CASE("a client SIGKILLed mid-replace or mid-upsert leaves no staging relation and the target unchanged") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  struct Case {
    const char* name;
    bool primary_key;
    std::vector<std::string> options;
  };
  const Case cases[] = {
      {"replace, same columns (TRUNCATE + COPY)", false, {"--if-exists", "replace"}},
      {"replace, other columns (DROP + CREATE + COPY)", false, {"--if-exists", "replace", "--column-type", "id=utf8"}},
      {"upsert (staging table)",
       true,
       {"--if-exists", "append", "--unique-constraints", "id", "--unique-conflict-method", "update"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const std::string table = unique_name("killed");
    make_table_with_one_row(*db, table, c.primary_key);
    const std::string oid_before = scalar(*db, "SELECT " + std::string("'public.") + table + "'::regclass::oid");
    const std::string application = unique_name("mageio_killed");
    std::vector<std::string> args{"export", "postgres", "--input", "FIFO", "--table", table};
    args.insert(args.end(), c.options.begin(), c.options.end());
    Background cli(with_server(args, application), true);
    REQUIRE_MESSAGE(cli.wait_for_rows(), cli.err());
    const int backend = backend_of(*db, application);
    REQUIRE(backend > 0);
    kill(cli.pid(), SIGKILL);
    auto result = cli.wait(30);
    REQUIRE(result);
    CHECK(result->killed_by == SIGKILL);
    // The server notices the connection is gone and rolls the transaction back.
    REQUIRE(backend_gone(*db, application));
    // The plugin names its staging tables mageio_staging_<backend pid>_<random> (other suites on the
    // same server may have their own meanwhile), and nothing else it may have created survives either.
    CHECK(scalar(*db, "SELECT count(*) FROM pg_class WHERE relname LIKE 'mageio\\_staging\\_" +
                          std::to_string(backend) + "\\_%' OR relname LIKE '" + table + "%'") ==
          (c.primary_key ? "2" : "1"));  // the table (and its primary key's index)
    CHECK(scalar(*db, "SELECT " + std::string("'public.") + table + "'::regclass::oid") == oid_before);
    CHECK(query(*db, "SELECT id, name FROM " + q(table) + " ORDER BY id") == kOneRow);
    exec(*db, "DROP TABLE " + q(table));
  }
}
