// mageio test-plugin NAME|PATH [options]: the conformance kit (tools/conformance) on one plugin.
//
// One line per check (PASS / FAIL / SKIP), then the capability summary and the counts. Exit status 1
// when a check failed, 0 otherwise, 2 for usage errors. The checks run in a child process, so a plugin
// that crashes or hangs is a FAIL of the check that was running, not the end of the report.
#include "cli_context.hpp"
#include "commands.hpp"
#include "value_checks.hpp"

#include <mageio/conformance/kit.hpp>

#include <cmath>
#include <csignal>
#include <iostream>

namespace mageio::cli {
namespace {

bool looks_like_path(const std::string& text) { return text.find('/') != std::string::npos || text.ends_with(".so"); }

}  // namespace

CLI::App* declare_test_plugin(CLI::App& mageio) {
  CLI::App* command = add_command(
      mageio, "test-plugin", "run the conformance kit on a plugin (by name or .so path)",
      "usage: mageio test-plugin NAME|PATH [--set KEY=VALUE ...] [--config FILE --profile P] [options]",
      R"TEXT(Runs the conformance kit on a plugin: a plugin name (found like every command finds plugins; see
--plugin-dir) or the path of a plugin library (anything with a '/' or ending in .so). It checks the
descriptor and the ABI rules, then every capability the plugin declares -- and only those: a check
for an undeclared capability is SKIP. Data checks export generated tables holding every type the
plugin claims in supported_types (edge values, nulls, unicode) and load them back cell by cell;
if_exists modes, atomicity when the input fails, cancellation, upserts, quoting of odd table and
column names, alter_table, execute and transactions follow.

Tables plugins need their config (--set SQLITE_DATABASE=/tmp/kit.db, or --config/--profile): the
kit creates tables named mageio_kit_* (and one named select) and drops them at the end. Paths
plugins write into a fresh temporary directory that is removed at the end. The plugin runs with
XDG_DATA_HOME set to a fresh directory (removed at the end too): a plugin that keeps its data
under the user's data directory by default, as the ones `mageio new` makes do, needs no config
and never writes into yours.

Prints one line per check -- PASS  name / FAIL  name: reason / SKIP  name: reason -- then the
declared capabilities, the types tested and "N passed, N failed, N skipped". Exit status: 1 if any
check failed, 0 otherwise, 2 for usage errors.)TEXT");
  add_argument(*command, "PLUGIN",
               "a plugin name or the path of a plugin library (anything with a '/' or ending in .so)");
  add_repeatable(*command, "--path-suffix", "SUFFIX",
                 "paths plugins: the ending of generated file names, e.g. .csv (repeatable: the path checks run "
                 "once per ending; default: .csv and .jsonl for the file plugin, none for others)");
  add_value(*command, "--work-dir", "DIR", "paths plugins: make the temporary directory inside DIR");
  add_value(*command, "--open-cycles", "N", "open/close cycles of open.close_cycles (default 20)");
  add_flag(*command, "--in-process", "run the checks in this process (a crashing plugin ends the run)");
  // The checks run in a child process already, so here --timeout needs no --isolate.
  add_isolation_options(*command,
                        "a check running longer than SECONDS (a positive number, rounded up to whole seconds) is "
                        "reported as hanging (default 600)");
  return command;
}

int run_test_plugin(const ParsedArgs& parsed) {
  const std::string& command = parsed.command();
  const std::string which = *parsed.get("PLUGIN");
  if (which.empty()) throw UsageError(command, "PLUGIN needs a plugin name or the path of a plugin library");

  conformance::Options options;
  options.path_suffixes = parsed.all("--path-suffix");
  if (auto dir = parsed.get("--work-dir")) options.work_dir = *dir;
  if (auto cycles = parsed.get("--open-cycles"))
    options.open_close_cycles =
        static_cast<int>(std::min<int64_t>(parse_count(command, "--open-cycles", *cycles), 100000));
  const CommonOptions common = CommonOptions::from(parsed);
  if (common.timeout_seconds)
    options.check_timeout_seconds = static_cast<int>(std::ceil(std::min(*common.timeout_seconds, 86400.0)));

  CliContext context(common);
  std::shared_ptr<const Plugin> plugin;
  if (looks_like_path(which)) {
    try {
      plugin = Registry::load_file(which);
    } catch (const sdk::Error& error) {
      throw sdk::Error(error.status(), which + " cannot be tested: " + error.what());
    }
  } else {
    plugin = context.plugin(which);
  }

  // The config of the profile (with --set). Required keys that are missing are the kit's to report
  // (open.config says which to pass); misspelt keys are still an error here.
  const Profile profile = context.profile();
  ConfigSchema relaxed = plugin->config_schema();
  for (auto& key : relaxed.keys) key.required = false;
  const boost::json::object config = profile.config_for(plugin->name(), relaxed);
  options.secrets = profile.secret_values({plugin->config_schema()});
  for (const auto& secret : known_secrets()) options.secrets.push_back(secret);

  options.isolate = context.options().isolate;
  options.isolate_timeout_seconds = context.options().timeout_seconds;
  if (options.isolate) std::cout << "running " << plugin->name() << " isolated (mageio-plugin-host)" << std::endl;
  options.on_result = [](const conformance::CheckResult& result) {
    std::cout << conformance::format_result(result) << std::endl;
  };
  // In a child process: a plugin that crashes or hangs fails the check it was in instead of ending the run.
  const conformance::Report report = conformance::run_isolated(*plugin, config, options);
  conformance::print_summary(std::cout, report);
  std::cout.flush();
  if (interrupted()) return interrupted_exit_status();
  return report.passed() ? 0 : 1;
}

}  // namespace mageio::cli
