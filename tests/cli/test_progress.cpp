// The progress line of load, export and copy, seen the way a person sees it: the real CLI runs on a
// pseudo-terminal (stdout and stderr both the pty) and the test reads everything the terminal got.
// Without a terminal -- plain run_cli, stderr a pipe -- nothing of it may appear unless --progress.
#include "test_support.hpp"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::TempDir;

namespace {

constexpr const char* kClear = "\r\x1b[K";  // carriage return + erase to end of line

// Enough rows for a few batches (the SDK and the file plugin report after each one).
constexpr int kRows = 300000;

// A CSV of kRows rows in `dir`.
std::string big_csv(const TempDir& dir) {
  const fs::path path = dir / "big.csv";
  std::ofstream out(path, std::ios::binary);
  out << "id,name,amount\n";
  for (int i = 0; i < kRows; ++i) out << i << ",name" << i << ',' << (i % 1000) << ".25\n";
  return path.string();
}

// Runs the CLI with stdin, stdout and stderr on a new pseudo-terminal (forkpty), in `cwd`, and returns
// its exit status and everything written to the terminal.
CommandResult run_on_terminal(const std::vector<std::string>& args, const fs::path& cwd) {
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) throw std::runtime_error("forkpty failed");
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(127);
    std::vector<char*> argv{const_cast<char*>(MAGEIO_CLI_PATH)};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  CommandResult result;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(master, buffer, sizeof buffer);
    if (n > 0) {
      result.err.append(buffer, static_cast<size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EIO once the child has closed its side of the terminal
    }
  }
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\r' ? std::string("\\r") : c == '\x1b' ? std::string("\\e") : std::string(1, c);
  return out;
}

// At least one redraw with rows and a rate, and the line erased after the last one.
void check_progress_shown_and_cleared(const std::string& terminal) {
  INFO("terminal: " << escaped(terminal));
  CHECK(contains(terminal, " rows/s"));
  const size_t last_update = terminal.rfind(" rows/s");
  REQUIRE(last_update != std::string::npos);
  CHECK(contains(terminal.substr(0, last_update), " rows  "));
  // A redraw ends with erase-to-end-of-line after its text; only the final clear has it right after \r.
  CHECK(terminal.find(kClear, last_update) != std::string::npos);
}

void check_no_progress(const std::string& text) {
  INFO("output: " << escaped(text));
  CHECK_FALSE(contains(text, "rows/s"));
  CHECK_FALSE(contains(text, "\x1b[K"));
}

}  // namespace

TEST_CASE("load on a terminal shows the progress line, then clears it before the count") {
  TempDir dir;
  const std::string csv = big_csv(dir);
  CommandResult r = run_on_terminal({"load", "file", "--path", csv, "--format", "null"}, dir.path());
  CHECK(r.exit_code == 0);
  check_progress_shown_and_cleared(r.err);
  // The result comes after the line is gone, on a clean line.
  const size_t count = r.err.rfind(std::to_string(kRows) + " rows");
  REQUIRE(count != std::string::npos);
  CHECK(r.err.rfind(kClear) < count);
}

TEST_CASE("copy on a terminal shows one progress line of the rows flowing") {
  TempDir dir;
  const std::string csv = big_csv(dir);
  const std::string db = "SQLITE_DATABASE=" + (dir / "out.db").string();
  CommandResult r =
      run_on_terminal({"copy", "file", "sqlite", "--set", db, "--path", csv, "--to-table", "big"}, dir.path());
  CHECK(r.exit_code == 0);
  check_progress_shown_and_cleared(r.err);
  CHECK(contains(r.err, "copied " + std::to_string(kRows) + " rows"));
}

TEST_CASE("--quiet on a terminal shows no progress line") {
  TempDir dir;
  const std::string csv = big_csv(dir);
  CommandResult r = run_on_terminal({"load", "file", "--path", csv, "--format", "null", "--quiet"}, dir.path());
  CHECK(r.exit_code == 0);
  check_no_progress(r.err);
  CHECK(contains(r.err, std::to_string(kRows) + " rows"));
}

TEST_CASE("without a terminal there is no progress line, unless --progress") {
  TempDir dir;
  const std::string csv = big_csv(dir);
  CommandResult plain = mageio::test::run_cli({"load", "file", "--path", csv, "--format", "null"}, dir.path());
  CHECK(plain.exit_code == 0);
  check_no_progress(plain.err);
  CHECK(plain.out == std::to_string(kRows) + " rows\n");

  CommandResult forced =
      mageio::test::run_cli({"load", "file", "--path", csv, "--format", "null", "--progress"}, dir.path());
  CHECK(forced.exit_code == 0);
  check_progress_shown_and_cleared(forced.err);
  CHECK(forced.out == std::to_string(kRows) + " rows\n");  // stdout stays clean

  const std::string db = "SQLITE_DATABASE=" + (dir / "out.db").string();
  CommandResult exported = mageio::test::run_cli(
      {"export", "sqlite", "--set", db, "--input", csv, "--table", "big", "--progress"}, dir.path());
  CHECK(exported.exit_code == 0);
  check_progress_shown_and_cleared(exported.err);
  CHECK(contains(exported.err, "exported " + std::to_string(kRows) + " rows"));
}

TEST_CASE("a source that knows its row count gets a total and an ETA") {
  // The numbers fixture reports progress itself, with its total.
  const std::string numbers_dir = std::string(MAGEIO_TEST_PLUGIN_DIR) + "/numbers";
  TempDir dir;
  CommandResult r = mageio::test::run_cli(
      {"load", "numbers", "--plugin-dir", numbers_dir, "--path", "200000", "--format", "null", "--progress"},
      dir.path());
  CHECK(r.exit_code == 0);
  check_progress_shown_and_cleared(r.err);
  CHECK(contains(r.err, "  of 200,000  ETA "));
}
