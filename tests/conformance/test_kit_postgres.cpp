// The conformance kit on the bundled postgres plugin, against the throwaway server of
// tools/with-test-servers.sh (skipped without it, a failure under CI=true).
#include "kit_test_support.hpp"

using namespace kittest;

TEST_CASE("the conformance kit passes the postgres plugin and leaves no table behind") {
  auto config = server_config("MAGEIO_TEST_PG_", "POSTGRES_", {"HOST", "PORT", "USER", "PASSWORD", "DBNAME"});
  if (!config) return;
  auto plugin = bundled("postgres");
  if (!plugin) return;
  mageio::conformance::Options options;
  options.name_prefix = unique_prefix("pg");
  options.secrets = {std::string((*config)["POSTGRES_PASSWORD"].as_string())};
  check_server_plugin_passes(*plugin, *config, options);

  auto connector = plugin->open(*config);
  auto left = connector->execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE '" +
                                 options.name_prefix + "%' OR table_name = 'select'");
  REQUIRE(left.rows);
  CHECK(mageio::test::read_all_text(*left.rows).empty());
}
