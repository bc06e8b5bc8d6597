// The conformance kit itself: a kit that passes everything proves nothing, so fixture plugins broken on
// purpose (tests/fixtures/plugins) must fail exactly the checks about what they break, while the correct
// in-memory plugin they are built from passes. Plus the CLI's exit codes and output, and a plugin that
// crashes or hangs reported as a FAIL instead of ending the run.
#include "kit_test_support.hpp"

#include <regex>

using namespace kittest;
using Names = std::set<std::string>;

namespace {

boost::json::object memory_config() { return {{"MEMORY_NAMESPACE", unique_prefix("ns")}}; }

// The names of the checks the kit fails on a fixture, and its FAIL lines (shown when an assertion fails).
std::pair<Names, std::string> failures_of(const std::string& fixture_name, const boost::json::object& config) {
  const Report report = run_kit(*fixture(fixture_name), config);
  std::string lines;
  for (const auto& result : report.results)
    if (result.outcome == Outcome::Fail) lines += "\n  " + mageio::conformance::format_result(result);
  return {names(report, Outcome::Fail), lines};
}

}  // namespace

TEST_CASE("the correct in-memory plugin passes the kit; what it does not declare is skipped") {
  const Report report = run_kit(*fixture("memory"), memory_config());
  check_no_failures(report);
  for (const char* name : {"export.atomic.upsert", "export.upsert.update", "alter_table.add_column",
                           "identifiers.table.backtick", "roundtrip.type.float64"}) {
    CAPTURE(name);
    CHECK(outcome_of(report, name) == Outcome::Pass);
  }
  CHECK(report.find("alter_table.alter_column_type")->reason == "not supported (NOT_IMPLEMENTED, with a message)");
  CHECK(report.find("execute.statements")->reason == "the plugin does not declare execute");
  CHECK(report.find("execute_queries.atomic")->reason == "the plugin does not declare execute_queries, transactions");
  // It cannot execute SQL, so the kit cannot drop what it made: a SKIP and a note, not a FAIL.
  CHECK(outcome_of(report, "cleanup") == Outcome::Skip);
  REQUIRE(report.notes.size() == 1);
  CHECK(report.notes[0].starts_with("tables left behind: "));
}

TEST_CASE("a plugin that claims alter_table and upserts but does not do them fails exactly those checks") {
  const auto [failed, lines] = failures_of("lying_caps", memory_config());
  INFO("the kit's FAIL lines:" << lines);
  CHECK(failed == Names{"alter_table.add_column", "alter_table.rename_column", "alter_table.drop_column",
                        "alter_table.alter_column_type", "export.upsert.update", "export.upsert.text_key"});
}

TEST_CASE("a plugin whose export leaves half-written tables fails exactly the atomicity checks") {
  const auto [failed, lines] = failures_of("not_atomic", memory_config());
  INFO("the kit's FAIL lines:" << lines);
  CHECK(failed == Names{"export.atomic.create", "export.atomic.replace", "export.atomic.append", "export.atomic.upsert",
                        "export.cancelled"});
}

TEST_CASE("a plugin that claims float64 but rounds it fails exactly the float64 round trip") {
  const Report report = run_kit(*fixture("lossy_types"), memory_config());
  CHECK(names(report, Outcome::Fail) ==
        Names{"roundtrip.all_types", "roundtrip.type.float64", "roundtrip.append_all_types"});
  const auto* float64 = report.find("roundtrip.type.float64");
  REQUIRE(float64 != nullptr);
  // The reason shows a value that went in and what came out.
  CHECK(float64->reason.find("missing, e.g. \"") != std::string::npos);
  CHECK(float64->reason.find("unexpected, e.g. \"") != std::string::npos);
}

TEST_CASE("a plugin that writes past the error's struct_size and fails without messages is caught") {
  const Report report = run_kit(*fixture("sloppy_abi"), {});
  CHECK(names(report, Outcome::Fail) == Names{"abi.error_bounds.entry_point", "abi.error_bounds.load",
                                              "robustness.malformed_request.load", "robustness.wrong_target_kind",
                                              "load.missing_target"});
  const auto* bounds = report.find("abi.error_bounds.entry_point");
  REQUIRE(bounds != nullptr);
  CHECK(bounds->reason.find("wrote byte 8 (message) of a MageioError whose struct_size was 8") != std::string::npos);
  CHECK(report.find("load.missing_target")->reason.find("without a message") != std::string::npos);
  // The same plugin's sound parts pass.
  CHECK(outcome_of(report, "abi.error_bounds.open") == Outcome::Pass);
  CHECK(outcome_of(report, "descriptor.negotiation") == Outcome::Pass);
}

TEST_CASE("run_isolated reports what run reports, through the child process") {
  // Each run in a namespace of its own, as two runs against two fresh databases: the fixture has no
  // execute, so the kit cannot drop what it made (the table named select, for one), and the library and
  // its store stay loaded in this process, which the isolated run's child is forked from.
  const Report here = run_kit(*fixture("lying_caps"), memory_config());
  std::vector<std::string> streamed;
  mageio::conformance::Options options;
  options.on_result = [&](const mageio::conformance::CheckResult& result) { streamed.push_back(result.name); };
  const Report there = mageio::conformance::run_isolated(*fixture("lying_caps"), memory_config(), options);
  REQUIRE(there.results.size() == here.results.size());
  for (size_t i = 0; i < here.results.size(); ++i) {
    CAPTURE(here.results[i].name);
    CHECK(there.results[i].name == here.results[i].name);
    CAPTURE(there.results[i].reason);
    CHECK(there.results[i].outcome == here.results[i].outcome);
  }
  CHECK(streamed.size() == there.results.size());
  CHECK(there.types_tested == here.types_tested);
  CHECK(there.notes.size() == here.notes.size());
}

TEST_CASE("mageio test-plugin PATH exits 1 for each broken fixture and names the failed checks") {
  const std::map<std::string, std::string> expected = {
      {"lying_caps", "FAIL  export.upsert.update: "},
      {"not_atomic", "FAIL  export.atomic.replace: after the failed export (replace): "},
      {"lossy_types", "FAIL  roundtrip.type.float64: "},
      {"sloppy_abi", "FAIL  abi.error_bounds.load: "},
  };
  for (const auto& [name, line] : expected) {
    CAPTURE(name);
    const auto result = mageio::test::run_cli({"test-plugin", fixture_path(name).string()});
    CAPTURE(result.out);
    CAPTURE(result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.out.find("\n" + line) != std::string::npos);
    CHECK(std::regex_search(result.out, std::regex("\n[0-9]+ passed, [1-9][0-9]* failed, [0-9]+ skipped\n$")));
  }
  const auto good = mageio::test::run_cli({"test-plugin", fixture_path("memory").string()});
  CAPTURE(good.out);
  CHECK(good.exit_code == 0);
  CHECK(std::regex_search(good.out, std::regex("\n[0-9]+ passed, 0 failed, [0-9]+ skipped\n$")));
}

TEST_CASE("a plugin that crashes or hangs fails the check it was in; the run still ends with its summary") {
  const auto crashed = mageio::test::run_cli({"test-plugin", fixture_path("crashes").string()});
  CAPTURE(crashed.out);
  CHECK(crashed.exit_code == 1);
  CHECK(
      std::regex_search(crashed.out, std::regex("\nFAIL  abi\\.error_bounds\\.load: the process (was killed by "
                                                "signal|exited with status) [^\n]* during this check; the run stopped "
                                                "here")));
  CHECK(crashed.out.find("\ndeclared capabilities: load, paths\n") != std::string::npos);

  const auto hung = mageio::test::run_cli({"test-plugin", fixture_path("hangs").string(), "--timeout", "2"});
  CAPTURE(hung.out);
  CHECK(hung.exit_code == 1);
  CHECK(hung.out.find("\nFAIL  abi.error_bounds.load: did not finish within 2 s; the run stopped here") !=
        std::string::npos);
  CHECK(std::regex_search(hung.out, std::regex("\n[0-9]+ passed, 1 failed, [0-9]+ skipped\n$")));
}

TEST_CASE("mageio test-plugin: usage errors exit 2, an unknown plugin or library exits 1") {
  auto usage = mageio::test::run_cli({"test-plugin"});
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.find("missing PLUGIN") != std::string::npos);
  usage = mageio::test::run_cli({"test-plugin", "sqlite", "--bogus"});
  CHECK(usage.exit_code == 2);
  usage = mageio::test::run_cli({"test-plugin", "sqlite", "--timeout", "soon"});
  CHECK(usage.exit_code == 2);

  const auto missing = mageio::test::run_cli({"test-plugin", "no_such_plugin", "--plugin-dir", MAGEIO_PLUGIN_DIR});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("plugin 'no_such_plugin' not found") != std::string::npos);
  const auto not_library = mageio::test::run_cli(
      {"test-plugin",
       (std::filesystem::path(MAGEIO_TEST_PLUGIN_DIR) / "not_a_library" / "libmageio_not_a_library.so").string()});
  CHECK(not_library.exit_code == 1);
  CHECK(not_library.err.find("cannot be tested: not a shared library") != std::string::npos);

  const auto help = mageio::test::run_cli({"test-plugin", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.starts_with("usage: mageio test-plugin NAME|PATH"));
}
