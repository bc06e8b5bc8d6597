// The conformance kit on the bundled sqlite plugin, in process and through `mageio test-plugin`: every
// check passes (sqlite declares every capability but paths, so none is skipped), and nothing the kit
// created is left in the database.
#include "kit_test_support.hpp"

#include <regex>

using namespace kittest;
namespace fs = std::filesystem;

namespace {

// Every table of a SQLite database file, read through the plugin.
std::vector<std::string> tables_in(const mageio::Plugin& plugin, const fs::path& database) {
  auto connector = plugin.open({{"SQLITE_DATABASE", database.string()}});
  auto outcome = connector->execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  REQUIRE(outcome.rows);
  std::vector<std::string> names;
  for (const auto& row : mageio::test::read_all_text(*outcome.rows)) names.push_back(row[0]);
  return names;
}

}  // namespace

TEST_CASE("the conformance kit passes the sqlite plugin and leaves the database as it found it") {
  auto plugin = bundled("sqlite");
  if (!plugin) return;
  mageio::test::TempDir dir;
  const fs::path database = dir / "kit.db";
  mageio::conformance::Options options;
  options.name_prefix = unique_prefix("sqlite");
  const Report report = run_kit(*plugin, {{"SQLITE_DATABASE", database.string()}}, options);
  check_no_failures(report);
  // Everything is checked but the staged exports, which sqlite does not declare (one writer at a time).
  for (const std::string& skipped : report.names(Outcome::Skip)) CHECK(skipped.starts_with("staged_export."));
  CHECK(report.count(Outcome::Skip) == 3);
  CHECK(report.types_tested == plugin->supported_types());
  CHECK(outcome_of(report, "execute_queries.atomic") == Outcome::Pass);
  CHECK(outcome_of(report, "identifiers.table.reserved_word") == Outcome::Pass);
  CHECK(outcome_of(report, "cleanup") == Outcome::Pass);
  CHECK(tables_in(*plugin, database).empty());
}

TEST_CASE("mageio test-plugin sqlite prints one line per check and the summary, and exits 0") {
  if (!bundled("sqlite")) return;
  mageio::test::TempDir dir;
  const auto result =
      mageio::test::run_cli({"test-plugin", "sqlite", "--set", "SQLITE_DATABASE=" + (dir / "kit.db").string(),
                             "--plugin-dir", MAGEIO_PLUGIN_DIR});
  CAPTURE(result.out);
  CAPTURE(result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.starts_with("PASS  descriptor.struct_size\n"));
  for (const char* line :
       {"PASS  open.config\n", "PASS  roundtrip.type.decimal128(38, 10)\n", "PASS  export.atomic.replace\n",
        "PASS  identifiers.table.double_quote\n", "PASS  execute_queries.atomic\n", "PASS  cleanup\n"})
    CHECK(result.out.find(line) != std::string::npos);
  CHECK(result.out.find("\nFAIL") == std::string::npos);
  CHECK(result.out.find("declared capabilities: load, export, execute, execute_queries, alter_table, table_exists, "
                        "upsert, transactions, query, tables, partitions\n") != std::string::npos);
  CHECK(result.out.find("types tested: bool, int8, int16") != std::string::npos);
  // Everything is checked but the staged exports, which sqlite does not declare (one writer at a time).
  CHECK(result.out.find("SKIP  staged_export.writers_then_finish") != std::string::npos);
  CHECK(std::regex_search(result.out, std::regex("\n[0-9]+ passed, 0 failed, 3 skipped\n$")));
}

TEST_CASE("without the database key, mageio test-plugin sqlite fails open.config, saying what to pass") {
  if (!bundled("sqlite")) return;
  mageio::test::TempDir cwd;  // no io_config.yaml there
  const auto result = mageio::test::run_cli({"test-plugin", "sqlite", "--plugin-dir", MAGEIO_PLUGIN_DIR}, cwd.path());
  CAPTURE(result.out);
  CHECK(result.exit_code == 1);
  CHECK(result.out.find("FAIL  open.config: the plugin requires config key SQLITE_DATABASE, which was not given: pass "
                        "them with --set KEY=VALUE") != std::string::npos);
  CHECK(result.out.find("SKIP  roundtrip.all_types: no instance: open.config failed\n") != std::string::npos);
  CHECK(result.out.find("PASS  descriptor.negotiation\n") != std::string::npos);
  CHECK(result.out.find(" failed, ") != std::string::npos);
}
