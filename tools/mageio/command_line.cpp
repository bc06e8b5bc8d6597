#include "command_line.hpp"

#include "help_format.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <ostream>

namespace mageio::cli {
namespace {

// Repeatable options keep every value; the others are checked for repeats by check_repeats (CLI11's own
// check would word the error its way).
constexpr auto kRepeatable = CLI::MultiOptionPolicy::TakeAll;
constexpr auto kOnce = CLI::MultiOptionPolicy::TakeLast;

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

std::string did_you_mean(const CLI::App& command, const std::string& name) {
  std::string best;
  size_t best_distance = 3;  // only close misspellings
  for (const CLI::Option* option : command.get_options()) {
    for (const auto& long_name : option->get_lnames()) {
      const size_t distance = edit_distance(name, "--" + long_name);
      if (distance < best_distance) {
        best = "--" + long_name;
        best_distance = distance;
      }
    }
  }
  return best.empty() ? "" : " (did you mean " + best + "?)";
}

// The apps from the top level down to the deepest command given.
std::vector<const CLI::App*> selected_chain(const CLI::App& top) {
  std::vector<const CLI::App*> chain{&top};
  while (!chain.back()->get_subcommands().empty()) chain.push_back(chain.back()->get_subcommands().front());
  return chain;
}

// The command whose help an error points at: the one under the top level ("config" for config show).
std::string command_name(const std::vector<const CLI::App*>& chain) {
  return chain.size() < 2 ? std::string() : chain[1]->get_name();
}

// The help of the deepest command given. A command that only groups subcommands (config) shows the
// help of its only one.
std::string help_text(const CLI::App& top) {
  const CLI::App* app = selected_chain(top).back();
  const auto subcommands = app->get_subcommands([](const CLI::App*) { return true; });
  if (app != &top && subcommands.size() == 1) app = subcommands.front();
  return app->get_formatter()->make_help(app, app->get_name(), CLI::AppFormatMode::Normal);
}

bool help_given(const std::vector<const CLI::App*>& chain) {
  for (const CLI::App* app : chain)
    if (const CLI::Option* help = app->get_help_ptr(); help != nullptr && help->count() > 0) return true;
  return false;
}

// CLI11's words for the mistakes it finds while reading the arguments, in ours.
std::string usage_message(const CLI::ParseError& error) {
  const std::string message = error.what();
  if (const size_t at = message.find(" required "); at != std::string::npos && message.ends_with(" missing")) {
    const size_t colon = message.find(':');
    return "option " + message.substr(0, colon) + " needs a value";
  }
  static const std::string kFlagValue = " was given a disallowed flag override";
  if (message.ends_with(kFlagValue))
    return "option --" + message.substr(0, message.size() - kFlagValue.size()) + " takes no value";
  return message;
}

// What CLI11 could not place (unknown options, arguments beyond the declared ones), in order.
std::vector<std::string> leftovers(const CLI::App& app) {
  std::vector<std::string> items;
  for (const auto& item : app.remaining(false))
    if (item != "--") items.push_back(item);
  return items;
}

bool looks_like_option(const std::string& arg) { return arg.size() > 1 && arg.starts_with("-"); }

void check_top_level(const CLI::App& top) {
  const auto extra = leftovers(top);
  if (!extra.empty() && looks_like_option(extra.front()))
    throw UsageError("", "unknown option '" + extra.front().substr(0, extra.front().find('=')) +
                             "' (options of a command go after it: mageio COMMAND --help)");
  if (!extra.empty()) throw UsageError("", "unknown command '" + extra.front() + "'");
  if (top.get_subcommands().empty()) {
    std::string names;
    for (const CLI::App* command : top.get_subcommands([](const CLI::App*) { return true; }))
      names += (names.empty() ? "" : ", ") + command->get_name();
    throw UsageError("", "missing command (" + names + ")");
  }
}

// A command that groups subcommands (config show): one of them must be given.
void check_subcommand(const CLI::App& app, const std::string& command) {
  const auto subcommands = app.get_subcommands([](const CLI::App*) { return true; });
  if (subcommands.empty()) return;
  std::string names;
  for (const CLI::App* sub : subcommands) names += (names.empty() ? "" : ", ") + app.get_name() + " " + sub->get_name();
  const auto extra = leftovers(app);
  if (!extra.empty() && !looks_like_option(extra.front()))
    throw UsageError(command, "unknown subcommand '" + extra.front() + "' (mageio " + names + ")");
  if (app.get_subcommands().empty()) throw UsageError(command, "missing subcommand (mageio " + names + ")");
}

void check_leftovers(const CLI::App& app, const std::string& command) {
  const auto extra = leftovers(app);
  if (extra.empty()) return;
  const std::string& arg = extra.front();
  if (!looks_like_option(arg)) throw UsageError(command, "unexpected argument '" + arg + "'");
  // "load", "config show"
  const bool nested = app.get_parent() != nullptr && app.get_parent()->get_parent() != nullptr;
  const std::string shown = nested ? app.get_parent()->get_name() + " " + app.get_name() : app.get_name();
  if (!arg.starts_with("--"))
    throw UsageError(command, "unknown option '" + arg + "' for " + shown + " (options are spelled out: --name)");
  const std::string name = arg.substr(0, arg.find('='));
  throw UsageError(command, "unknown option '" + name + "' for " + shown + did_you_mean(app, name));
}

void check_arguments(const CLI::App& app, const std::string& command) {
  std::string missing, description;
  for (const CLI::Option* option : app.get_options()) {
    if (!option->get_positional() || option->count() > 0) continue;
    if (missing.empty()) description = option->get_description();
    missing += (missing.empty() ? "" : " ") + option->get_name();
  }
  if (!missing.empty()) throw UsageError(command, "missing " + missing + ", " + description);
}

// An option that is not repeatable, given twice (perhaps once before the command and once after it).
void check_repeats(const std::vector<const CLI::App*>& chain, const std::string& command) {
  std::map<std::string, size_t> given;
  for (const CLI::App* app : chain)
    for (const CLI::Option* option : app->get_options())
      if (option->get_multi_option_policy() != kRepeatable && !option->get_positional())
        given[option->get_name()] += option->count();
  for (const auto& [name, count] : given)
    if (count > 1) throw UsageError(command, "option " + name + " given more than once");
}

CLI::Option* declared(CLI::Option* option, CLI::MultiOptionPolicy policy, const std::string& group) {
  option->multi_option_policy(policy);
  option->group(group);
  return option;
}

}  // namespace

CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& summary, const std::string& usage,
                      const std::string& about, const std::string& footer) {
  CLI::App* command = parent.add_subcommand(name, summary);
  command->formatter(std::make_shared<HelpFormat>(usage, about));
  command->footer(footer);
  command->allow_extras();  // unknown options are reported by check_leftovers, in our words
  add_common_options(*command);
  return command;
}

CLI::Option* add_argument(CLI::App& command, const std::string& name, const std::string& description) {
  return declared(command.add_option(name, CLI::callback_t{}, description), kOnce, "arguments");
}

CLI::Option* add_value(CLI::App& command, const std::string& name, const std::string& value_name,
                       const std::string& description, const std::string& group) {
  return declared(command.add_option(name, CLI::callback_t{}, description)->type_name(value_name), kOnce, group);
}

CLI::Option* add_repeatable(CLI::App& command, const std::string& name, const std::string& value_name,
                            const std::string& description, const std::string& group) {
  return declared(command.add_option(name, CLI::callback_t{}, description)->type_name(value_name), kRepeatable, group);
}

CLI::Option* add_flag(CLI::App& command, const std::string& name, const std::string& description,
                      const std::string& group) {
  return declared(command.add_flag(name)->description(description)->disable_flag_override(), kOnce, group);
}

void add_common_options(CLI::App& command) {
  add_value(command, "--config", "FILE",
            "the io_config.yaml to read (default: ./io_config.yaml; when that does not exist, an empty profile)",
            kCommonGroup);
  add_value(command, "--profile", "NAME", "the profile to use (default: default)", kCommonGroup);
  add_repeatable(command, "--set", "KEY=VALUE",
                 "set a flat key of the profile, e.g. --set SQLITE_DATABASE=/tmp/x.db (repeatable; overrides the "
                 "file). A command line is visible to every user (ps), so pass secrets as --set KEY=@FILE (the "
                 "file's content, one trailing newline dropped) or --set KEY=env:NAME (an environment variable), or "
                 "in the config file as \"{{ env_var('NAME') }}\"; --set KEY=raw:VALUE takes a VALUE starting with "
                 "@, env: or raw: as is",
                 kCommonGroup);
  add_repeatable(command, "--plugin-dir", "DIR", "look for plugins in DIR first (repeatable)", kCommonGroup);
  add_flag(command, "--quiet", "no summaries, warnings or progress line on stderr (errors are still printed)",
           kCommonGroup);
  add_flag(command, "--progress",
           "show the progress line of load, export and copy (rows, bytes, rows/s, elapsed; total and ETA when the "
           "source knows them) even when stderr is not a terminal or with --quiet; by default it shows only on a "
           "terminal",
           kCommonGroup);
  // Again, so that it comes last in the help.
  command.set_help_flag("-h,--help", "this help")->group(kCommonGroup);
}

void add_isolation_options(CLI::App& command, const std::string& timeout_description) {
  add_flag(command, "--isolate",
           "run the plugin in a child process (mageio-plugin-host): a crash, exit, abort or hang in the plugin "
           "becomes an error of this command instead of ending mageio");
  add_value(command, "--timeout", "SECONDS", timeout_description);
}

ParsedArgs::ParsedArgs(const CLI::App& command) {
  std::vector<const CLI::App*> chain;
  for (const CLI::App* app = &command; app != nullptr; app = app->get_parent()) chain.insert(chain.begin(), app);
  command_ = command_name(chain);
  for (const CLI::App* app : chain)
    for (const CLI::Option* option : app->get_options())
      if (option->count() > 0) {
        auto& values = values_[option->get_name()];
        values.insert(values.end(), option->results().begin(), option->results().end());
      }
}

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

const CLI::App* parse_command_line(CLI::App& app, int argc, char** argv, std::ostream& out) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << help_text(app);
    return nullptr;
  } catch (const CLI::ParseError& error) {
    // Help wins over other mistakes on the same line.
    const auto chain = selected_chain(app);
    if (help_given(chain)) {
      out << help_text(app);
      return nullptr;
    }
    throw UsageError(command_name(chain), usage_message(error));
  }
  check_top_level(app);
  const auto chain = selected_chain(app);
  const std::string command = command_name(chain);
  for (size_t i = 1; i < chain.size(); ++i) {
    check_subcommand(*chain[i], command);
    check_leftovers(*chain[i], command);
  }
  check_arguments(*chain.back(), command);
  check_repeats(chain, command);
  return chain.back();
}

}  // namespace mageio::cli
