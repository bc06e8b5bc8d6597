// The command line, declared with CLI11: each command declares its arguments and options once (name,
// value name, description, group), and the help is generated from those declarations (help_format.hpp).
// This file adds what CLI11 leaves to us: the wording of usage errors (exit status 2, naming the option,
// with a "did you mean" for a close misspelling), common options that may come before or after the
// command, and reading what was given.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mageio::cli {

/// A mistake in how the command was typed. `command` is the command whose help to point at ("" for
/// the top level).
class UsageError : public std::runtime_error {
 public:
  UsageError(std::string command, const std::string& message)
      : std::runtime_error(message), command_(std::move(command)) {}
  const std::string& command() const noexcept { return command_; }

 private:
  std::string command_;
};

// --- Declaring ------------------------------------------------------------------------------------

/// The group of options without a group of their own, and of the options every command accepts.
inline constexpr const char* kOptionsGroup = "options";
inline constexpr const char* kCommonGroup = "common options";

/// A command under `parent`. `summary` is its line in the top-level help; `usage` the synopsis its help
/// starts with, `about` the text after it, `footer` what ends its help (examples, notes). Adds the
/// common options, so they may also be given after the command.
CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& summary, const std::string& usage,
                      const std::string& about, const std::string& footer = {});

/// A positional argument (required). When it is missing, the error says "missing NAME, <description>".
CLI::Option* add_argument(CLI::App& command, const std::string& name, const std::string& description);
/// `--name VALUE`, given at most once.
CLI::Option* add_value(CLI::App& command, const std::string& name, const std::string& value_name,
                       const std::string& description, const std::string& group = kOptionsGroup);
/// `--name VALUE`, repeatable (the values are kept in order).
CLI::Option* add_repeatable(CLI::App& command, const std::string& name, const std::string& value_name,
                            const std::string& description, const std::string& group = kOptionsGroup);
/// `--name`, a flag taking no value.
CLI::Option* add_flag(CLI::App& command, const std::string& name, const std::string& description,
                      const std::string& group = kOptionsGroup);

/// --config, --profile, --set, --plugin-dir, --quiet, --progress and -h/--help (last, so the help lists
/// it last).
void add_common_options(CLI::App& command);

/// --isolate and --timeout SECONDS, on the commands that open connectors.
void add_isolation_options(CLI::App& command, const std::string& timeout_description);

// --- Reading --------------------------------------------------------------------------------------

/// What was given to one command: its arguments and options, and the common options given before it
/// (`mageio --config x.yaml load ...`), those first. Flags are stored with the value "true".
class ParsedArgs {
 public:
  /// `command` is the command CLI11 parsed (a subcommand such as load or config show).
  explicit ParsedArgs(const CLI::App& command);

  /// The command for messages and its help: "load", "config" for config show.
  const std::string& command() const { return command_; }

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  /// The value of an argument (by its name: "SOURCE") or of a single-valued option ("--table").
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  /// Every value of a repeatable option, in order (empty when not given).
  const std::vector<std::string>& all(const std::string& name) const;

 private:
  std::string command_;
  std::map<std::string, std::vector<std::string>> values_;
};

/// Parses the command line of `mageio` (declared on `app`) and returns the command to run, or null when
/// help was asked for (and printed to `out`). Throws UsageError.
const CLI::App* parse_command_line(CLI::App& app, int argc, char** argv, std::ostream& out);

}  // namespace mageio::cli
