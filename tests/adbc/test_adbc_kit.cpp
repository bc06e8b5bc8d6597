// The conformance kit on the adbc plugin with two real drivers from PyPI: adbc-driver-sqlite (a database
// file) and adbc-driver-postgresql (against the throwaway server of tools/with-test-servers.sh).
#include "adbc_test_support.hpp"

using namespace kittest;

TEST_CASE("the conformance kit passes adbc + the sqlite driver and leaves the database as it found it") {
  auto plugin = adbctest::plugin_with("sqlite");
  if (!plugin) return;
  mageio::test::TempDir dir;
  const auto database = dir / "kit.db";
  mageio::conformance::Options options;
  options.name_prefix = unique_prefix("adbc_sqlite");
  check_server_plugin_passes(*plugin, adbctest::sqlite_config(database), options);

  auto connector = plugin->open(adbctest::sqlite_config(database));
  auto left = connector->execute("SELECT name FROM sqlite_master WHERE type = 'table'");
  REQUIRE(left.rows);
  CHECK(mageio::test::read_all_text(*left.rows).empty());
}

TEST_CASE("the conformance kit passes adbc + the sqlite driver with table_exists through GetObjects") {
  auto plugin = adbctest::plugin_with("sqlite");
  if (!plugin) return;
  mageio::test::TempDir dir;
  auto config = adbctest::sqlite_config(dir / "kit_objects.db");
  config["ADBC_TABLE_LOOKUP"] = "get_objects";
  mageio::conformance::Options options;
  options.name_prefix = unique_prefix("adbc_sqlite_objects");
  check_server_plugin_passes(*plugin, config, options);
}

TEST_CASE("the conformance kit passes adbc + the postgresql driver and leaves no table behind") {
  auto uri = adbctest::postgres_uri();
  if (!uri) return;
  auto plugin = adbctest::plugin_with("postgresql");
  if (!plugin) return;
  mageio::conformance::Options options;
  options.name_prefix = unique_prefix("adbc_pg");
  options.secrets = {adbctest::postgres_password()};
  check_server_plugin_passes(*plugin, adbctest::postgres_config(*uri), options);

  auto connector = plugin->open(adbctest::postgres_config(*uri));
  auto left = connector->execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE '" +
                                 options.name_prefix + "%' OR table_name LIKE 'mageio_stage_%'");
  REQUIRE(left.rows);
  CHECK(mageio::test::read_all_text(*left.rows).empty());
}
