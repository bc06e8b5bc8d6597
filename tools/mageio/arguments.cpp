#include "arguments.hpp"

#include <algorithm>
#include <charconv>

namespace mageio::cli {
namespace {

const OptionSpec* find_option(const std::vector<const OptionSpec*>& options, const std::string& name) {
  for (const auto* option : options)
    if (option->name == name) return option;
  return nullptr;
}

std::vector<const OptionSpec*> all_options(const CommandSpec& spec) {
  std::vector<const OptionSpec*> options;
  for (const auto& option : spec.options) options.push_back(&option);
  for (const auto& option : common_options()) options.push_back(&option);
  return options;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string did_you_mean(const std::vector<const OptionSpec*>& options, const std::string& name) {
  const OptionSpec* best = nullptr;
  size_t best_distance = 3;  // only close misspellings
  for (const auto* option : options) {
    size_t distance = edit_distance(name, option->name);
    if (distance < best_distance) {
      best = option;
      best_distance = distance;
    }
  }
  return best ? " (did you mean " + best->name + "?)" : "";
}

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

std::string display_command(const CommandSpec& spec) { return spec.name.empty() ? "mageio" : spec.name; }

}  // namespace

std::optional<std::string> ParsedArgs::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string ParsedArgs::get_or(const std::string& name, const std::string& fallback) const {
  auto value = get(name);
  return value ? *value : fallback;
}

const std::vector<std::string>& ParsedArgs::all(const std::string& name) const {
  static const std::vector<std::string> none;
  auto it = values_.find(name);
  return it == values_.end() ? none : it->second;
}

const std::vector<OptionSpec>& common_options() {
  static const std::vector<OptionSpec> options = {
      {"--config", true, false}, {"--profile", true, false}, {"--plugin-dir", true, true},
      {"--set", true, true},     {"--quiet", false, false},  {"--progress", false, false},
  };
  return options;
}

const std::vector<OptionSpec>& data_options() {
  static const std::vector<OptionSpec> options = {{"--column-type", true, true}, {"--option", true, true}};
  return options;
}

bool wants_help(const CommandSpec& spec, const std::vector<std::string>& args) {
  const auto options = all_options(spec);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") return false;
    if (arg == "-h" || arg == "--help") return true;
    if (!arg.starts_with("--") || arg.find('=') != std::string::npos) continue;
    if (const auto* option = find_option(options, arg); option && option->takes_value) ++i;  // skip its value
  }
  return false;
}

ParsedArgs parse_arguments(const CommandSpec& spec, const std::vector<std::string>& args) {
  const auto options = all_options(spec);
  const std::string command = spec.name;
  ParsedArgs parsed;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg == "-" || !arg.starts_with("-")) {
      parsed.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (!arg.starts_with("--"))
      throw UsageError(
          command, "unknown option '" + arg + "' for " + display_command(spec) + " (options are spelled out: --name)");
    const size_t equals = arg.find('=');
    const std::string name = arg.substr(0, equals);
    const OptionSpec* option = find_option(options, name);
    if (option == nullptr)
      throw UsageError(command,
                       "unknown option '" + name + "' for " + display_command(spec) + did_you_mean(options, name));
    std::string value;
    if (option->takes_value) {
      if (equals != std::string::npos) {
        value = arg.substr(equals + 1);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        throw UsageError(command, "option " + name + " needs a value");
      }
    } else if (equals != std::string::npos) {
      throw UsageError(command, "option " + name + " takes no value");
    }
    if (!option->repeatable && parsed.has(name)) throw UsageError(command, "option " + name + " given more than once");
    parsed.add(name, std::move(value));
  }

  const auto& names = spec.positional_names;
  if (parsed.positionals.size() < names.size()) {
    std::string missing;
    for (size_t i = parsed.positionals.size(); i < names.size(); ++i)
      missing += (missing.empty() ? "" : " ") + names[i];
    throw UsageError(command, "missing " + missing + " (a plugin name; 'mageio plugins' lists them)");
  }
  if (parsed.positionals.size() > names.size())
    throw UsageError(command, "unexpected argument '" + parsed.positionals[names.size()] + "'");
  return parsed;
}

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

std::string exactly_one_of(const std::string& command, const ParsedArgs& args, const std::vector<std::string>& names,
                           bool required) {
  std::vector<std::string> given;
  for (const auto& name : names)
    if (args.has(name)) given.push_back(name);
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  if (given.size() > 1)
    throw UsageError(command, given[0] + " and " + given[1] + " cannot be used together (give one of " + list + ")");
  if (given.empty()) {
    if (required) throw UsageError(command, "missing " + list);
    return {};
  }
  return given[0];
}

void requires_option(const std::string& command, const ParsedArgs& args, const std::string& option,
                     const std::string& needs) {
  if (args.has(option) && !args.has(needs)) throw UsageError(command, option + " needs " + needs);
}

}  // namespace mageio::cli
