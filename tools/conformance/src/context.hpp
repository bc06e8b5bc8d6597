// What every check shares: the plugin and its config, recording results, opening instances, unique
// names and targets, expecting errors (with a message), and cleaning up what the kit created.
#pragma once

#include "data.hpp"

#include <mageio/conformance/kit.hpp>
#include <mageio/core/connector.hpp>

#include <boost/json/object.hpp>

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace mageio::conformance::detail {

/// Thrown inside a check to end it with FAIL or SKIP.
struct CheckFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct CheckSkip : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string& reason) { throw CheckFailure(reason); }
[[noreturn]] inline void skip(const std::string& reason) { throw CheckSkip(reason); }
inline void require(bool ok, const std::string& reason) {
  if (!ok) fail(reason);
}

/// Where data goes: a table (TABLES plugins) or a path (PATHS plugins).
struct Target {
  std::string table;
  std::string path;
  std::string describe() const;
};

/// The status name of an error and its message, for reasons: "NOT_FOUND: sqlite load: no such table".
std::string describe_error(const sdk::Error& error);

class Kit {
 public:
  Kit(const Plugin& plugin, boost::json::object config, Options options, Report& report);
  ~Kit();
  Kit(const Kit&) = delete;
  Kit& operator=(const Kit&) = delete;

  const Plugin& plugin() const { return plugin_; }
  /// Whether every bit is declared: by the plugin, and once open.config opened the kit's instance, by
  /// that instance (ABI 1.1 instance_capabilities), so the kit tests only what the instance says it does.
  bool has(uint64_t capabilities) const {
    return plugin_.has(capabilities) && (!connector_ || connector_->has(capabilities));
  }
  const Options& options() const { return options_; }
  const boost::json::object& config() const { return config_; }
  Report& report() { return report_; }

  // --- Recording ---------------------------------------------------------------------------------------
  /// Runs one check: PASS unless it throws CheckFailure (FAIL), CheckSkip (SKIP) or anything else (FAIL,
  /// "unexpected error: ..."). The variant (see set_variant) is appended to the name.
  void check(const std::string& name, const std::function<void()>& body);
  /// check() when every bit of `capabilities` is declared; otherwise SKIP naming the missing ones.
  void check_with(uint64_t capabilities, const std::string& name, const std::function<void()>& body);
  void record(const std::string& name, Outcome outcome, const std::string& reason = {});
  /// The data checks run once for tables (TABLES) and once per path ending (PATHS); with more than one
  /// run, " [tables]" or " [.csv]" is appended to their names.
  void set_variant(bool paths, std::string suffix, bool qualify);
  /// Whether targets are paths in the running variant.
  bool paths() const { return paths_; }
  const std::string& suffix() const { return suffix_; }
  /// Appends a PASS reason (e.g. "NOT_IMPLEMENTED, accepted") to the running check.
  void note(const std::string& text) { pass_note_ = text; }

  // --- Instances -----------------------------------------------------------------------------------------
  /// Opens an instance with `config` through the host.
  std::unique_ptr<Connector> open(const boost::json::object& config) const;
  /// The instance opened by open.config; SKIPs the running check when there is none.
  Connector& connector();
  void set_connector(std::unique_ptr<Connector> connector) { connector_ = std::move(connector); }
  bool opened() const { return connector_ != nullptr; }
  /// A fresh instance for checks that touch its host callbacks (cancellation).
  std::unique_ptr<Connector> open_fresh() const { return open(config_); }

  // --- Names and targets -----------------------------------------------------------------------------------
  /// A name nobody else uses: prefix_random_counter ([a-z0-9_]).
  std::string unique_name();
  /// A new target that does not exist yet, remembered for cleanup. `name` (tables) or the file name
  /// (paths, the variant's ending is added) defaults to unique_name().
  Target new_target(const std::string& name = {});
  /// A table the kit made through SQL (execute), remembered for cleanup.
  void remember_table(const std::string& table);
  /// A target that was never created (e.g. its name was refused): nothing to clean up.
  void forget(const Target& target);
  /// The directory a new path goes to (a fresh subdirectory per call).
  std::filesystem::path new_directory();

  // --- Data helpers ----------------------------------------------------------------------------------------
  /// The types of the basic (id, name) table: an integer (or string) key and a string, preferring what
  /// the plugin claims.
  const sdk::DataType& key_type() const { return key_type_; }
  const sdk::DataType& text_type() const { return text_type_; }
  Table basic(const std::vector<std::pair<int64_t, std::string>>& rows) const {
    return basic_table(key_type_, text_type_, rows);
  }
  /// Exports `table` to `target` and checks rows_written.
  int64_t export_table(Connector& connector, const Target& target, const Table& table,
                       const std::string& if_exists = "fail", SourceOptions source = {},
                       const std::vector<std::string>& unique_constraints = {}, const std::string& method = {});
  /// Loads a whole target as text.
  TextTable load(Connector& connector, const Target& target, std::optional<int64_t> limit = std::nullopt,
                 std::optional<int64_t> batch_rows = std::nullopt);
  /// Whether the target exists: table_exists when declared, otherwise whether a load finds it.
  bool exists(Connector& connector, const Target& target);
  /// FAILs unless the target holds exactly `expected` (as multisets of rows).
  void expect_content(Connector& connector, const Target& target, const Table& expected, const std::string& context);

  /// Runs `call`, which must fail with one of `allowed` (empty: any status) and a non-empty message.
  /// Returns the error. FAILs the running check otherwise, naming `what`.
  /// FAILs when `error` carries no message from the plugin.
  static void require_message(const std::string& what, const sdk::Error& error);
  sdk::Error expect_error(const std::string& what, const std::function<void()>& call,
                          std::initializer_list<MageioStatus> allowed = {});

  // --- SQL ------------------------------------------------------------------------------------------------
  /// The table name quoted for this plugin's SQL, found by probing (see detect_quote); nullopt when no
  /// quoting worked (or the plugin cannot execute).
  std::optional<std::string> quoted(const std::string& table);
  /// Tries "name" then `name` on an existing simple-named table; remembers what worked.
  void detect_quote(const std::string& existing_simple_table);

  /// Drops every table, removes the work directory; records the cleanup check.
  void cleanup();

 private:
  std::string mask(std::string text) const;

  const Plugin& plugin_;
  boost::json::object config_;
  Options options_;
  Report& report_;
  std::unique_ptr<Connector> connector_;
  bool paths_ = false;
  std::string suffix_;
  bool qualify_ = false;
  std::string pass_note_;
  std::string run_id_;
  int counter_ = 0;
  std::filesystem::path work_dir_;
  std::vector<std::string> tables_;  // to drop, in creation order
  std::optional<char> quote_;
  bool quote_probed_ = false;
  sdk::DataType key_type_;
  sdk::DataType text_type_;
};

// The groups of checks (one file each).
void descriptor_checks(Kit& kit);
void abi_checks(Kit& kit);
void open_checks(Kit& kit);
void robustness_checks(Kit& kit);
void roundtrip_checks(Kit& kit);
void load_checks(Kit& kit);
void partition_checks(Kit& kit);  // plan_partitions + load_partition (ABI 1.1)
void stage_checks(Kit& kit);      // stage_begin + stage_write + stage_finish (ABI 1.1)
void export_checks(Kit& kit);
void identifier_checks(Kit& kit);
void table_checks(Kit& kit);    // table_exists, alter_table
void execute_checks(Kit& kit);  // execute, execute_queries, load with a query

}  // namespace mageio::conformance::detail
