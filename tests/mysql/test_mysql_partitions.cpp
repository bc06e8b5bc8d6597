// Partitioned loads from MariaDB (ABI 1.1): plans over the integer primary key or a partition_on column,
// each partition loaded on its own connection, compared with the one-stream load of the same rows.
#include "mysql_test_support.hpp"

#include <mageio/core/partitioned_load.hpp>

#include <algorithm>

using namespace mytest;
using Rows = std::vector<std::vector<std::string>>;

namespace {

Rows sorted(Rows rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Every partition of a plan, loaded one after the other on connections of their own.
Rows load_plan(const Server& s, const std::vector<std::string>& descriptors) {
  Rows all;
  for (const auto& descriptor : descriptors) {
    auto db = open(s);
    auto reader = db->load_partition(descriptor);
    auto rows = mageio::test::read_all_text(reader);
    all.insert(all.end(), rows.begin(), rows.end());
  }
  return all;
}

Rows partitioned(const Server& s, mageio::PartitionOptions plan, bool unordered = false) {
  auto reader = mageio::partitioned_load(open(s), [&] { return open(s); }, {.plan = plan, .unordered = unordered});
  return mageio::test::read_all_text(reader);
}

// id 1..n (primary key), a double, a decimal that is NULL every 10th row, text, a large unsigned value.
void create_table(Connector& db, const std::string& table, int64_t n) {
  exec(db, "CREATE TABLE " + q(table) +
               " (id BIGINT PRIMARY KEY, v DOUBLE, d DECIMAL(12,2), s VARCHAR(20), u BIGINT UNSIGNED)");
  if (n > 0)
    fill_numbers(db, table, "id, v, d, s, u",
                 "n, n / 7, IF(n % 10 = 0, NULL, n / 3), CONCAT('s', n), n * 1000000000000 + 9000000000000000000", n);
}

}  // namespace

TEST_CASE("a table splits over its integer primary key; partitions give the rows of one stream, in order") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("part");
  DropTable drop{*db, table};
  create_table(*db, table, 20000);
  const Rows expected = load_text(*db, {.table = table});
  REQUIRE(expected.size() == 20000);

  auto plan = db->plan_partitions({.load = {.table = table, .batch_rows = 1000}, .partitions = 4});
  CHECK(plan.size() == 4);
  for (const auto& d : plan) {
    CAPTURE(d);
    CHECK(d.find("\"plugin\":\"mysql\"") != std::string::npos);
    CHECK(d.find(s->password) == std::string::npos);  // never a secret
  }
  CHECK(load_plan(*s, plan) == expected);  // InnoDB reads in primary key order: even the order is the same
  CHECK(partitioned(*s, {.load = {.table = table}, .partitions = 4}) == expected);
  CHECK(sorted(partitioned(*s, {.load = {.table = table}, .partitions = 3}, true)) == sorted(expected));
}

TEST_CASE("partition_on a double, a decimal with NULLs and a BIGINT UNSIGNED beyond 2^63; and a query") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("part_on");
  DropTable drop{*db, table};
  create_table(*db, table, 5000);
  const Rows expected = sorted(load_text(*db, {.table = table}));
  for (const std::string column : {"v", "d", "u", "id"}) {
    CAPTURE(column);
    auto plan = db->plan_partitions({.load = {.table = table}, .partitions = 4, .partition_on = column});
    CHECK(plan.size() == 4);
    CHECK(sorted(load_plan(*s, plan)) == expected);
  }
  // NULLs of d go with the first partition, and only there.
  auto plan = db->plan_partitions({.load = {.table = table}, .partitions = 3, .partition_on = "d"});
  auto first = open(*s)->load_partition(plan.at(0));
  const auto first_rows = mageio::test::read_all_text(first);
  CHECK(std::count_if(first_rows.begin(), first_rows.end(), [](const auto& r) { return r[2] == "NULL"; }) == 500);

  const std::string sql = "SELECT id, s FROM " + q(table) + " WHERE id % 2 = 0";
  auto query_plan = db->plan_partitions({.load = {.query = sql}, .partitions = 4, .partition_on = "id"});
  CHECK(query_plan.size() == 4);
  CHECK(sorted(load_plan(*s, query_plan)) == sorted(load_text(*db, {.query = sql})));
  // Bounds narrow the ranges, never the rows: the first and last partitions stay open.
  auto bounded = db->plan_partitions({.load = {.table = table},
                                      .partitions = 4,
                                      .partition_on = "id",
                                      .lower_bound = int64_t{1000},
                                      .upper_bound = int64_t{2000}});
  CHECK(sorted(load_plan(*s, bounded)) == expected);
}

TEST_CASE("what cannot be split is one partition with a warning; empty tables and fewer rows than partitions") {
  auto s = server();
  if (!s) return;
  LogCapture log;
  auto db = open(*s, log.host);
  const std::string table = unique_name("part_one");
  const std::string nokey = unique_name("part_nokey");
  const std::string empty = unique_name("part_empty");
  const std::string tiny = unique_name("part_tiny");
  DropTable drop1{*db, table}, drop2{*db, nokey}, drop3{*db, empty}, drop4{*db, tiny};
  create_table(*db, table, 100);
  create_table(*db, empty, 0);
  create_table(*db, tiny, 2);
  exec(*db, "CREATE TABLE " + q(nokey) + " (a TEXT)");
  exec(*db, "INSERT INTO " + q(nokey) + " VALUES ('x'), ('y')");

  const std::string limited = "SELECT id FROM " + q(table) + " ORDER BY v DESC LIMIT 7";
  auto plan = db->plan_partitions({.load = {.query = limited}, .partitions = 4, .partition_on = "id"});
  CHECK(plan.size() == 1);
  CHECK(log.contains(MAGEIO_LOG_WARNING, "the query has a LIMIT"));
  CHECK(load_plan(*s, plan).size() == 7);
  // A LIMIT inside a string literal (with a backslash-escaped quote before it) is not one.
  const std::string quoted = "SELECT id, 'it\\'s no LIMIT' AS t FROM " + q(table);
  CHECK(db->plan_partitions({.load = {.query = quoted}, .partitions = 4, .partition_on = "id"}).size() == 4);

  CHECK(db->plan_partitions({.load = {.query = "SELECT * FROM " + q(table)}, .partitions = 4}).size() == 1);
  CHECK(log.contains(MAGEIO_LOG_WARNING, "a query splits only with partition_on"));
  auto no_key = db->plan_partitions({.load = {.table = nokey}, .partitions = 4});
  CHECK(no_key.size() == 1);
  CHECK(log.contains(MAGEIO_LOG_WARNING, "no single-column integer primary or unique key"));
  CHECK(load_plan(*s, no_key).size() == 2);

  auto empty_plan = db->plan_partitions({.load = {.table = empty}, .partitions = 4});
  CHECK(empty_plan.size() == 1);
  CHECK(load_plan(*s, empty_plan).empty());
  auto tiny_plan = db->plan_partitions({.load = {.table = tiny}, .partitions = 8});
  CHECK(tiny_plan.size() == 2);
  CHECK(sorted(load_plan(*s, tiny_plan)) == sorted(load_text(*db, {.table = tiny})));
}

TEST_CASE("bad partition requests and tampered descriptors get clear errors") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("part_bad");
  DropTable drop{*db, table};
  create_table(*db, table, 10);

  auto missing =
      error_of([&] { db->plan_partitions({.load = {.table = table}, .partitions = 2, .partition_on = "nope"}); });
  CHECK(missing.status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(std::string(missing.what()).find("(columns: id, v, d, s, u)") != std::string::npos);
  auto text = error_of([&] { db->plan_partitions({.load = {.table = table}, .partitions = 2, .partition_on = "s"}); });
  CHECK(text.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(text.what()).find("column 's' is VARCHAR") != std::string::npos);
  auto bound = error_of([&] {
    db->plan_partitions(
        {.load = {.table = table}, .partitions = 2, .partition_on = "id", .lower_bound = std::string("ten")});
  });
  CHECK(std::string(bound.what()).find("must be a number") != std::string::npos);
  auto no_table = error_of([&] { db->plan_partitions({.load = {.table = unique_name("none")}, .partitions = 2}); });
  CHECK(no_table.status() == MAGEIO_STATUS_NOT_FOUND);

  // A descriptor is text from anywhere: a bound that is not a number never reaches the SQL.
  auto plan = db->plan_partitions({.load = {.table = table}, .partitions = 2});
  REQUIRE(plan.size() == 2);
  std::string tampered = plan[1];
  const auto at = tampered.find("\"lo\":\"");
  REQUIRE(at != std::string::npos);
  tampered.insert(at + 6, "1 OR 1=1 -- ");
  auto injected = error_of([&] { db->load_partition(tampered); });
  CHECK(injected.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(injected.what()).find("bad integer") != std::string::npos);
  auto foreign = error_of([&] { db->load_partition(R"({"plugin":"sqlite","format":1,"table":"t"})"); });
  CHECK(foreign.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
}

TEST_CASE("mageio load and copy --partitions from MariaDB") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("part_cli");
  DropTable drop{*db, table};
  create_table(*db, table, 3000);
  mageio::test::TempDir dir;
  const std::string config = (dir / "io_config.yaml").string();
  mageio::test::write_file(config, "version: 0.1.1\ndefault:\n  MYSQL_HOST: " + s->host + "\n  MYSQL_PORT: " + s->port +
                                       "\n  MYSQL_USER: " + s->user +
                                       "\n  MYSQL_PASSWORD: \"{{ env_var('MAGEIO_TEST_MYSQL_PASSWORD') }}\"\n"
                                       "  MYSQL_DATABASE: " +
                                       s->database + "\n  SQLITE_DATABASE: " + (dir / "copy.sqlite").string() + "\n");
  const std::string one = (dir / "one.csv").string(), four = (dir / "four.csv").string();
  auto plain = mageio::test::run_cli({"load", "mysql", "--table", table, "--output", one, "--config", config});
  REQUIRE(plain.exit_code == 0);
  auto split = mageio::test::run_cli(
      {"load", "mysql", "--table", table, "--partitions", "4", "--output", four, "--config", config});
  CAPTURE(split.err);
  REQUIRE(split.exit_code == 0);
  CHECK(mageio::test::read_file(four) == mageio::test::read_file(one));

  auto copy = mageio::test::run_cli({"copy", "mysql", "sqlite", "--table", table, "--to-table", "copied",
                                     "--partitions", "3", "--partition-on", "v", "--config", config});
  CAPTURE(copy.err);
  REQUIRE(copy.exit_code == 0);
  CHECK(copy.err.find("3000 rows") != std::string::npos);
  auto bad = mageio::test::run_cli({"load", "mysql", "--table", table, "--partitions", "2", "--partition-on", "s",
                                    "--format", "null", "--config", config});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("column 's' is VARCHAR") != std::string::npos);
}
