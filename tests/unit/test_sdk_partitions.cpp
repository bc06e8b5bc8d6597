// The partition codec of the SDK: plan requests, descriptors, range splitting.
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/partitions.hpp>
#include <mageio/sdk/sql_text.hpp>

#include <doctest/doctest.h>

#include <cstdint>

using namespace mageio::sdk;

TEST_CASE("plan requests round-trip through the codec") {
  PlanRequest request;
  request.load.target.table = "events";
  request.partitions = 4;
  request.partition_on = "ts";
  request.lower_bound = PartitionBound(std::string("2024-01-01"));
  request.upper_bound = PartitionBound(int64_t{42});
  PlanRequest back = parse_plan_request(to_json(request));
  CHECK(back.load.target.table == "events");
  CHECK(back.partitions == 4);
  CHECK(back.partition_on == "ts");
  CHECK(std::get<std::string>(*back.lower_bound) == "2024-01-01");
  CHECK(std::get<int64_t>(*back.upper_bound) == 42);
  CHECK(parse_plan_request(R"({"query": "select 1"})").partitions == 1);
}

TEST_CASE("bad plan requests are refused naming the key") {
  CHECK_THROWS_WITH(parse_plan_request(R"({"table": "t", "partitions": 0})"), doctest::Contains("at least 1"));
  CHECK_THROWS_WITH(parse_plan_request(R"({"table": "t", "partitions": "2"})"), doctest::Contains("integer"));
  CHECK_THROWS_WITH(parse_plan_request(R"({"table": "t", "lower_bound": 1})"),
                    doctest::Contains("need 'partition_on'"));
  CHECK_THROWS_WITH(parse_plan_request(R"({"table": "t", "partition_on": "a", "lower_bound": [1]})"),
                    doctest::Contains("number or a string"));
  CHECK_THROWS_WITH(parse_plan_request(R"({"table": "t", "bogus": 1})"), doctest::Contains("partition_on"));
}

TEST_CASE("descriptors carry their fields and refuse other plugins") {
  PartitionDescriptor d("sqlite");
  d.set("table", "t").set("lo", int64_t{-5});
  auto back = PartitionDescriptor::parse(d.text(), "sqlite");
  CHECK(back.string("table") == "t");
  CHECK(back.integer("lo") == -5);
  CHECK_FALSE(back.optional_string("hi").has_value());
  CHECK_THROWS_WITH(PartitionDescriptor::parse(d.text(), "postgres"), doctest::Contains("not made by the postgres"));
  CHECK_THROWS_WITH(PartitionDescriptor::parse(d.text(), "sqlite", 2), doctest::Contains("plan again"));
  CHECK_THROWS_WITH(back.integer("table"), doctest::Contains("'table'"));
  CHECK_THROWS(PartitionDescriptor::parse("not json", "sqlite"));
}

TEST_CASE("split_range covers the range exactly, in order") {
  auto check_cover = [](int64_t lo, int64_t hi, int64_t parts, size_t expected) {
    auto ranges = split_range(lo, hi, parts);
    REQUIRE(ranges.size() == expected);
    CHECK(ranges.front().first == lo);
    CHECK(ranges.back().second == hi);
    for (size_t i = 1; i < ranges.size(); ++i) CHECK(ranges[i].first == ranges[i - 1].second + 1);
  };
  check_cover(1, 100, 4, 4);
  check_cover(1, 3, 10, 3);
  check_cover(7, 7, 4, 1);
  check_cover(INT64_MIN, INT64_MAX, 4, 4);
  check_cover(-10, 10, 3, 3);
  CHECK(split_range(5, 4, 3).empty());
}

TEST_CASE("mentions_sql_word finds a whole word outside quotes, in each dialect") {
  CHECK(mentions_sql_word("SELECT * FROM t LIMIT 5", "limit"));
  CHECK(mentions_sql_word("select * from t\nlimit\t5", "LIMIT"));
  CHECK_FALSE(mentions_sql_word("SELECT limited, unlimit, limit_x FROM t", "limit"));
  CHECK_FALSE(mentions_sql_word("SELECT 'limit' AS \"limit\", `limit` FROM t", "limit"));
  // A backslash escapes a quote only where the dialect says so: MySQL's 'it\'s' is one string, SQLite's
  // 'a\' ends at the second quote.
  const SqlDialect mysql{.quotes = "'\"`", .backslash_escapes = true};
  CHECK_FALSE(mentions_sql_word("SELECT 'it\\'s no limit' FROM t", "limit", mysql));
  CHECK(mentions_sql_word("SELECT 'a\\' FROM t LIMIT 1", "limit", {.quotes = "'", .backslash_escapes = false}));
  CHECK_FALSE(mentions_sql_word("SELECT [limit] FROM t", "limit", {.quotes = "'[", .backslash_escapes = false}));
  CHECK(mentions_sql_word("SELECT 1 -- limit in a comment counts (the safe side)", "limit"));
  CHECK_FALSE(mentions_sql_word("SELECT 1", ""));
}
