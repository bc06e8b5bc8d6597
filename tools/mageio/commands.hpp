// The commands. Each takes the arguments after its name and returns the exit status; it throws
// UsageError for mistakes in the arguments and mageio::Error (or any std::exception) for failures.
#pragma once

#include <string>
#include <vector>

namespace mageio::cli {

using Arguments = std::vector<std::string>;

int run_plugins(const Arguments& args);
int run_load(const Arguments& args);
int run_export(const Arguments& args);
int run_copy(const Arguments& args);
int run_exec(const Arguments& args);
int run_config(const Arguments& args);
int run_new(const Arguments& args);
int run_test_plugin(const Arguments& args);

struct CommandEntry {
  const char* name;
  const char* summary;
  int (*run)(const Arguments& args);
};

/// Every command, in the order the top-level help lists them.
const std::vector<CommandEntry>& commands();

/// The help text of the options every command accepts.
extern const char* const kCommonOptionsHelp;

}  // namespace mageio::cli
