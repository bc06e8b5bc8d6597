// Partitioned loads through the adbc plugin: with the Flight SQL driver (adbc-driver-flightsql) against a
// real Flight SQL server (arrow-go's sqlite example, started by tools/with-test-servers.sh) the plan is the
// driver's ExecutePartitions and each descriptor is read with ReadPartition on another instance; a driver
// without partitions (sqlite) plans one partition, the plain query.
#include "adbc_test_support.hpp"

#include <algorithm>

namespace {

std::optional<std::string> flightsql_uri() {
  if (auto uri = mageio::test::server_env("MAGEIO_TEST_FLIGHTSQL_URI")) return uri;
  if (kittest::under_ci())
    FAIL("MAGEIO_TEST_FLIGHTSQL_URI is not set and CI=true needs the Flight SQL server (tools/with-test-servers.sh)");
  MESSAGE("no Flight SQL server (MAGEIO_TEST_FLIGHTSQL_URI; run under tools/with-test-servers.sh); skipping");
  return std::nullopt;
}

std::vector<std::vector<std::string>> sorted(std::vector<std::vector<std::string>> rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

}  // namespace

TEST_CASE("partitions with the Flight SQL driver: ExecutePartitions plans, ReadPartition on another instance reads") {
  auto uri = flightsql_uri();
  if (!uri) return;
  auto plugin = adbctest::plugin_with("flightsql");
  if (!plugin) return;
  const boost::json::object config = {{"ADBC_DRIVER", *adbctest::driver_library("flightsql")}, {"ADBC_URI", *uri}};
  auto planner = plugin->open(config);
  auto reader = plugin->open(config);
  const std::string table = kittest::unique_prefix("adbc_fsql") + "t";
  planner->execute("CREATE TABLE " + table + " (id INTEGER, name TEXT)");
  planner->execute("INSERT INTO " + table + " VALUES (1, 'one'), (2, 'two'), (3, NULL), (4, 'four'), (5, 'five')");

  auto whole_reader = planner->load({.table = table});
  const auto whole = sorted(mageio::test::read_all_text(whole_reader));
  REQUIRE(whole.size() == 5);

  mageio::PartitionOptions options;
  options.load.table = table;
  options.partitions = 4;
  const auto descriptors = planner->plan_partitions(options);
  REQUIRE(!descriptors.empty());
  CHECK(descriptors.size() <= 4);
  std::vector<std::vector<std::string>> rows;
  for (const auto& descriptor : descriptors) {
    INFO(descriptor);
    // The driver's partitions, not the fallback's SQL; nothing of the URI in it.
    CHECK(descriptor.find("\"partitions\"") != std::string::npos);
    CHECK(descriptor.find("\"sql\"") == std::string::npos);
    CHECK(descriptor.find(*uri) == std::string::npos);
    auto part = reader->load_partition(descriptor);
    for (auto& row : mageio::test::read_all_text(part)) rows.push_back(row);
  }
  CHECK(sorted(rows) == whole);

  // A descriptor is the plugin's and the driver's: another driver's instance and bad text are refused.
  mageio::test::TempDir dir;
  auto sqlite = plugin->open(adbctest::sqlite_config(dir / "other.db"));
  try {
    sqlite->load_partition(descriptors[0]);
    FAIL("a Flight SQL descriptor loaded on a sqlite instance");
  } catch (const mageio::Error& error) {
    CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
    CHECK(std::string(error.what()).find("planned with the ADBC driver") != std::string::npos);
  }
  try {
    std::string broken = descriptors[0];
    broken.replace(broken.find("\"partitions\":\"") + 14, 1, "z");
    reader->load_partition(broken);
    FAIL("a descriptor with a broken partition loaded");
  } catch (const mageio::Error& error) {
    CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  }
  planner->execute("DROP TABLE " + table);
}

TEST_CASE("partitions with a driver without ExecutePartitions (sqlite): one partition, the plain query") {
  auto plugin = adbctest::plugin_with("sqlite");
  if (!plugin) return;
  mageio::test::TempDir dir;
  auto connector = plugin->open(adbctest::sqlite_config(dir / "p.db"));
  connector->execute("CREATE TABLE t (id INTEGER)");
  connector->execute("INSERT INTO t VALUES (1), (2), (3)");
  mageio::PartitionOptions options;
  options.load.table = "t";
  options.partitions = 3;
  const auto descriptors = connector->plan_partitions(options);
  REQUIRE(descriptors.size() == 1);
  CHECK(descriptors[0].find("\"sql\"") != std::string::npos);
  auto part = connector->load_partition(descriptors[0]);
  CHECK(sorted(mageio::test::read_all_text(part)) == std::vector<std::vector<std::string>>{{"1"}, {"2"}, {"3"}});

  options.partition_on = "nope";
  try {
    connector->plan_partitions(options);
    FAIL("partition_on a column that does not exist was planned");
  } catch (const mageio::Error& error) {
    CHECK(error.status() == MAGEIO_STATUS_NOT_FOUND);
    CHECK(std::string(error.what()).find("no column nope (it has id)") != std::string::npos);
  }
}
