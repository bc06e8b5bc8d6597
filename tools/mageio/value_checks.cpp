#include "value_checks.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace mageio::cli {
namespace {

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

}  // namespace

std::pair<std::string, std::string> split_assignment(const std::string& command, const std::string& option,
                                                     const std::string& text, const std::string& what) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0)
    throw UsageError(command, option + " expects " + what + ", got '" + text + "'");
  return {text.substr(0, equals), text.substr(equals + 1)};
}

int64_t parse_count(const std::string& command, const std::string& option, const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 0)
    throw UsageError(command, option + " expects a non-negative whole number, got '" + text + "'");
  return value;
}

double parse_seconds(const std::string& command, const std::string& option, const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::fixed);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value) || value <= 0)
    throw UsageError(command, option + " expects a positive number of seconds, got '" + text + "'");
  return value;
}

void check_choice(const std::string& command, const std::string& option, const std::string& value,
                  const std::vector<std::string>& choices) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return;
  std::string list;
  for (const auto& choice : choices) list += (list.empty() ? "" : ", ") + choice;
  throw UsageError(command, "invalid value '" + value + "' for " + option + " (choose from " + list + ")");
}

std::vector<std::string> split_list(const std::string& command, const std::string& option, const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item = trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty())
      throw UsageError(command, option + " expects a comma-separated list of names, got '" + text + "'");
    items.push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::string exactly_one_of(const ParsedArgs& args, const std::vector<std::string>& names, bool required) {
  std::vector<std::string> given;
  for (const auto& name : names)
    if (args.has(name)) given.push_back(name);
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  if (given.size() > 1)
    throw UsageError(args.command(),
                     given[0] + " and " + given[1] + " cannot be used together (give one of " + list + ")");
  if (given.empty()) {
    if (required) throw UsageError(args.command(), "missing " + list);
    return {};
  }
  return given[0];
}

void requires_option(const ParsedArgs& args, const std::string& option, const std::string& needs) {
  if (args.has(option) && !args.has(needs)) throw UsageError(args.command(), option + " needs " + needs);
}

}  // namespace mageio::cli
