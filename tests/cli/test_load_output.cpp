// `mageio load ... --format csv|jsonl [--output FILE]`: where the rows go and what the user is told.
// The rows are written by the file plugin's export, but an error is the load's (the user ran `load`);
// an output that is not a regular file (/dev/null, a FIFO, a process substitution's /dev/fd/N) is
// written directly; floats come out in their shortest plain form; a value after the inference sample
// that is not a canonical spelling of its column's type is an error, not a re-spelt value.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::read_file;
using mageio::test::run_cli;
using mageio::test::run_program;
using mageio::test::TempDir;
using mageio::test::write_file;

namespace {

std::string show(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("load: an empty JSON Lines file prints nothing and is not an export error") {
  TempDir dir;
  write_file(dir / "empty.jsonl", "");
  for (const char* format : {"jsonl", "csv"}) {
    CommandResult r = run_cli({"load", "file", "--path", (dir / "empty.jsonl").string(), "--format", format});
    CHECK_MESSAGE(r.exit_code == 0, show(r));
    CHECK_MESSAGE(r.out.empty(), show(r));
    CHECK_MESSAGE(!contains(r.err, "export"), show(r));
  }
}

TEST_CASE("load: an error writing the rows says load, not export") {
  TempDir dir;
  write_file(dir / "in.csv", "a\n1\n");
  CommandResult r = run_cli({"load", "file", "--path", (dir / "in.csv").string(), "--format", "csv", "--output",
                             (dir / "no" / "such" / "out.csv").string()});
  CHECK_MESSAGE(r.exit_code == 1, show(r));
  CHECK_MESSAGE(contains(r.err, "mageio: error: load: cannot write the rows to " + (dir / "no/such/out.csv").string()),
                show(r));
  CHECK_MESSAGE(!contains(r.err, "file export"), show(r));
  // An error of the source itself is told as it is.
  write_file(dir / "bad.csv", "a\n1\nx\n");
  r = run_cli({"load", "file", "--path", (dir / "bad.csv").string(), "--format", "jsonl", "--option", "infer_rows=1"});
  CHECK_MESSAGE(r.exit_code == 1, show(r));
  CHECK_MESSAGE(contains(r.err, "mageio: error: load: " + (dir / "bad.csv").string() + ":3: column \"a\""), show(r));
  CHECK_MESSAGE(!contains(r.err, "export"), show(r));
}

TEST_CASE("load: --output that is not a regular file is written directly") {
  TempDir dir;
  write_file(dir / "in.csv", "a,b\n1,x\n2,y\n");
  const std::string in = (dir / "in.csv").string();
  SUBCASE("/dev/null") {
    for (const char* format : {"csv", "jsonl"}) {
      CommandResult r = run_cli({"load", "file", "--path", in, "--format", format, "--output", "/dev/null"});
      CHECK_MESSAGE(r.exit_code == 0, show(r));
    }
    CHECK(fs::is_character_file("/dev/null"));
  }
  SUBCASE("a FIFO") {
    const fs::path fifo = dir / "out.fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::string received;
    std::thread reader([&] {
      std::ifstream in_fifo(fifo, std::ios::binary);
      std::ostringstream all;
      all << in_fifo.rdbuf();
      received = all.str();
    });
    CommandResult r = run_cli({"load", "file", "--path", in, "--format", "jsonl", "--output", fifo.string()});
    reader.join();
    CHECK_MESSAGE(r.exit_code == 0, show(r));
    CHECK(received == "{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":\"y\"}\n");
    CHECK(fs::is_fifo(fifo));
  }
  SUBCASE("a process substitution (/dev/fd/N)") {
    const fs::path out = dir / "out.csv";
    CommandResult r = run_program({"bash", "-c",
                                   "\"$0\" load file --path \"$1\" --format csv --output >(cat > \"$2\"); "
                                   "status=$?; wait; exit $status",
                                   MAGEIO_CLI_PATH, in, out.string()});
    CHECK_MESSAGE(r.exit_code == 0, show(r));
    CHECK(read_file(out) == "a,b\n1,x\n2,y\n");
    // Nothing was left beside the target.
    for (const auto& entry : fs::directory_iterator(dir.path())) {
      CHECK_MESSAGE(!contains(entry.path().filename().string(), "mageio"), entry.path());
    }
  }
}

TEST_CASE("load: floats are printed in their shortest plain form") {
  TempDir dir;
  write_file(dir / "f.csv", "x\n0.0002\n1500000\n0.1\n1e-10\n");
  const std::string in = (dir / "f.csv").string();
  // 1500000 is read as float64 because the column holds fractions: export writes it as 1500000.0.
  CommandResult r = run_cli({"load", "file", "--path", in, "--format", "csv"});
  CHECK_MESSAGE(r.exit_code == 0, show(r));
  CHECK(r.out == "x\n0.0002\n1500000.0\n0.1\n1e-10\n");
  r = run_cli({"load", "file", "--path", in});
  CHECK_MESSAGE(r.exit_code == 0, show(r));
  CHECK_MESSAGE(contains(r.out, "0.0002"), show(r));
  CHECK_MESSAGE(!contains(r.out, "2e-04"), show(r));
}

TEST_CASE("load: a ZIP code after the sample is an error, not a re-spelt number") {
  TempDir dir;
  write_file(dir / "zip.csv", "zip\n8901\n08989\n");
  CommandResult r =
      run_cli({"load", "file", "--path", (dir / "zip.csv").string(), "--format", "csv", "--option", "infer_rows=1"});
  CHECK_MESSAGE(r.exit_code == 1, show(r));
  CHECK_MESSAGE(contains(r.err, ":3: column \"zip\": \"08989\" is not an int64"), show(r));
  CHECK_MESSAGE(contains(r.err, "--column-type zip=utf8"), show(r));
  CHECK_MESSAGE(!contains(r.out, "8989\n"), show(r));
}
