// What every command shares: the common options, the io_config.yaml and its profiles (with --set
// applied), the plugin registry, opening connectors, and messages on stderr.
#pragma once

#include "command_line.hpp"
#include "progress_line.hpp"

#include <mageio/core/connector.hpp>
#include <mageio/core/io_config.hpp>
#include <mageio/core/registry.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mageio::cli {

struct CommonOptions {
  std::optional<std::string> config;  // --config; unset: ./io_config.yaml if it exists
  std::string profile = "default";    // --profile
  std::vector<std::string> plugin_dirs;
  std::vector<std::pair<std::string, std::string>> sets;  // --set KEY=VALUE, in order
  bool quiet = false;
  bool progress = false;  // --progress: the progress line even without a terminal (or with --quiet)
  // Of the commands that open connectors (load, export, copy, exec, test-plugin):
  bool isolate = false;                   // --isolate: the plugin runs in a child process
  std::optional<double> timeout_seconds;  // --timeout: how long an isolated operation may make no progress

  /// Reads the common options from parsed arguments; throws UsageError for a malformed --set or --timeout.
  static CommonOptions from(const ParsedArgs& args);
};

class CliContext {
 public:
  explicit CliContext(CommonOptions options);
  ~CliContext();
  CliContext(const CliContext&) = delete;
  CliContext& operator=(const CliContext&) = delete;

  const CommonOptions& options() const { return options_; }
  bool quiet() const { return options_.quiet; }

  Registry& registry() { return registry_; }
  /// The plugin of that name, or the registry's NOT_FOUND error (which lists where it looked).
  std::shared_ptr<const Plugin> plugin(const std::string& name) { return registry_.find(name); }
  /// The config schemas of every plugin found (for masking secrets).
  std::vector<ConfigSchema> all_schemas();

  /// A profile of the config with every --set applied; `name` empty means --profile.
  Profile profile(const std::string& name = {});
  /// Opens plugin `plugin_name` with its keys from profile `profile_name` (empty: --profile).
  std::unique_ptr<Connector> open(const std::string& plugin_name, const std::string& profile_name = {});

  /// Shows the progress line for the loads and exports of `connector` (call it for one connector: one
  /// line per command): by default when stderr is a terminal, not with --quiet, and not when
  /// `rows_to_terminal` (the command prints rows there, and the line would get in their way); always
  /// with --progress.
  void show_progress(Connector& connector, bool rows_to_terminal = false);
  /// Erases the progress line for good, before the command prints its result. Also done on
  /// destruction, so a failed or cancelled command leaves no half line behind.
  void end_progress();

  /// A line on stderr, unless --quiet.
  void note(const std::string& message) const;
  void warn(const std::string& message) const;

 private:
  const IoConfig* config();

  CommonOptions options_;
  Registry registry_;
  bool config_loaded_ = false;
  std::optional<IoConfig> config_;
  std::vector<std::shared_ptr<HostCallbacks>> hosts_;
  std::shared_ptr<ProgressLine> progress_;  // null when not shown
};

/// Every secret value seen so far (config passwords, --set values of secret keys): the top level masks
/// them in any message it prints.
std::vector<std::string>& known_secrets();

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP ask running plugin operations to stop (they fail with CANCELLED
/// and leave the destination as it was); a second such signal ends the program at once.
void install_interrupt_handler();
/// True once a stopping signal arrived.
bool interrupted();
/// The exit status of a command ended by a signal: 128 + the signal's number (130 for Ctrl-C).
int interrupted_exit_status();
/// Throws Error(CANCELLED) after Ctrl-C; loops that read batches call it once per batch.
void check_interrupted();

}  // namespace mageio::cli
