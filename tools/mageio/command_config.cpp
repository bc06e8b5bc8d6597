// mageio config show [--profile P]: the resolved profile (templates rendered, --set applied), with
// every secret masked.
#include "cli_context.hpp"
#include "commands.hpp"

#include <iostream>
#include <optional>

namespace mageio::cli {
namespace {

constexpr const char* kUsage = R"TEXT(usage: mageio config show [--profile P] [--config FILE] [--set KEY=VALUE ...]

Prints a profile of the io_config.yaml as it is resolved: env_var templates rendered and --set
applied. Secrets (keys the plugins declare secret, and any key whose name says PASSWORD, SECRET,
TOKEN or KEY) are shown as '****'.
)TEXT";

}  // namespace

int run_config(const Arguments& args) {
  static const CommandSpec spec{"config", {}, {}};
  // The subcommand is the first argument that is not an option or an option's value (common options
  // given before the command arrive in front of it).
  std::optional<size_t> subcommand;
  for (size_t i = 0; i < args.size() && !subcommand; ++i) {
    if (args[i] == "--") break;
    if (!args[i].starts_with("-")) {
      subcommand = i;
      break;
    }
    for (const auto& option : common_options())
      if (option.takes_value && args[i] == option.name) ++i;  // skip its value
  }
  if (!subcommand || args[*subcommand] != "show") {
    if (wants_help(spec, args)) {
      std::cout << kUsage << kCommonOptionsHelp;
      return 0;
    }
    if (!subcommand) throw UsageError("config", "missing subcommand (mageio config show)");
    throw UsageError("config", "unknown subcommand '" + args[*subcommand] + "' (mageio config show)");
  }
  Arguments rest = args;
  rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(*subcommand));
  if (wants_help(spec, rest)) {
    std::cout << kUsage << kCommonOptionsHelp;
    return 0;
  }
  const ParsedArgs parsed = parse_arguments(spec, rest);
  CliContext context(CommonOptions::from(spec.name, parsed));
  const Profile profile = context.profile();
  std::cout << profile.show(context.all_schemas());
  return 0;
}

}  // namespace mageio::cli
