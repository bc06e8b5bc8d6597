// Helpers for the conformance suites: finding the bundled plugins and the fixtures, running the kit with a
// name prefix of the test's own (so the test can see that nothing is left behind), and turning its FAILs
// into doctest failures that carry the reason.
#pragma once

#include "test_support.hpp"

#include <mageio/conformance/kit.hpp>
#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>

#include <unistd.h>

#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>

namespace kittest {

using mageio::conformance::Outcome;
using mageio::conformance::Report;

inline bool under_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

/// A bundled plugin of this build, or nullptr when it was left out of the build (a failure under CI=true,
/// a message otherwise; the caller returns).
inline std::shared_ptr<const mageio::Plugin> bundled(const std::string& name) {
  mageio::Registry registry = mageio::test::bundled_registry();
  try {
    return registry.find(name);
  } catch (const mageio::Error& error) {
    if (under_ci())
      FAIL("the bundled plugin " << name << " is not built (CI=true, so this is a failure): " << error.what());
    else
      MESSAGE("the bundled plugin " << name << " is not built (MAGEIO_EXCLUDE_PLUGINS?); skipping its conformance run");
    return nullptr;
  }
}

inline std::filesystem::path fixture_path(const std::string& name) {
  return std::filesystem::path(MAGEIO_TEST_PLUGIN_DIR) / name / ("libmageio_" + name + ".so");
}

/// A fixture plugin, loaded by path as `mageio test-plugin PATH` does.
inline std::shared_ptr<const mageio::Plugin> fixture(const std::string& name) {
  return mageio::Registry::load_file(fixture_path(name));
}

/// A prefix for the kit's names that no other run uses: kit_<label>_<pid>_<random>.
inline std::string unique_prefix(const std::string& label) {
  return "kit_" + label + "_" + std::to_string(getpid()) + "_" + std::to_string(std::random_device{}() % 100000);
}

/// Runs the kit in this process.
inline Report run_kit(const mageio::Plugin& plugin, const boost::json::object& config,
                      mageio::conformance::Options options = {}) {
  return mageio::conformance::run(plugin, config, options);
}

/// One doctest failure per FAIL of the report, naming the check and its reason.
inline void check_no_failures(const Report& report) {
  for (const auto& result : report.results)
    if (result.outcome == Outcome::Fail) FAIL_CHECK(mageio::conformance::format_result(result));
  CHECK(report.count(Outcome::Fail) == 0);
  CHECK(report.count(Outcome::Pass) > 0);
}

inline std::set<std::string> names(const Report& report, Outcome outcome) {
  auto list = report.names(outcome);
  return {list.begin(), list.end()};
}

/// The outcome of a check, or a doctest failure when it did not run.
inline Outcome outcome_of(const Report& report, const std::string& name) {
  const auto* result = report.find(name);
  if (result == nullptr) {
    FAIL_CHECK("the kit did not run " << name);
    return Outcome::Skip;
  }
  return result->outcome;
}

/// The config of a server plugin from the variables of tools/with-test-servers.sh: for each field,
/// `variables` + field (MAGEIO_TEST_PG_HOST) becomes `keys` + field (POSTGRES_HOST). nullopt when one is
/// missing (server_env has then said so: a failure under CI=true, a skip otherwise).
inline std::optional<boost::json::object> server_config(const std::string& variables, const std::string& keys,
                                                        std::initializer_list<const char*> fields) {
  boost::json::object config;
  for (const char* field : fields) {
    auto value = mageio::test::server_env(variables + field);
    if (!value) return std::nullopt;
    config[keys + field] = *value;
  }
  return config;
}

/// Runs the kit on a server plugin, which declares every capability but paths: every check passes, the
/// round trip covers every type it claims, and the kit cleaned up after itself. The test then looks in
/// the database itself for tables named options.name_prefix + ...
inline void check_server_plugin_passes(const mageio::Plugin& plugin, const boost::json::object& config,
                                       const mageio::conformance::Options& options) {
  const Report report = run_kit(plugin, config, options);
  check_no_failures(report);
  CHECK(report.types_tested == plugin.supported_types());
  CHECK(outcome_of(report, "execute_queries.atomic") == Outcome::Pass);
  CHECK(outcome_of(report, "cleanup") == Outcome::Pass);
}

}  // namespace kittest
