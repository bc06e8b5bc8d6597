// Partitioned loads of files through the real CLI: `mageio load file --partitions N` writes the very
// bytes of the single load (partitions in order), a partitioned copy into sqlite holds every row once,
// and what cannot be split (a quoted field over two lines, standard input) is one partition said on
// stderr.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

using mageio::test::CommandResult;
using mageio::test::describe;
using mageio::test::run_cli;
using mageio::test::TempDir;

namespace {

std::string write(const TempDir& dir, const std::string& name, const std::string& bytes) {
  const std::string path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string jsonl(int rows) {
  std::string out;
  for (int i = 1; i <= rows; ++i)
    out += "{\"id\": " + std::to_string(i) + ", \"s\": \"ß語🙂" + std::to_string(i * 7) +
           "\", \"v\": " + (i % 9 ? std::to_string(i) + ".25" : "null") + "}\r\n";
  return out;
}

std::string csv(int rows) {
  std::string out = "id,s,v\n";
  for (int i = 1; i <= rows; ++i)
    out += std::to_string(i) + ",\"a,\"\"b\"\" 語" + std::to_string(i) + "\"," + std::to_string(i % 11) + "\n";
  return out;
}

CommandResult ok(const TempDir& dir, const std::vector<std::string>& args) {
  CommandResult r = run_cli(args, dir.path());
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return r;
}

}  // namespace

TEST_CASE("file partitions CLI: --partitions 3 writes the single load's bytes") {
  TempDir dir;
  for (const auto& path : {write(dir, "a.jsonl", jsonl(20000)), write(dir, "a.csv", csv(20000))}) {
    for (const char* format : {"csv", "jsonl"}) {
      CAPTURE(path);
      CAPTURE(format);
      CommandResult one = ok(dir, {"load", "file", "--path", path, "--format", format});
      CommandResult three = ok(dir, {"load", "file", "--path", path, "--format", format, "--partitions", "3"});
      CHECK(three.err.find("one partition") == std::string::npos);
      CHECK(three.err.find("does not support partitioned loads") == std::string::npos);
      CHECK(one.out.size() > 100000);
      CHECK(three.out == one.out);
    }
  }
}

TEST_CASE("file partitions CLI: a partitioned copy into sqlite holds every row once") {
  TempDir dir;
  const std::string path = write(dir, "c.jsonl", jsonl(9000));
  const std::string db = "SQLITE_DATABASE=" + (dir / "p.db").string();
  CommandResult copy =
      ok(dir, {"copy", "file", "sqlite", "--path", path, "--to-table", "t", "--set", db, "--partitions", "3"});
  CHECK(copy.err.find("copied 9000 rows") != std::string::npos);
  CHECK(copy.err.find("does not support partitioned loads") == std::string::npos);
  CommandResult check = ok(dir, {"load", "sqlite", "--set", db, "--format", "csv", "--query",
                                 "SELECT count(*), count(DISTINCT id), sum(id), count(v) FROM t"});
  CHECK(check.out.find("9000,9000,40504500,8000") != std::string::npos);
}

TEST_CASE("file partitions CLI: what cannot be split is one partition, said on stderr") {
  TempDir dir;
  const std::string multi = write(dir, "m.csv", csv(100) + "101,\"two\nlines\",1\n" + csv(100).substr(7));
  CommandResult one = ok(dir, {"load", "file", "--path", multi, "--format", "csv"});
  CommandResult split = ok(dir, {"load", "file", "--path", multi, "--format", "csv", "--partitions", "3"});
  CHECK(split.err.find("one partition: a quoted field spans lines") != std::string::npos);
  CHECK(split.out == one.out);
  CommandResult in =
      run_cli({"load", "file", "--path", "-", "--option", "format=jsonl", "--format", "csv", "--partitions", "2"},
              dir.path(), {}, jsonl(50));
  INFO(describe(in));
  REQUIRE(in.exit_code == 0);
  CHECK(in.err.find("standard input can be read only once") != std::string::npos);
  CommandResult column =
      run_cli({"load", "file", "--path", multi, "--partitions", "2", "--partition-on", "id"}, dir.path());
  CHECK(column.exit_code != 0);
  CHECK(column.err.find("cannot range on a column") != std::string::npos);
}
