// The conformance kit on the bundled postgres plugin, against the throwaway server of
// tools/with-test-servers.sh (skipped without it, a failure under CI=true).
#include "kit_test_support.hpp"

using namespace kittest;

TEST_CASE("the conformance kit passes the postgres plugin and leaves no table behind") {
  boost::json::object config;
  for (auto [variable, key] :
       {std::pair{"MAGEIO_TEST_PG_HOST", "POSTGRES_HOST"}, std::pair{"MAGEIO_TEST_PG_PORT", "POSTGRES_PORT"},
        std::pair{"MAGEIO_TEST_PG_USER", "POSTGRES_USER"}, std::pair{"MAGEIO_TEST_PG_PASSWORD", "POSTGRES_PASSWORD"},
        std::pair{"MAGEIO_TEST_PG_DBNAME", "POSTGRES_DBNAME"}}) {
    auto value = mageio::test::server_env(variable);
    if (!value) return;
    config[key] = *value;
  }
  auto plugin = bundled("postgres");
  if (!plugin) return;
  mageio::conformance::Options options;
  options.name_prefix = unique_prefix("pg");
  options.secrets = {std::string(config["POSTGRES_PASSWORD"].as_string())};
  const Report report = run_kit(*plugin, config, options);
  check_no_failures(report);
  CHECK(report.types_tested == plugin->supported_types());
  CHECK(outcome_of(report, "execute_queries.atomic") == Outcome::Pass);
  CHECK(outcome_of(report, "cleanup") == Outcome::Pass);

  auto connector = plugin->open(config);
  auto left = connector->execute("SELECT table_name FROM information_schema.tables WHERE table_name LIKE '" +
                                 options.name_prefix + "%' OR table_name = 'select'");
  REQUIRE(left.rows);
  CHECK(mageio::test::read_all_text(*left.rows).empty());
}
