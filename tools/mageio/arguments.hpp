// A small hand-written command-line parser: long options (`--name value`, `--name=value`), flags,
// repeatable options, positional arguments, and `--` to end options. Every problem is a UsageError
// (exit status 2) naming the option.
#pragma once

#include <cstdint>
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

struct OptionSpec {
  std::string name;  // with the dashes: "--table"
  bool takes_value = true;
  bool repeatable = false;
};

struct CommandSpec {
  std::string name;                           // "load", "config show"
  std::vector<std::string> positional_names;  // e.g. {"SOURCE", "DEST"}: all required
  std::vector<OptionSpec> options;            // the command's own; the common ones are added by parse
};

/// What was given. Flags are stored with one empty value.
class ParsedArgs {
 public:
  std::vector<std::string> positionals;

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  /// The value of a single-valued option.
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& fallback) const;
  /// Every value of a repeatable option, in order (empty when not given).
  const std::vector<std::string>& all(const std::string& name) const;

  void add(const std::string& name, std::string value) { values_[name].push_back(std::move(value)); }

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

/// Options every command accepts: --config, --profile, --plugin-dir, --set, --quiet, --progress (and
/// --help).
const std::vector<OptionSpec>& common_options();
/// Options of the commands that move data: --column-type, --option.
const std::vector<OptionSpec>& data_options();

/// True when -h/--help is among the options (values of options are skipped, so `--query --help` is a
/// query, not a request for help).
bool wants_help(const CommandSpec& spec, const std::vector<std::string>& args);

/// Parses `args` (everything after the command name). Throws UsageError.
ParsedArgs parse_arguments(const CommandSpec& spec, const std::vector<std::string>& args);

// --- Checking values -------------------------------------------------------------------------------

/// Splits KEY=VALUE (KEY non-empty); throws UsageError naming the option otherwise.
std::pair<std::string, std::string> split_assignment(const std::string& command, const std::string& option,
                                                     const std::string& text, const std::string& what = "KEY=VALUE");

/// A non-negative integer; throws UsageError naming the option otherwise.
int64_t parse_count(const std::string& command, const std::string& option, const std::string& text);

/// `value` must be one of `choices` (compared exactly); throws UsageError listing them otherwise.
void check_choice(const std::string& command, const std::string& option, const std::string& value,
                  const std::vector<std::string>& choices);

/// Splits "a,b" on commas, trimming spaces around items; empty items are a UsageError.
std::vector<std::string> split_list(const std::string& command, const std::string& option, const std::string& text);

/// Exactly one of `names` must be given (when `required`), never two. Returns the one given or "".
std::string exactly_one_of(const std::string& command, const ParsedArgs& args, const std::vector<std::string>& names,
                           bool required = true);

/// `option` may only be given together with `needs`.
void requires_option(const std::string& command, const ParsedArgs& args, const std::string& option,
                     const std::string& needs);

}  // namespace mageio::cli
