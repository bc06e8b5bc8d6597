// Checking the values of options once the command line is parsed: each problem is a UsageError (exit
// status 2) naming the option and what it expects.
#pragma once

#include "command_line.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mageio::cli {

/// Splits KEY=VALUE (KEY non-empty); throws UsageError naming the option otherwise.
std::pair<std::string, std::string> split_assignment(const std::string& command, const std::string& option,
                                                     const std::string& text, const std::string& what = "KEY=VALUE");

/// A non-negative integer; throws UsageError naming the option otherwise.
int64_t parse_count(const std::string& command, const std::string& option, const std::string& text);

/// A positive, finite number of seconds (fractions allowed); throws UsageError naming the option otherwise.
double parse_seconds(const std::string& command, const std::string& option, const std::string& text);

/// `value` must be one of `choices` (compared exactly); throws UsageError listing them otherwise.
void check_choice(const std::string& command, const std::string& option, const std::string& value,
                  const std::vector<std::string>& choices);

/// Splits "a,b" on commas, trimming spaces around items; empty items are a UsageError.
std::vector<std::string> split_list(const std::string& command, const std::string& option, const std::string& text);

/// Exactly one of `names` must be given (when `required`), never two. Returns the one given or "".
std::string exactly_one_of(const ParsedArgs& args, const std::vector<std::string>& names, bool required = true);

/// `option` may only be given together with `needs`.
void requires_option(const ParsedArgs& args, const std::string& option, const std::string& needs);

}  // namespace mageio::cli
