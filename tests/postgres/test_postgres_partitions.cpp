// Partitioned loads of the postgres plugin (ABI 1.1) against the real server: column ranges and page
// ranges hold exactly the rows of one stream (in the same order where the split keeps it), all under the
// planner's exported snapshot; what cannot be split is one partition with a warning; bad requests,
// failing partitions and descriptors whose snapshot is gone are clear errors.
#include "pg_test_support.hpp"

#include <doctest/doctest.h>

#include <mageio/core/partitioned_load.hpp>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

namespace {

using mageio::test::CommandResult;
using mageio::test::TempDir;
using Rows = std::vector<std::vector<std::string>>;

using Logs = mageio::test::HostLogs;

Rows sorted(Rows rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

// A table of `rows` rows: id 1..rows, a timestamp (NULL every 7th row), a date, a real, a numeric and text.
std::string make_table(mageio::Connector& db, int rows) {
  const std::string table = pgtest::unique_name("parts");
  pgtest::exec(db,
               "CREATE TABLE " + pgtest::q(table) +
                   " AS SELECT i AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE timestamp '2024-01-01 00:00:00.000001' + "
                   "i * interval '1 minute 3.000007 seconds' END AS ts, date '2020-02-29' + i / 10 AS d, "
                   "(i * 0.37)::float8 AS r, (i * 1.25)::numeric(12,2) AS n, 'row ' || i AS s, "
                   "timestamptz '2024-03-31 01:59:59.999999+02' + i * interval '17 minutes' AS tz "
                   "FROM generate_series(1, " +
                   std::to_string(rows) + ") AS i");
  return table;
}

mageio::PartitionOptions by(const std::string& table, int64_t partitions, const std::string& column = {}) {
  mageio::PartitionOptions options;
  options.load.table = table;
  options.partitions = partitions;
  options.partition_on = column;
  return options;
}

Rows partitioned(const pgtest::Server& server, const mageio::PartitionOptions& plan, bool unordered = false,
                 std::shared_ptr<mageio::HostCallbacks> host = nullptr) {
  auto reader = mageio::partitioned_load(pgtest::open(server, std::move(host)), [&] { return pgtest::open(server); },
                                         {.plan = plan, .unordered = unordered});
  return pgtest::all_rows(reader);
}

size_t count_of(const std::vector<std::string>& descriptors, const std::string& text) {
  return static_cast<size_t>(std::count_if(descriptors.begin(), descriptors.end(),
                                           [&](const auto& d) { return d.find(text) != std::string::npos; }));
}

}  // namespace

TEST_CASE("postgres partitions: page ranges and column ranges hold exactly the rows of one stream") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = make_table(*db, 30000);
  const Rows one = pgtest::load_text(*db, {.table = table});
  REQUIRE(one.size() == 30000);

  SUBCASE("page ranges (ctid), in order: the same rows in the same order as one stream") {
    auto planner = pgtest::open(*server);
    auto descriptors = planner->plan_partitions(by(table, 4));
    CHECK(descriptors.size() == 4);
    CHECK(count_of(descriptors, "\"split\":\"ctid\"") == 4);
    CHECK(count_of(descriptors, "\"snapshot\":") == 4);
    for (const auto& d : descriptors) CHECK(d.find(server->password) == std::string::npos);
    CHECK(partitioned(*server, by(table, 4)) == one);
    CHECK(sorted(partitioned(*server, by(table, 3), true)) == sorted(one));
  }
  SUBCASE("an integer column, in order (the table is in id order)") {
    auto planner = pgtest::open(*server);
    auto descriptors = planner->plan_partitions(by(table, 4, "id"));
    CHECK(descriptors.size() == 4);
    CHECK(count_of(descriptors, "\"nulls\"") == 0);
    CHECK(partitioned(*server, by(table, 4, "id")) == one);
  }
  SUBCASE("a timestamp column with NULLs: NULLs are a partition of their own") {
    auto planner = pgtest::open(*server);
    auto descriptors = planner->plan_partitions(by(table, 4, "ts"));
    CHECK(descriptors.size() == 4);
    CHECK(count_of(descriptors, "\"nulls\":1") == 1);
    CHECK(count_of(descriptors, "\"type\":\"timestamp\"") == 4);
    CHECK(sorted(partitioned(*server, by(table, 4, "ts"))) == sorted(one));
    CHECK(sorted(partitioned(*server, by(table, 5, "ts"), true)) == sorted(one));
    // Without NULLs (the table is in ts order), partition order is the order of one stream.
    mageio::PartitionOptions not_null;
    not_null.load.query = "SELECT * FROM " + pgtest::q(table) + " WHERE ts IS NOT NULL";
    not_null.partitions = 4;
    not_null.partition_on = "ts";
    const Rows expected = pgtest::load_text(*db, {.query = not_null.load.query});
    REQUIRE(expected.size() == 30000 - 30000 / 7);
    CHECK(planner->plan_partitions(not_null).size() == 4);
    CHECK(partitioned(*server, not_null) == expected);
  }
  SUBCASE("date, double precision, numeric and timestamptz columns") {
    for (const char* column : {"d", "r", "n", "tz"}) {
      CAPTURE(column);
      CHECK(sorted(partitioned(*server, by(table, 5, column))) == sorted(one));
    }
  }
  SUBCASE("bounds of the request: rows outside them are not lost") {
    auto plan = by(table, 4, "id");
    plan.lower_bound = int64_t{10000};
    plan.upper_bound = int64_t{12000};
    CHECK(partitioned(*server, plan) == one);
    auto dated = by(table, 3, "ts");
    dated.lower_bound = std::string("2024-01-05 00:00:00");
    CHECK(sorted(partitioned(*server, dated)) == sorted(one));
  }
  SUBCASE("a query ranges on a column of its result") {
    mageio::PartitionOptions plan;
    plan.load.query = "SELECT id, s, ts FROM " + pgtest::q(table) + " WHERE id % 3 <> 0";
    plan.partitions = 3;
    plan.partition_on = "ID";  // case-insensitive when unambiguous
    const Rows expected = pgtest::load_text(*db, {.query = plan.load.query});
    CHECK(expected.size() == 20000);
    auto planner = pgtest::open(*server);
    CHECK(planner->plan_partitions(plan).size() == 3);
    CHECK(partitioned(*server, plan) == expected);
  }
  pgtest::exec(*db, "DROP TABLE " + pgtest::q(table));
}

TEST_CASE("postgres partitions: every partition reads the planner's snapshot") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  for (const std::string column : {"", "id"}) {
    CAPTURE(column);
    const std::string table = make_table(*db, 20000);
    const Rows before = pgtest::load_text(*db, {.table = table});
    auto planner = pgtest::open(*server);
    auto descriptors = planner->plan_partitions(by(table, 4, column));
    REQUIRE(descriptors.size() == 4);
    // Committed after the plan: no partition sees it.
    pgtest::exec(*db, "UPDATE " + pgtest::q(table) + " SET s = 'changed' WHERE id % 2 = 0");
    pgtest::exec(*db, "DELETE FROM " + pgtest::q(table) + " WHERE id > 15000");
    pgtest::exec(*db, "INSERT INTO " + pgtest::q(table) + " (id, s) SELECT i, 'new' FROM generate_series(1, 500) i");
    Rows rows;
    for (const auto& descriptor : descriptors) {
      auto partition = pgtest::open(*server);
      auto reader = partition->load_partition(descriptor);
      for (auto& row : pgtest::all_rows(reader)) rows.push_back(std::move(row));
    }
    CHECK(sorted(rows) == sorted(before));
    planner.reset();
    pgtest::exec(*db, "DROP TABLE " + pgtest::q(table));
  }
}

TEST_CASE("postgres partitions: a descriptor whose planner is gone fails UNAVAILABLE, asking to plan again") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = make_table(*db, 20000);
  std::vector<std::string> descriptors;
  {
    auto planner = pgtest::open(*server);
    descriptors = planner->plan_partitions(by(table, 2));
    REQUIRE(descriptors.size() == 2);
  }
  auto partition = pgtest::open(*server);
  auto error = pgtest::error_of([&] { partition->load_partition(descriptors[0]); });
  CHECK(error.status() == MAGEIO_STATUS_UNAVAILABLE);
  CHECK(std::string(error.what()).find("plan again") != std::string::npos);
  // The connection is still good for the next operation.
  CHECK(pgtest::scalar(*partition, "SELECT count(*) FROM " + pgtest::q(table)) == "20000");
  // Planning again on the same instance ends the first plan's snapshot.
  auto planner = pgtest::open(*server);
  auto first = planner->plan_partitions(by(table, 2, "id"));
  auto second = planner->plan_partitions(by(table, 2, "id"));
  CHECK(pgtest::error_of([&] { partition->load_partition(first[0]); }).status() == MAGEIO_STATUS_UNAVAILABLE);
  {
    auto reader = partition->load_partition(second[1]);
    CHECK(pgtest::all_rows(reader).size() == 10000);
  }
  // A partition read to its end, or released after one batch, leaves its connection outside the
  // snapshot's read-only transaction: the instance writes again.
  const std::string written = pgtest::unique_name("parts_after");
  pgtest::exec(*partition, "CREATE TABLE " + pgtest::q(written) + " (x integer)");
  auto small_batches = by(table, 2, "id");
  small_batches.load.batch_rows = 1000;
  auto third = planner->plan_partitions(small_batches);
  {
    auto reader = partition->load_partition(third[0]);
    mageio::sdk::OwnedArray batch;
    REQUIRE(reader.next(batch));
    CHECK(batch.array.length == 1000);
  }
  CHECK(pgtest::exec(*partition, "INSERT INTO " + pgtest::q(written) + " VALUES (1), (2)") == 2);
  pgtest::exec(*partition, "DROP TABLE " + pgtest::q(written));
  // Another plugin's descriptor, or garbage, is refused.
  CHECK(pgtest::error_of([&] { partition->load_partition(R"({"plugin":"sqlite","format":1})"); }).status() ==
        MAGEIO_STATUS_INVALID_ARGUMENT);
  auto tampered = second[0];
  tampered.replace(tampered.find("\"type\":\"integer\""), 16, "\"type\":\"text; x\"");
  CHECK(pgtest::error_of([&] { partition->load_partition(tampered); }).status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  planner.reset();  // its snapshot holds ACCESS SHARE on the table
  pgtest::exec(*db, "DROP TABLE " + pgtest::q(table));
}

TEST_CASE("postgres partitions: empty tables, few rows, and what cannot be split") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string empty = make_table(*db, 0);
  const std::string few = make_table(*db, 3);
  const std::string table = make_table(*db, 5000);
  Logs logs;
  auto planner = pgtest::open(*server, logs.callbacks());

  CHECK(planner->plan_partitions(by(empty, 4)).size() == 1);
  CHECK(logs.has("is empty"));
  CHECK(planner->plan_partitions(by(empty, 4, "id")).size() == 1);
  CHECK(partitioned(*server, by(empty, 4)).empty());
  CHECK(partitioned(*server, by(empty, 3, "ts")).empty());

  // 3 rows, 8 partitions: one per value at most.
  auto descriptors = planner->plan_partitions(by(few, 8, "id"));
  CHECK(descriptors.size() == 3);
  CHECK(partitioned(*server, by(few, 8, "id")) == pgtest::load_text(*db, {.table = few}));
  CHECK(partitioned(*server, by(few, 8)) == pgtest::load_text(*db, {.table = few}));

  struct Unsplittable {
    std::string query, why;
  };
  for (const auto& [query, why] : std::vector<Unsplittable>{
           {"SELECT * FROM " + pgtest::q(table) + " ORDER BY id LIMIT 10", "Limit"},
           {"SELECT id % 10 AS id, count(*) FROM " + pgtest::q(table) + " GROUP BY 1", "Aggregate"},
           {"SELECT DISTINCT id FROM " + pgtest::q(table), ""},
           {"SELECT id, row_number() OVER () FROM " + pgtest::q(table), "WindowAgg"},
       }) {
    CAPTURE(query);
    mageio::PartitionOptions plan;
    plan.load.query = query;
    plan.partitions = 4;
    plan.partition_on = "id";
    Logs seen;
    auto p = pgtest::open(*server, seen.callbacks());
    CHECK(p->plan_partitions(plan).size() == 1);
    CHECK(seen.has("one partition"));
    CHECK(seen.has(why));
    CHECK(sorted(partitioned(*server, plan)) == sorted(pgtest::load_text(*db, {.query = query})));
  }
  mageio::PartitionOptions no_column;
  no_column.load.query = "SELECT * FROM " + pgtest::q(table);
  no_column.partitions = 4;
  CHECK(planner->plan_partitions(no_column).size() == 1);
  CHECK(logs.has("partition_on"));
  const std::string view = pgtest::unique_name("parts_view");
  pgtest::exec(*db, "CREATE VIEW " + pgtest::q(view) + " AS SELECT * FROM " + pgtest::q(table));
  CHECK(planner->plan_partitions(by(view, 4)).size() == 1);
  CHECK(planner->plan_partitions(by(view, 4, "id")).size() == 4);
  CHECK(sorted(partitioned(*server, by(view, 4, "id"))) == sorted(pgtest::load_text(*db, {.table = table})));
  planner.reset();  // its snapshot holds ACCESS SHARE on the view
  pgtest::exec(*db, "DROP VIEW " + pgtest::q(view));
  for (const auto& name : {empty, few, table}) pgtest::exec(*db, "DROP TABLE " + pgtest::q(name));
}

TEST_CASE("postgres partitions: bad requests and failing partitions are clear errors") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = make_table(*db, 20000);
  auto planner = pgtest::open(*server);

  auto missing = pgtest::error_of([&] { planner->plan_partitions(by(table, 2, "nope")); });
  CHECK(missing.status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(std::string(missing.what()).find("(columns: id, ts, d, r, n, s, tz)") != std::string::npos);
  auto text = pgtest::error_of([&] { planner->plan_partitions(by(table, 2, "s")); });
  CHECK(text.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(text.what()).find("smallint, integer, bigint, numeric") != std::string::npos);
  CHECK(std::string(text.what()).find("is text") != std::string::npos);
  // Checked at one partition too.
  CHECK(pgtest::error_of([&] { planner->plan_partitions(by(table, 1, "s")); }).status() ==
        MAGEIO_STATUS_INVALID_ARGUMENT);

  auto wrong_kind = by(table, 2, "ts");
  wrong_kind.lower_bound = int64_t{5};
  auto kind = pgtest::error_of([&] { planner->plan_partitions(wrong_kind); });
  CHECK(kind.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(kind.what()).find("must be a string") != std::string::npos);
  auto bad_date = by(table, 2, "d");
  bad_date.upper_bound = std::string("2024-13-45");
  auto date = pgtest::error_of([&] { planner->plan_partitions(bad_date); });
  CHECK(date.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(date.what()).find("not a valid date") != std::string::npos);
  auto fraction = by(table, 2, "id");
  fraction.lower_bound = 1.5;
  CHECK(pgtest::error_of([&] { planner->plan_partitions(fraction); }).status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  auto reversed = by(table, 2, "id");
  reversed.lower_bound = int64_t{100};
  reversed.upper_bound = int64_t{10};
  auto order = pgtest::error_of([&] { planner->plan_partitions(reversed); });
  CHECK(std::string(order.what()).find("is above 'upper_bound'") != std::string::npos);

  // The third of four partitions fails after some of its rows: the load fails with the server's error,
  // saying which partition.
  mageio::PartitionOptions failing;
  failing.load.query = "SELECT id, 1 / (id - 12000) AS x FROM " + pgtest::q(table);
  failing.partitions = 4;
  failing.partition_on = "id";
  auto error = pgtest::error_of([&] { partitioned(*server, failing); });
  INFO(std::string(error.what()));
  CHECK(error.sqlstate() == "22012");
  CHECK(std::string(error.what()).find("division by zero") != std::string::npos);
  INFO(std::string(error.what()));
  CHECK(std::string(error.what()).find("partition 3 of 4") != std::string::npos);
  pgtest::exec(*db, "DROP TABLE " + pgtest::q(table));
}

TEST_CASE("postgres partitions: a partitioned copy postgres -> sqlite equals the plain copy") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = make_table(*db, 20000);
  TempDir work;
  const std::string database = (work / "copy.db").string();
  auto copy = [&](const std::string& to, std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "copy", "postgres", "sqlite", "--table", table, "--to-table", to, "--set", "SQLITE_DATABASE=" + database};
    for (const auto& [key, value] : pgtest::config(*server)) {
      args.push_back("--set");
      args.push_back(std::string(key) + "=" + std::string(value.as_string()));
    }
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult r = mageio::test::run_cli(args, work.path());
    INFO("exit " << r.exit_code << "\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("copied 20000 rows") != std::string::npos);
  };
  copy("plain", {});
  copy("pages", {"--partitions", "4"});
  copy("by_ts", {"--partitions", "3", "--partition-on", "ts", "--unordered"});
  auto sqlite =
      mageio::test::bundled_registry().find("sqlite")->open(boost::json::object{{"SQLITE_DATABASE", database}});
  auto read = [&](const std::string& name) {
    auto reader = sqlite->load({.query = "SELECT * FROM " + name + " ORDER BY id"});
    return pgtest::all_rows(reader);
  };
  const Rows plain = read("plain");
  REQUIRE(plain.size() == 20000);
  CHECK(read("pages") == plain);
  CHECK(read("by_ts") == plain);
  pgtest::exec(*db, "DROP TABLE " + pgtest::q(table));
}
