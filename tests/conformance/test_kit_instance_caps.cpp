// The kit tests what the instance it opened declares (ABI 1.1 instance_capabilities), not only the
// descriptor: on the narrowing fixture with an instance that cannot execute, the execute checks are
// skipped saying so, and the report notes what the instance does not declare.
#include "kit_test_support.hpp"

using namespace kittest;

TEST_CASE("the kit skips what the opened instance does not declare, and says so") {
  const Report all = run_kit(*fixture("narrowing"), {});
  CHECK(all.find("execute.statements")->reason != "the instance (open.config) does not declare execute");

  const Report narrowed = run_kit(*fixture("narrowing"), {{"NARROWING_CAPS", "load,export,paths"}});
  for (const char* name : {"execute.statements", "execute.bad_sql", "execute.missing_table"}) {
    CAPTURE(name);
    REQUIRE(narrowed.find(name) != nullptr);
    CHECK(narrowed.find(name)->outcome == Outcome::Skip);
    CHECK(narrowed.find(name)->reason == "the instance (open.config) does not declare execute");
  }
  bool noted = false;
  for (const auto& note : narrowed.notes)
    noted = noted || note ==
                         "the instance does not declare execute, table_exists, upsert (the plugin does): those "
                         "checks are skipped";
  CHECK(noted);
}
