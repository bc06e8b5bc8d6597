// Partitioned loads (ABI 1.1) through the real CLI on the sqlite plugin: partitions hold exactly the
// rows of one stream (as a multiset), in partition order or unordered, copies stay whole, and bad
// requests are clear errors.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

using mageio::test::CommandResult;
using mageio::test::describe;
using mageio::test::run_cli;
using mageio::test::TempDir;

namespace {

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

CommandResult cli(const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin() + 2, {"--set", "SQLITE_DATABASE=" + (dir / "p.db").string()});
  return run_cli(args, dir.path());
}

// 10000 rows; every 7th v is NULL; ids with gaps.
void make_table(const TempDir& dir) {
  CommandResult r =
      cli(dir, {"exec", "sqlite", "--sql", "CREATE TABLE t(id INTEGER PRIMARY KEY, v REAL, s TEXT)", "--sql",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) "
                "INSERT INTO t SELECT i * 3, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 0.5 END, 'r' || i "
                "FROM n"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("partitions CLI: sqlite partitions hold exactly the rows of one stream") {
  TempDir dir;
  make_table(dir);
  CommandResult one = cli(dir, {"load", "sqlite", "--table", "t", "--format", "csv"});
  INFO(describe(one));
  REQUIRE(one.exit_code == 0);
  const auto expected = sorted_lines(one.out);
  REQUIRE(expected.size() == 10001);
  const std::vector<std::vector<std::string>> variants = {
      {"--partitions", "4"},
      {"--partitions", "3", "--unordered"},
      {"--partitions", "4", "--partition-on", "v"},
      {"--partitions", "5", "--partition-on", "id"},
  };
  for (const auto& extra : variants) {
    std::vector<std::string> args = {"load", "sqlite", "--table", "t", "--format", "csv"};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult r = cli(dir, args);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("one partition") == std::string::npos);
    CHECK(sorted_lines(r.out) == expected);
  }
  // In partition order, rowid ranges come out in rowid order: the same text as one stream.
  CommandResult ordered = cli(dir, {"load", "sqlite", "--table", "t", "--format", "csv", "--partitions", "4"});
  CHECK(ordered.out == one.out);
  // Fewer values than partitions: at most one partition per value.
  CommandResult few = cli(dir, {"load", "sqlite", "--query", "SELECT id FROM t WHERE id <= 30", "--format", "csv",
                                "--partitions", "50", "--partition-on", "id"});
  INFO(describe(few));
  REQUIRE(few.exit_code == 0);
  CHECK(sorted_lines(few.out).size() == 11);
  // A query ranges on a column of its result.
  CommandResult query = cli(dir, {"load", "sqlite", "--query", "SELECT id, v FROM t WHERE id > 300", "--format", "csv",
                                  "--partitions", "3", "--partition-on", "id"});
  CommandResult query_one =
      cli(dir, {"load", "sqlite", "--query", "SELECT id, v FROM t WHERE id > 300", "--format", "csv"});
  REQUIRE(query.exit_code == 0);
  CHECK(sorted_lines(query.out) == sorted_lines(query_one.out));
}

TEST_CASE("partitions CLI: what cannot be split is one partition, said on stderr") {
  TempDir dir;
  make_table(dir);
  CommandResult r = cli(dir, {"load", "sqlite", "--query", "SELECT * FROM t ORDER BY id LIMIT 5", "--format", "null",
                              "--partitions", "2", "--partition-on", "id"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("one partition") != std::string::npos);
  CHECK(r.out.find("5 rows") != std::string::npos);
  CommandResult empty_table = cli(dir, {"exec", "sqlite", "--sql", "CREATE TABLE e(id INTEGER)"});
  REQUIRE(empty_table.exit_code == 0);
  CommandResult e = cli(dir, {"load", "sqlite", "--table", "e", "--format", "null", "--partitions", "3"});
  INFO(describe(e));
  REQUIRE(e.exit_code == 0);
  CHECK(e.out.find("0 rows") != std::string::npos);
}

TEST_CASE("partitions CLI: bad requests are clear errors") {
  TempDir dir;
  make_table(dir);
  CommandResult zero = cli(dir, {"load", "sqlite", "--table", "t", "--partitions", "0"});
  CHECK(zero.exit_code != 0);
  CHECK(zero.err.find("--partitions must be at least 1") != std::string::npos);
  CommandResult missing = cli(dir, {"load", "sqlite", "--table", "t", "--partitions", "2", "--partition-on", "nope"});
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("'nope' is not a column") != std::string::npos);
  CHECK(missing.err.find("id, v, s") != std::string::npos);
  CommandResult text = cli(dir, {"load", "sqlite", "--table", "t", "--partitions", "2", "--partition-on", "s"});
  CHECK(text.exit_code != 0);
  CHECK(text.err.find("only on integer or real values") != std::string::npos);
  CommandResult many = cli(dir, {"load", "sqlite", "--table", "t", "--partitions", "100000"});
  CHECK(many.exit_code != 0);
  CHECK(many.err.find("at most 256") != std::string::npos);
  CommandResult alone = cli(dir, {"load", "sqlite", "--table", "t", "--partition-on", "id"});
  CHECK(alone.exit_code != 0);
  CHECK(alone.err.find("need --partitions") != std::string::npos);
}

TEST_CASE("partitions CLI: a partitioned copy writes every row once") {
  TempDir dir;
  make_table(dir);
  CommandResult r = cli(dir, {"copy", "sqlite", "sqlite", "--table", "t", "--to-table", "t2", "--partitions", "4"});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("copied 10000 rows") != std::string::npos);
  CommandResult check = cli(
      dir, {"load", "sqlite", "--query", "SELECT count(*), count(DISTINCT id), sum(id) FROM t2", "--format", "csv"});
  CHECK(check.out.find("10000,10000,150015000") != std::string::npos);
}
