// Partitioned loads through the adbc plugin: with the Flight SQL driver (adbc-driver-flightsql) against a
// real Flight SQL server (arrow-go's sqlite example, started by tools/with-test-servers.sh) the plan is the
// driver's ExecutePartitions and each descriptor is read with ReadPartition on another instance; a driver
// without partitions (sqlite) declares none, so a partitioned load reads one stream.
#include "adbc_test_support.hpp"

#include <mageio/core/partitioned_load.hpp>

#include <algorithm>

namespace {

std::vector<std::vector<std::string>> sorted(std::vector<std::vector<std::string>> rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

}  // namespace

TEST_CASE("partitions with the Flight SQL driver: ExecutePartitions plans, ReadPartition on another instance reads") {
  auto uri = adbctest::flightsql_uri();
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

  // A descriptor is the plugin's and the driver's: an instance whose driver does not partition (sqlite)
  // declares no partitions, so the host refuses it there; bad text is refused by the plugin.
  mageio::test::TempDir dir;
  auto sqlite = plugin->open(adbctest::sqlite_config(dir / "other.db"));
  try {
    sqlite->load_partition(descriptors[0]);
    FAIL("a Flight SQL descriptor loaded on a sqlite instance");
  } catch (const mageio::Error& error) {
    CHECK(error.status() == MAGEIO_STATUS_NOT_IMPLEMENTED);
    CHECK(std::string(error.what()).starts_with("plugin adbc does not support partitioned loads"));
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

TEST_CASE("a driver without ExecutePartitions (sqlite) declares no partitions: a partitioned load reads one stream") {
  auto plugin = adbctest::plugin_with("sqlite");
  if (!plugin) return;
  mageio::test::TempDir dir;
  mageio::test::HostLogs logs;
  auto connector = plugin->open(adbctest::sqlite_config(dir / "p.db"), logs.callbacks());
  connector->execute("CREATE TABLE t (id INTEGER)");
  connector->execute("INSERT INTO t VALUES (1), (2), (3)");
  CHECK_FALSE(connector->can_partition());
  mageio::PartitionedLoadOptions options;
  options.plan.load.table = "t";
  options.plan.partitions = 3;
  int opened = 0;
  auto reader = mageio::partitioned_load(
      std::move(connector),
      [&]() -> std::unique_ptr<mageio::Connector> {
        ++opened;
        return nullptr;
      },
      options);
  CHECK(sorted(mageio::test::read_all_text(reader)) == std::vector<std::vector<std::string>>{{"1"}, {"2"}, {"3"}});
  CHECK(opened == 0);  // never planned: no connector per partition
  CHECK(logs.has("plugin adbc does not support partitioned loads on this instance: reading one stream"));

  // The plugin's own fallback (one partition, the plain query) stays for drivers that declare
  // partitions: the host never reaches it here.
  auto again = plugin->open(adbctest::sqlite_config(dir / "p.db"));
  mageio::PartitionOptions plan;
  plan.load.table = "t";
  plan.partitions = 3;
  const auto refused = mageio::test::error_of([&] { again->plan_partitions(plan); });
  CHECK(refused.status() == MAGEIO_STATUS_NOT_IMPLEMENTED);
}
