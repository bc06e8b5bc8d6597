// The commands. Each declares its arguments and options on the top-level CLI11 app (command_line.hpp)
// and runs with what was given, returning the exit status; it throws UsageError for mistakes in the
// arguments and mageio::Error (or any std::exception) for failures.
#pragma once

#include "command_line.hpp"

#include <vector>

namespace mageio::cli {

struct CommandEntry {
  /// Adds the command to `mageio` and returns it (for config, the subcommand that runs: config show).
  CLI::App* (*declare)(CLI::App& mageio);
  int (*run)(const ParsedArgs& args);
};

CLI::App* declare_plugins(CLI::App& mageio);
CLI::App* declare_load(CLI::App& mageio);
CLI::App* declare_export(CLI::App& mageio);
CLI::App* declare_copy(CLI::App& mageio);
CLI::App* declare_exec(CLI::App& mageio);
CLI::App* declare_config(CLI::App& mageio);
CLI::App* declare_new(CLI::App& mageio);
CLI::App* declare_test_plugin(CLI::App& mageio);

int run_plugins(const ParsedArgs& args);
int run_load(const ParsedArgs& args);
int run_export(const ParsedArgs& args);
int run_copy(const ParsedArgs& args);
int run_exec(const ParsedArgs& args);
int run_config(const ParsedArgs& args);
int run_new(const ParsedArgs& args);
int run_test_plugin(const ParsedArgs& args);

/// Every command, in the order the top-level help lists them.
const std::vector<CommandEntry>& commands();

}  // namespace mageio::cli
