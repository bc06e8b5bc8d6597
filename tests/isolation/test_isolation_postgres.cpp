// The postgres plugin isolated (OpenOptions::isolate) against the throwaway server: a load and an
// export give the same values and row counts as in process, execute and its rows cross too, and a
// cancellation mid-export reaches the child and leaves the table as it was; a partitioned load crosses too.
#include "../postgres/pg_test_support.hpp"

#include <mageio/core/partitioned_load.hpp>

#include <algorithm>
#include <string>
#include <vector>

using mageio::OpenOptions;
using mageio::sdk::BatchBuilder;

namespace {

std::unique_ptr<mageio::Connector> open_isolated(const pgtest::Server& s,
                                                 std::shared_ptr<mageio::HostCallbacks> host = nullptr) {
  return pgtest::plugin()->open(pgtest::config(s), std::move(host), {s.password}, OpenOptions{.isolate = true});
}

mageio::sdk::Schema mixed_schema() {
  using namespace mageio::sdk;
  return {{"id", int64()},   {"name", utf8()},       {"amount", decimal128(12, 2)}, {"price", float64()},
          {"day", date32()}, {"at", timestamp_us()}, {"flag", bool_type()}};
}

void fill_mixed(BatchBuilder& builder, int64_t row) {
  builder.column(0).append_int(row);
  if (row % 7 == 0)
    builder.column(1).append_null();
  else
    builder.column(1).append_string("name " + std::to_string(row) + " \xc3\xa9");
  builder.column(2).append_decimal(static_cast<mageio::sdk::int128>(row) * 101 - 5000);
  builder.column(3).append_double(row / 3.0);
  builder.column(4).append_date32(static_cast<int32_t>(row % 20000));
  builder.column(5).append_timestamp_us(row * 1000003);
  builder.column(6).append_bool(row % 2 == 0);
}

}  // namespace

TEST_CASE("postgres isolated: export then load give the same rows as in process") {
  auto s = pgtest::server();
  if (!s) return;
  const std::string isolated_table = pgtest::unique_name("iso_isolated");
  const std::string local_table = pgtest::unique_name("iso_local");
  const int64_t rows = 50000;
  auto isolated = open_isolated(*s);
  auto local = pgtest::open(*s);
  {
    auto input = mageio::test::rows_stream(mixed_schema(), rows, fill_mixed, 4000);
    CHECK(isolated->export_data({.table = isolated_table}, input.get()) == rows);
  }
  {
    auto input = mageio::test::rows_stream(mixed_schema(), rows, fill_mixed, 4000);
    CHECK(local->export_data({.table = local_table}, input.get()) == rows);
  }
  const std::string order = " ORDER BY id";
  auto from_isolated = pgtest::load_text(*isolated, {.query = "SELECT * FROM " + pgtest::q(isolated_table) + order});
  auto from_local = pgtest::load_text(*local, {.query = "SELECT * FROM " + pgtest::q(local_table) + order});
  CHECK(from_isolated.size() == static_cast<size_t>(rows));
  CHECK(from_isolated == from_local);
  CHECK(pgtest::load_text(*local, {.query = "SELECT * FROM " + pgtest::q(isolated_table) + order}) == from_local);
  // execute and its rows, isolated
  CHECK(pgtest::scalar(*isolated, "SELECT count(*) FROM " + pgtest::q(isolated_table)) == std::to_string(rows));
  pgtest::exec(*local, "DROP TABLE " + pgtest::q(isolated_table));
  pgtest::exec(*local, "DROP TABLE " + pgtest::q(local_table));
}

TEST_CASE("postgres isolated: a cancellation mid-export reaches the child and leaves the table as it was") {
  auto s = pgtest::server();
  if (!s) return;
  const std::string table = pgtest::unique_name("iso_cancel");
  auto host = std::make_shared<mageio::HostCallbacks>();
  auto isolated = open_isolated(*s, host);
  pgtest::exec(*isolated, "CREATE TABLE " + pgtest::q(table) + " (id bigint, name text)");
  pgtest::exec(*isolated, "INSERT INTO " + pgtest::q(table) + " VALUES (-1, 'already here')");
  using namespace mageio::sdk;
  auto input = mageio::test::rows_stream(
      Schema{{"id", int64()}, {"name", utf8()}}, 100000,
      [](BatchBuilder& builder, int64_t row) {
        builder.column(0).append_int(row);
        builder.column(1).append_string("row " + std::to_string(row));
      },
      1000, -1,
      [&](int batch) {
        if (batch == 5) host->cancel_requested = true;
      });
  for (const auto mode : {mageio::IfExists::Append}) {
    auto error =
        mageio::test::error_of([&] { isolated->export_data({.table = table, .if_exists = mode}, input.get()); });
    CHECK(error.status() == MAGEIO_STATUS_CANCELLED);
  }
  host->cancel_requested = false;
  CHECK(pgtest::query(*isolated, "SELECT id, name FROM " + pgtest::q(table)) ==
        std::vector<std::vector<std::string>>{{"-1", "already here"}});
  pgtest::exec(*isolated, "DROP TABLE " + pgtest::q(table));
}

// A failure in the middle of a load keeps its SQLSTATE on the way to the host (ABI 1.1 stream_error),
// in process and through the child process alike.
TEST_CASE("postgres: a load that fails mid-stream reaches the host with its SQLSTATE, isolated or not") {
  auto s = pgtest::server();
  if (!s) return;
  for (const bool isolate : {false, true}) {
    CAPTURE(isolate);
    auto db = isolate ? open_isolated(*s) : pgtest::open(*s);
    auto reader = db->load({.query = "SELECT 1/(100000-g) AS x FROM generate_series(1,200000) g", .batch_rows = 1000});
    mageio::sdk::OwnedArray batch;
    auto error = mageio::test::error_of([&] {
      while (reader.next(batch)) {
      }
    });
    INFO(error.what());
    CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);  // the plugin maps class 22 (data exception) so
    CHECK(error.sqlstate() == "22012");
    CHECK(std::string(error.what()).find("SQLSTATE 22012") != std::string::npos);
  }
}

TEST_CASE("postgres isolated: a partitioned load crosses the child and equals one stream, under one snapshot") {
  auto s = pgtest::server();
  if (!s) return;
  auto local = pgtest::open(*s);
  const std::string table = pgtest::unique_name("iso_parts");
  pgtest::exec(*local, "CREATE TABLE " + pgtest::q(table) +
                           " AS SELECT i AS id, 'row ' || i AS name FROM generate_series(1, 20000) AS i");
  const auto one = pgtest::load_text(*local, {.query = "SELECT * FROM " + pgtest::q(table) + " ORDER BY id"});

  mageio::PartitionOptions plan;
  plan.load.table = table;
  plan.partitions = 3;
  plan.partition_on = "id";
  // Plan in one child; each descriptor is text the host carries to a child of its own. (Scopes: a planner
  // holds its snapshot's transaction, and with it a lock that DROP TABLE waits for, until it closes.)
  {
    auto planner = open_isolated(*s);
    const auto descriptors = planner->plan_partitions(plan);
    REQUIRE(descriptors.size() == 3);
    // Rows written after the plan are not seen: every partition reads the planner's exported snapshot.
    pgtest::exec(*local, "INSERT INTO " + pgtest::q(table) + " VALUES (20001, 'late')");
    std::vector<std::vector<std::string>> all;
    for (const auto& descriptor : descriptors) {
      auto partition = open_isolated(*s);
      auto reader = partition->load_partition(descriptor);
      auto rows = pgtest::all_rows(reader);
      all.insert(all.end(), rows.begin(), rows.end());
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return std::stoll(a[0]) < std::stoll(b[0]); });
    CHECK(all == one);
  }

  // Through partitioned_load, every connection isolated: the same rows again (now with the late one).
  {
    auto reader = mageio::partitioned_load(open_isolated(*s), [&] { return open_isolated(*s); }, {.plan = plan});
    CHECK(pgtest::all_rows(reader).size() == one.size() + 1);
  }

  // A descriptor the plugin cannot read fails in the child with its own error, not a broken protocol.
  auto partition = open_isolated(*s);
  auto bad = pgtest::error_of([&] { (void)partition->load_partition("{\"plugin\":\"postgres\"}"); });
  CHECK(bad.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  pgtest::exec(*local, "DROP TABLE " + pgtest::q(table));
}
