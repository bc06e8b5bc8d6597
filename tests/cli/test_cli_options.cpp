// The CLI's command line as CLI11 reads it: the options every command declares show in its generated
// help, --isolate/--timeout exist on the commands that open connectors (and only there), and the usage
// errors of the declarations keep their words and exit status 2.
#include "test_support.hpp"

#include <string>
#include <vector>

using mageio::test::CommandResult;
using mageio::test::TempDir;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string show(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

CommandResult run(const std::vector<std::string>& args) {
  static TempDir dir;  // no stray ./io_config.yaml
  return mageio::test::run_cli(args, dir.path());
}

void check_usage_error(const std::vector<std::string>& args, const std::string& message, const std::string& help) {
  const CommandResult r = run(args);
  INFO(show(r));
  CHECK(r.exit_code == 2);
  CHECK(r.err == "mageio: error: " + message + "\nSee '" + help + "'.\n");
  CHECK(r.out.empty());
}

}  // namespace

TEST_CASE("--isolate and --timeout SECONDS are declared on the commands that open connectors") {
  for (const std::string command : {"load", "export", "copy", "exec", "test-plugin"}) {
    CAPTURE(command);
    const CommandResult help = run({command, "--help"});
    INFO(show(help));
    CHECK(help.exit_code == 0);
    CHECK(contains(help.out, "\n  --isolate "));
    CHECK(contains(help.out, "\n  --timeout SECONDS "));
  }
  for (const std::string command : {"plugins", "new"}) {
    CAPTURE(command);
    CHECK_FALSE(contains(run({command, "--help"}).out, "--isolate"));
  }
  check_usage_error({"plugins", "--isolate"}, "unknown option '--isolate' for plugins", "mageio plugins --help");
}

TEST_CASE("--timeout needs --isolate and a positive number of seconds") {
  check_usage_error({"load", "file", "--path", "x.csv", "--timeout", "5"},
                    "--timeout needs --isolate (it limits a plugin running in its own process: add --isolate)",
                    "mageio load --help");
  check_usage_error({"exec", "sqlite", "--sql", "SELECT 1", "--timeout", "5"},
                    "--timeout needs --isolate (it limits a plugin running in its own process: add --isolate)",
                    "mageio exec --help");
  for (const std::string bad : {"0", "-1", "soon", "1e3", "inf", ""}) {
    CAPTURE(bad);
    check_usage_error({"copy", "file", "sqlite", "--path", "x.csv", "--to-table", "t", "--isolate", "--timeout", bad},
                      "--timeout expects a positive number of seconds, got '" + bad + "'", "mageio copy --help");
  }
  check_usage_error({"export", "sqlite", "--input", "x.csv", "--table", "t", "--isolate", "--isolate"},
                    "option --isolate given more than once", "mageio export --help");
  // test-plugin runs its checks in a child process anyway: there --timeout stands alone.
  check_usage_error({"test-plugin", "sqlite", "--timeout", "0"},
                    "--timeout expects a positive number of seconds, got '0'", "mageio test-plugin --help");
}

TEST_CASE("usage errors of the command line itself") {
  check_usage_error({"--bogus", "load"},
                    "unknown option '--bogus' (options of a command go after it: mageio COMMAND --help)",
                    "mageio --help");
  check_usage_error({"load", "file", "-x"}, "unknown option '-x' for load (options are spelled out: --name)",
                    "mageio load --help");
  check_usage_error({"load", "file", "--path", "x.csv", "extra"}, "unexpected argument 'extra'", "mageio load --help");
  check_usage_error({"load", "file", "--path", "x.csv", "plugins"}, "unexpected argument 'plugins'",
                    "mageio load --help");
  check_usage_error({"--config", "a.yaml", "load", "file", "--path", "x.csv", "--config", "b.yaml"},
                    "option --config given more than once", "mageio load --help");
  check_usage_error({"load", "file", "--path", "x.csv", "--quiet=yes"}, "option --quiet takes no value",
                    "mageio load --help");
  check_usage_error({"config", "show", "--bogus"}, "unknown option '--bogus' for config show", "mageio config --help");
  check_usage_error({"copy", "file"}, "missing DEST, the plugin to write to", "mageio copy --help");
  // Common options given before the command and before a subcommand still count.
  const CommandResult before = run({"--set", "ALPHA=1", "config", "--set", "BETA=2", "show", "--set", "GAMMA=3"});
  INFO(show(before));
  CHECK(before.exit_code == 0);
  CHECK(contains(before.out, "ALPHA: 1"));
  CHECK(contains(before.out, "BETA: 2"));
  CHECK(contains(before.out, "GAMMA: 3"));
}
