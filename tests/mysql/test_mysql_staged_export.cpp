// Staged exports of the mysql plugin (ABI 1.1, MAGEIO_CAP_STAGED_EXPORT) against the real MariaDB:
// writers on other connections fill one stage that becomes the table only at the finish; the
// partitioned copy mysql -> mysql writes with one export (faster than a stage here); a failing partition or a
// discarded stage leaves the target exactly as it was and no side table behind.
#include "mysql_test_support.hpp"

#include <doctest/doctest.h>

#include <mageio/core/partitioned_copy.hpp>

#include <thread>

namespace {

using mageio::ExportOptions;
using mageio::IfExists;
using Rows = std::vector<std::vector<std::string>>;

std::string make_source(mageio::Connector& db, int64_t rows) {
  const std::string table = mytest::unique_name("stage_src");
  mytest::exec(db, "CREATE TABLE " + mytest::q(table) +
                       " (id INT PRIMARY KEY, v BIGINT, n DECIMAL(12,2), s VARCHAR(40) NULL, d DATETIME(6))");
  mytest::fill_numbers(db, table, "id, v, n, s, d",
                       "n, n * 3, n * 1.25, IF(n % 5 = 0, NULL, CONCAT('row ', n)), "
                       "TIMESTAMP('2024-03-31 01:59:59.999999') + INTERVAL n MINUTE",
                       rows);
  return table;
}

Rows ordered(mageio::Connector& db, const std::string& table) {
  return mytest::query(db, "SELECT * FROM " + mytest::q(table) + " ORDER BY id");
}

int64_t copy(const mytest::Server& server, const std::string& source, const std::string& target, IfExists mode,
             int64_t partitions, std::string* log = nullptr, const std::string& query = {}) {
  auto logging = std::make_shared<mageio::HostCallbacks>();
  logging->on_log = [log](int32_t, const std::string& line) {
    if (log != nullptr) *log += line + "\n";
  };
  return mageio::test::copy_within([&](auto host) { return mytest::open(server, std::move(host)); },
                                   {.table = query.empty() ? source : "",
                                    .query = query,
                                    .partitions = partitions,
                                    .partition_on = query.empty() ? "" : "id"},
                                   {.table = target, .if_exists = mode}, logging);
}

}  // namespace

TEST_CASE("mysql staged export: writers on other connections, one RENAME at the finish") {
  auto server = mytest::server();
  if (!server) return;
  auto db = mytest::open(*server);
  REQUIRE(db->can_stage());
  const std::string source = make_source(*db, 3000);
  const std::string target = mytest::unique_name("staged");

  auto first_reader = mytest::open(*server);  // db's connection is busy with the stage's begin
  auto first = first_reader->load({.query = "SELECT * FROM " + mytest::q(source) + " WHERE id <= 1500 ORDER BY id"});
  mageio::sdk::OwnedSchema schema;
  REQUIRE(first.stream()->get_schema(first.stream(), &schema.schema) == 0);
  // A host that could write with one export is told to (NOT_IMPLEMENTED), and nothing is created.
  try {
    db->stage_begin({.table = target}, schema.schema, /*one_writer_possible=*/true);
    FAIL("stage_begin with one_writer_possible succeeded");
  } catch (const mageio::Error& e) {
    CHECK(e.status() == MAGEIO_STATUS_NOT_IMPLEMENTED);
  }
  CHECK(mytest::leftovers(*db, target).empty());
  const std::string stage = db->stage_begin({.table = target}, schema.schema);
  INFO(stage);
  CHECK(stage.find(server->password) == std::string::npos);
  auto reader = mytest::open(*server);
  auto second = reader->load({.query = "SELECT * FROM " + mytest::q(source) + " WHERE id > 1500 ORDER BY id"});
  int64_t rows_second = 0;
  std::thread other([&] { rows_second = mytest::open(*server)->stage_write(stage, second); });
  const int64_t rows_first = mytest::open(*server)->stage_write(stage, first);
  other.join();
  CHECK(rows_first + rows_second == 3000);
  CHECK_FALSE(db->table_exists(target));
  CHECK(db->stage_finish(stage, true, 3000) == 3000);
  CHECK(ordered(*db, target) == ordered(*db, source));
  CHECK(mytest::leftovers(*db, target).empty());
  mytest::exec(*db, "DROP TABLE " + mytest::q(source) + ", " + mytest::q(target));
}

TEST_CASE("mysql partitioned copy: one writer (measured faster than a stage), atomic; failures leave the target") {
  auto server = mytest::server();
  if (!server) return;
  auto db = mytest::open(*server);
  const std::string source = make_source(*db, 20000);
  const std::string target = mytest::unique_name("pcopy");
  std::string log;
  CHECK(copy(*server, source, target, IfExists::Fail, 4, &log) == 20000);
  CHECK(log.find("the partitions feed one writer") != std::string::npos);
  CHECK(log.find("parallel writers into one MariaDB/MySQL table are slower") != std::string::npos);
  CHECK(ordered(*db, target) == ordered(*db, source));
  log.clear();
  CHECK(copy(*server, source, target, IfExists::Replace, 3, &log) == 20000);
  CHECK(log.find("one writer is faster") != std::string::npos);
  CHECK(ordered(*db, target) == ordered(*db, source));
  CHECK(copy(*server, source, target, IfExists::Append, 2, &log) == 20000);
  CHECK(mytest::scalar(*db, "SELECT COUNT(*) FROM " + mytest::q(target)) == "40000");

  // A partition failing mid-way at the source (partition 3 of 4 of id) while replacing.
  const std::string small = mytest::unique_name("pcopy_keep");
  mytest::exec(*db, "CREATE TABLE " + mytest::q(small) + " (id INT PRIMARY KEY, v INT)");
  mytest::exec(*db, "INSERT INTO " + mytest::q(small) + " VALUES (-1, 1), (-2, 2)");
  const Rows before = ordered(*db, small);
  try {
    copy(*server, source, small, IfExists::Replace, 4, nullptr,
         "SELECT id, IF(id < 15000, v, (SELECT v UNION ALL SELECT v + 1)) AS v FROM " + mytest::q(source));
    FAIL("the copy succeeded");
  } catch (const mageio::Error& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("Subquery returns more than 1 row") != std::string::npos);
    CHECK(message.find(" of 4)") != std::string::npos);  // the partition that failed
  }
  CHECK(ordered(*db, small) == before);
  CHECK(mytest::leftovers(*db, small).empty());
  mytest::exec(*db, "DROP TABLE " + mytest::q(source) + ", " + mytest::q(target) + ", " + mytest::q(small));
}
