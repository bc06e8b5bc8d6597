// The conformance kit on the bundled file plugin: every check passes, in CSV and in JSON Lines.
#include "kit_test_support.hpp"

using namespace kittest;

TEST_CASE("the conformance kit passes the file plugin, in CSV and in JSON Lines") {
  auto plugin = bundled("file");
  if (!plugin) return;
  const Report report = run_kit(*plugin, {});
  check_no_failures(report);

  // The path checks ran once per format, and covered every claimed type.
  for (const char* variant : {" [.csv]", " [.jsonl]"}) {
    CAPTURE(variant);
    CHECK(outcome_of(report, std::string("roundtrip.all_types") + variant) == Outcome::Pass);
    CHECK(outcome_of(report, std::string("export.atomic.append") + variant) == Outcome::Pass);
    CHECK(outcome_of(report, std::string("identifiers.path.unicode") + variant) == Outcome::Pass);
    // Byte-range partitions: plans, small and empty files; no column ranges (skipped, saying why).
    CHECK(outcome_of(report, std::string("partitions.plan_and_load") + variant) == Outcome::Pass);
    CHECK(outcome_of(report, std::string("partitions.small_and_empty") + variant) == Outcome::Pass);
    CHECK(outcome_of(report, std::string("partitions.bad_requests") + variant) == Outcome::Pass);
    const auto* on = report.find(std::string("partitions.partition_on") + variant);
    REQUIRE(on != nullptr);
    CHECK(on->outcome == Outcome::Skip);
    CHECK(on->reason.find("does not range partitions on a column") != std::string::npos);
  }
  CHECK(report.types_tested == plugin->supported_types());

  // What the file plugin does not declare is skipped, saying why -- never run, never failed.
  const auto* execute = report.find("execute.statements");
  REQUIRE(execute != nullptr);
  CHECK(execute->outcome == Outcome::Skip);
  CHECK(execute->reason == "the plugin does not declare execute");
  const auto* upsert = report.find("export.upsert.update [.csv]");
  REQUIRE(upsert != nullptr);
  CHECK(upsert->outcome == Outcome::Skip);
  CHECK(upsert->reason == "the plugin does not declare upsert");
}
