// mageio config show [--profile P]: the resolved profile (templates rendered, --set applied), with
// every secret masked.
#include "cli_context.hpp"
#include "commands.hpp"

#include <iostream>

namespace mageio::cli {

CLI::App* declare_config(CLI::App& mageio) {
  const std::string usage = "usage: mageio config show [--profile P] [--config FILE] [--set KEY=VALUE ...]";
  const std::string about =
      "Prints a profile of the io_config.yaml as it is resolved: env_var templates rendered and --set\n"
      "applied. Secrets (keys the plugins declare secret, and any key whose name says PASSWORD, SECRET,\n"
      "TOKEN or KEY) are shown as '****'.";
  // `config` only groups its subcommand; its help is that of `config show`.
  CLI::App* config = add_command(mageio, "config",
                                 "show a resolved io_config.yaml profile, secrets masked (config show)", usage, about);
  return add_command(*config, "show", "show a resolved profile, secrets masked", usage, about);
}

int run_config(const ParsedArgs& parsed) {
  CliContext context(CommonOptions::from(parsed));
  const Profile profile = context.profile();
  std::cout << profile.show(context.all_schemas());
  return 0;
}

}  // namespace mageio::cli
