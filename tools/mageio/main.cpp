// mageio: move data between Mage-style IO connectors loaded as plugins.
//
// Exit status: 0 success, 1 runtime error, 2 usage error, 128+n after signal n (130 Ctrl-C, 143 SIGTERM,
// 129 SIGHUP). Errors go to stderr as
// "mageio: error: <message>"; usage errors add "See 'mageio <command> --help'.".
#include "cli_context.hpp"
#include "command_line.hpp"
#include "commands.hpp"
#include "help_format.hpp"

#include <mageio/core/io_config.hpp>
#include <mageio/sdk/error.hpp>

#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mageio::cli {

const std::vector<CommandEntry>& commands() {
  static const std::vector<CommandEntry> entries = {
      {declare_plugins, run_plugins}, {declare_load, run_load},
      {declare_export, run_export},   {declare_copy, run_copy},
      {declare_exec, run_exec},       {declare_config, run_config},
      {declare_new, run_new},         {declare_test_plugin, run_test_plugin},
  };
  return entries;
}

namespace {

constexpr const char* kTopUsage = "usage: mageio [common options] COMMAND [ARGS...]";
constexpr const char* kTopAbout = "Moves data between Mage-style IO connectors (plugins) through Arrow streams.";
constexpr const char* kTopExamples = R"TEXT(examples:
  mageio plugins
  mageio load file --path orders.csv
  mageio copy file sqlite --path orders.csv --to-table orders --if-exists replace
  mageio load sqlite --query 'SELECT * FROM orders' --format csv --output orders_out.csv
  mageio exec sqlite --sql 'DELETE FROM orders WHERE id = 1' --sql 'UPDATE totals SET n = n - 1'
  mageio config show --profile dev
  mageio new my_io_class

Run 'mageio COMMAND --help' for a command's options.)TEXT";

int usage_error(const UsageError& e) {
  std::cerr << "mageio: error: " << e.what() << "\nSee 'mageio " << (e.command().empty() ? "" : e.command() + " ")
            << "--help'.\n";
  return 2;
}

int run(int argc, char** argv) {
  CLI::App mageio{"", "mageio"};
  mageio.formatter(std::make_shared<HelpFormat>(kTopUsage, kTopAbout));
  mageio.footer(kTopExamples);
  mageio.allow_extras();            // unknown options and commands are reported in our words
  mageio.require_subcommand(0, 1);  // one command; a later word that names another is an argument
  // Common options may also come before the command: `mageio --config x.yaml load ...`.
  add_common_options(mageio);
  std::map<const CLI::App*, int (*)(const ParsedArgs&)> runs;
  for (const auto& command : commands()) runs[command.declare(mageio)] = command.run;

  const CLI::App* command = parse_command_line(mageio, argc, argv, std::cout);
  if (command == nullptr) return 0;  // the help was asked for
  return runs.at(command)(ParsedArgs(*command));
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
