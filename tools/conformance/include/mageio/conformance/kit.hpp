// The conformance kit: what ADBC's validation suite is for its drivers, for mageio plugins.
//
//   mageio::Registry registry;
//   auto plugin = registry.find("sqlite");
//   auto report = mageio::conformance::run(*plugin, {{"SQLITE_DATABASE", "/tmp/kit.db"}});
//   for (const auto& result : report.results) std::cout << mageio::conformance::format_result(result) << '\n';
//
// It drives the plugin through the real host (and, for the ABI checks, through its raw descriptor) and
// checks each capability the plugin declares -- and only those: a check that needs an undeclared
// capability is SKIP, with the reason. The checks, by group (names are stable; tests assert on them):
//
//   descriptor.*   struct_size, versions, name, required slots, capability bits against slots and each
//                  other, config schema, supported_types, negotiation through the raw entry point
//   abi.*          no write past the MageioError struct_size the plugin was given (entry point, open and
//                  every declared operation, in a canary-filled buffer); open without host services
//   open.*         open with the given config, open/close cycles, concurrent opens, unknown, missing and
//                  mistyped config keys
//   robustness.*   malformed requests, a table given to a paths plugin (and the other way round)
//   roundtrip.*    export a generated table holding every claimed type (edge values, nulls, unicode) and
//                  load it back, compared cell by cell through canonical text, per type and whole
//   load.*         limit, missing target, cancellation, SQL queries (LOAD_QUERY)
//   export.*       if_exists fail/replace/append, a new target, an empty stream, atomicity when the input
//                  fails at its second batch (create, replace, append, upsert), cancellation, upserts
//   identifiers.*  table (or path) and column names with quotes, backticks, spaces, mixed case, reserved
//                  words and non-ASCII letters survive exactly
//   table_exists.* alter_table.* execute.* execute_queries.*   (TABLE_EXISTS, ALTER_TABLE, EXECUTE,
//                  EXECUTE_QUERIES, TRANSACTIONS)
//   cleanup        everything the kit created is gone again
//
// Every failing call the kit provokes must come with a non-empty message. Names of tables are unique per
// run (Options::name_prefix plus a random part); files go to a fresh directory that is removed at the end,
// and the plugin runs with XDG_DATA_HOME pointing into it (Options::scratch_data_home).
#pragma once

#include <mageio/core/registry.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::conformance {

enum class Outcome { Pass, Fail, Skip };

/// "PASS", "FAIL", "SKIP".
const char* outcome_name(Outcome outcome);

struct CheckResult {
  std::string name;
  Outcome outcome = Outcome::Pass;
  std::string reason;  // one line; empty for a plain PASS
};

struct Report {
  std::string plugin;  // its name
  std::string plugin_version;
  std::string plugin_path;
  std::vector<std::string> capabilities;  // declared, by name ("load", "export", ...)
  std::vector<std::string> types_tested;  // the supported_types the round trip covered
  std::vector<std::string> notes;         // e.g. what could not be cleaned up
  bool isolated = false;                  // the plugin ran in mageio-plugin-host (Options::isolate)
  std::vector<CheckResult> results;       // in the order they ran

  size_t count(Outcome outcome) const;
  /// The names of the checks with that outcome, in order.
  std::vector<std::string> names(Outcome outcome) const;
  /// The result of the check of that exact name, or nullptr.
  const CheckResult* find(std::string_view name) const;
  bool passed() const { return count(Outcome::Fail) == 0; }
};

struct Options {
  /// Prefix of every table and file the kit creates ([a-z0-9_], lowercase); a random part follows.
  std::string name_prefix = "mageio_kit";
  /// PATHS plugins: the endings of the generated file names; the path checks run once per ending. Empty:
  /// a built-in hint by plugin name (file: ".csv" and ".jsonl"), otherwise no ending.
  std::vector<std::string> path_suffixes;
  /// PATHS plugins: the kit makes a fresh directory inside this one (default: the system temp dir).
  std::filesystem::path work_dir;
  /// Run the plugin with XDG_DATA_HOME set to a fresh directory inside the kit's work directory (removed at
  /// the end), so that a plugin keeping its data in the user's data directory by default -- as the plugins
  /// `mageio new` generates do -- is tested without config and never in the user's own directory.
  bool scratch_data_home = true;
  /// Open/close cycles of open.close_cycles.
  int open_close_cycles = 20;
  /// Values masked as **** in reasons (passwords of the config).
  std::vector<std::string> secrets;
  /// Called as each check starts and as each result is known (e.g. to print results as they come).
  std::function<void(const std::string& name)> on_check_start;
  std::function<void(const CheckResult& result)> on_result;
  /// Called when the kit makes its temporary directory (run_isolated removes it if the child dies).
  std::function<void(const std::filesystem::path& dir)> on_work_dir;
  /// run_isolated: a check that takes longer than this is reported as hanging and the run stops.
  int check_timeout_seconds = 600;
  /// Open every connector isolated, in its own mageio-plugin-host child (OpenOptions::isolate), with this
  /// progress timeout. The raw ABI checks still load the library in the kit's own (forked) process.
  bool isolate = false;
  std::optional<double> isolate_timeout_seconds;
};

/// Runs every check on `plugin` (opened with `config`, a config object as Profile::config_for makes it)
/// in this process and returns the results. Never throws for what the plugin does; a plugin that crashes
/// the process takes the caller down with it (see run_isolated).
Report run(const Plugin& plugin, const boost::json::object& config, const Options& options = {});

/// The same in a child process (fork), so that a plugin that crashes or hangs is reported as a FAIL of
/// the check that was running instead of ending the caller. Results still arrive through
/// options.on_result as they happen. Call it while the process has a single thread.
Report run_isolated(const Plugin& plugin, const boost::json::object& config, const Options& options = {});

/// "PASS  name", "FAIL  name: reason", "SKIP  name: reason".
std::string format_result(const CheckResult& result);
/// The capability summary and "N passed, N failed, N skipped".
void print_summary(std::ostream& out, const Report& report);

}  // namespace mageio::conformance
