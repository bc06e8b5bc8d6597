// mageio: move data between Mage-style IO connectors loaded as plugins.
//
// Exit status: 0 success, 1 runtime error, 2 usage error, 128+n after signal n (130 Ctrl-C, 143 SIGTERM,
// 129 SIGHUP). Errors go to stderr as
// "mageio: error: <message>"; usage errors add "See 'mageio <command> --help'.".
#include "arguments.hpp"
#include "cli_context.hpp"
#include "commands.hpp"

#include <mageio/core/io_config.hpp>
#include <mageio/sdk/error.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::cli {

const char* const kCommonOptionsHelp = R"TEXT(
common options:
  --config FILE            the io_config.yaml to read (default: ./io_config.yaml; when that does
                           not exist, an empty profile)
  --profile NAME           the profile to use (default: default)
  --set KEY=VALUE          set a flat key of the profile, e.g. --set SQLITE_DATABASE=/tmp/x.db
                           (repeatable; overrides the file). A command line is visible to every
                           user (ps), so pass secrets as --set KEY=@FILE (the file's content, one
                           trailing newline dropped) or --set KEY=env:NAME (an environment
                           variable), or in the config file as "{{ env_var('NAME') }}";
                           --set KEY=raw:VALUE takes a VALUE starting with @, env: or raw: as is
  --plugin-dir DIR         look for plugins in DIR first (repeatable)
  --quiet                  no summaries, warnings or progress line on stderr (errors are still
                           printed)
  --progress               show the progress line of load, export and copy (rows, bytes, rows/s,
                           elapsed; total and ETA when the source knows them) even when stderr is
                           not a terminal or with --quiet; by default it shows only on a terminal
  -h, --help               this help
)TEXT";

const std::vector<CommandEntry>& commands() {
  static const std::vector<CommandEntry> entries = {
      {"plugins", "list the plugins found, their capabilities and where they came from", run_plugins},
      {"load", "read rows from a plugin and print them (table, CSV, JSON Lines, or a count)", run_load},
      {"export", "write a CSV/JSON Lines file into a plugin's table or path", run_export},
      {"copy", "stream rows from one plugin into another", run_copy},
      {"exec", "run SQL statements (several in one transaction)", run_exec},
      {"config", "show a resolved io_config.yaml profile, secrets masked (config show)", run_config},
      {"new", "create a new plugin (IO class) from the template, ready to build and test", run_new},
      {"test-plugin", "run the conformance kit on a plugin (by name or .so path)", run_test_plugin},
  };
  return entries;
}

namespace {

constexpr const char* kTopUsage = R"TEXT(usage: mageio [common options] COMMAND [ARGS...]

Moves data between Mage-style IO connectors (plugins) through Arrow streams.

commands:
)TEXT";

constexpr const char* kTopExamples = R"TEXT(
examples:
  mageio plugins
  mageio load file --path orders.csv
  mageio copy file sqlite --path orders.csv --to-table orders --if-exists replace
  mageio load sqlite --query 'SELECT * FROM orders' --format csv --output orders_out.csv
  mageio exec sqlite --sql 'DELETE FROM orders WHERE id = 1' --sql 'UPDATE totals SET n = n - 1'
  mageio config show --profile dev
  mageio new my_io_class

Run 'mageio COMMAND --help' for a command's options.
)TEXT";

void print_top_help(std::ostream& out) {
  out << kTopUsage;
  // The summaries start in one column, two spaces after the longest command name.
  size_t width = 0;
  for (const auto& command : commands()) width = std::max(width, std::string_view(command.name).size());
  for (const auto& command : commands()) {
    std::string name = command.name;
    name.resize(width + 2, ' ');
    out << "  " << name << command.summary << '\n';
  }
  out << kCommonOptionsHelp << kTopExamples;
}

int usage_error(const UsageError& e) {
  std::cerr << "mageio: error: " << e.what() << "\nSee 'mageio " << (e.command().empty() ? "" : e.command() + " ")
            << "--help'.\n";
  return 2;
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Common options may also come before the command: `mageio --config x.yaml load ...`.
  std::vector<std::string> leading;
  size_t i = 0;
  while (i < args.size() && args[i].starts_with("-") && args[i] != "-") {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      print_top_help(std::cout);
      return 0;
    }
    const std::string name = arg.substr(0, arg.find('='));
    const OptionSpec* option = nullptr;
    for (const auto& common : common_options())
      if (common.name == name) option = &common;
    if (option == nullptr)
      throw UsageError("", "unknown option '" + name + "' (options of a command go after it: mageio COMMAND --help)");
    leading.push_back(arg);
    if (option->takes_value && arg.find('=') == std::string::npos) {
      if (i + 1 >= args.size()) throw UsageError("", "option " + name + " needs a value");
      leading.push_back(args[++i]);
    }
    ++i;
  }
  if (i >= args.size()) throw UsageError("", "missing command (plugins, load, export, copy, exec, config)");
  const std::string name = args[i];
  std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
  // Leading options go first, so a command's own `--` still ends its options.
  rest.insert(rest.begin(), leading.begin(), leading.end());
  for (const auto& command : commands())
    if (name == command.name) return command.run(rest);
  throw UsageError("", "unknown command '" + name + "'");
}

}  // namespace
}  // namespace mageio::cli

int main(int argc, char** argv) {
  using namespace mageio::cli;
  std::ios::sync_with_stdio(true);
  install_interrupt_handler();
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    return usage_error(e);
  } catch (const mageio::sdk::Error& e) {
    std::cerr << "mageio: error: " << mageio::mask_secrets(e.what(), known_secrets()) << '\n';
    if (interrupted()) return interrupted_exit_status();
    if (e.status() == MAGEIO_STATUS_CANCELLED) return 130;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "mageio: error: " << mageio::mask_secrets(e.what(), known_secrets()) << '\n';
    return interrupted() ? interrupted_exit_status() : 1;
  } catch (...) {
    std::cerr << "mageio: error: unexpected failure\n";
    return 1;
  }
}
