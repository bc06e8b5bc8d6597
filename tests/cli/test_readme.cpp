// The README's "Quick start" and "The CLI" sections, run as written. The code blocks are read from
// README.md itself at test time, so the text a newcomer copies and what this test runs cannot drift apart.
//
// In a temporary directory holding a copy of tools/quickstart.sh and tools/quickstart/ (so nothing lands in
// the source tree), every command of every `sh` block runs in order through bash, with `build/bin/mageio`
// replaced by the CLI of this build. tools/quickstart.sh itself runs with MAGEIO_CLI set to that CLI, which
// skips its install and build steps (the rest of the script is what a user runs). Then the commands the
// quick start prints under "Try:" run too. Checked:
//   - every command succeeds;
//   - the quick start's table (20 rows, `amount` an exact decimal: the text `1234.50`, typeof text) is the
//     same, column types included, after each later command: the commands a user is told to run next
//     never turn it into floats;
//   - no output shows an amount re-spelt as a float (`1234.5` for `1234.50`);
//   - every command of the CLI synopsis exists and knows every option the synopsis gives it.
// And the quick start on a machine where nothing is installed (apt, cmake and ninja replaced by stand-ins
// that log what they are asked): it installs the build dependencies only (no lint tools, no servers), says
// what it is doing one stage per line, and shows apt's error in full when apt fails.
#include "test_support.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::read_file;
using mageio::test::TempDir;

namespace {

const fs::path kSource = MAGEIO_SOURCE_DIR;
const std::string kCli = MAGEIO_CLI_PATH;
const std::string kConfig = "tools/quickstart/io_config.yaml";

std::string show(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

struct CodeBlock {
  std::string language;  // what follows the opening ``` ("sh", "yaml"), empty for a plain block
  std::string text;
  size_t line = 0;  // of the opening fence in README.md, for messages
};

// The fenced code blocks of the Markdown section whose "## " heading starts with `heading`, up to the next
// "## " heading. Empty when there is no such section.
std::vector<CodeBlock> code_blocks(const std::string& markdown, const std::string& heading) {
  std::vector<CodeBlock> blocks;
  bool in_section = false;
  bool in_block = false;
  size_t number = 0;
  for (const std::string& line : lines_of(markdown)) {
    ++number;
    if (in_block) {
      if (line.starts_with("```")) {
        in_block = false;
      } else {
        blocks.back().text += line + "\n";
      }
      continue;
    }
    if (line.starts_with("## ")) {
      in_section = line.substr(3).starts_with(heading);
      continue;
    }
    if (in_section && line.starts_with("```")) {
      in_block = true;
      blocks.push_back({line.substr(3), "", number});
    }
  }
  return blocks;
}

// The commands of a shell block: a line ending in a backslash continues on the next one; blank lines and
// comments are not commands.
std::vector<std::string> commands_of(const std::string& block) {
  std::vector<std::string> commands;
  std::string pending;
  for (const std::string& line : lines_of(block)) {
    if (pending.empty() && (line.find_first_not_of(' ') == std::string::npos || line.starts_with("#"))) continue;
    if (line.ends_with("\\")) {
      pending += line.substr(0, line.size() - 1);
      continue;
    }
    commands.push_back(pending + line);
    pending.clear();
  }
  if (!pending.empty()) commands.push_back(pending);
  return commands;
}

// `build/bin/mageio` as a word of the command becomes the CLI of this build.
std::string with_this_build(const std::string& command) {
  const std::string written = "build/bin/mageio";
  std::string out;
  size_t from = 0;
  for (size_t at = command.find(written); at != std::string::npos; at = command.find(written, at + 1)) {
    if (at > 0 && command[at - 1] != ' ') continue;
    out += command.substr(from, at - from) + kCli;
    from = at + written.size();
  }
  return out + command.substr(from);
}

// Runs one command as a user would type it, in `dir`.
CommandResult run_command(const std::string& command, const fs::path& dir) {
  // MAGEIO_CLI: tools/quickstart.sh uses this build instead of installing and building its own.
  // MAGEIO_QUICKSTART_DB: its default, set so that an outer environment cannot move the database.
  const std::map<std::string, std::string> env{{"MAGEIO_CLI", kCli}, {"MAGEIO_QUICKSTART_DB", "build/quickstart.db"}};
  return mageio::test::run_program({"bash", "-euo", "pipefail", "-c", with_this_build(command)}, dir, env);
}

CommandResult ok_command(const std::string& command, const fs::path& dir) {
  CommandResult r = run_command(command, dir);
  INFO("command: " << command);
  INFO(show(r));
  REQUIRE(r.exit_code == 0);
  return r;
}

// The orders table of the quick start's database as text: its declaration (the column types), then every
// row with the storage class of `amount`.
std::string orders_table(const fs::path& dir) {
  auto query = [&](const std::string& sql) {
    CommandResult r = mageio::test::run_cli({"load", "sqlite", "--config", kConfig, "--format", "csv", "--query", sql},
                                            dir, {{"MAGEIO_QUICKSTART_DB", "build/quickstart.db"}});
    INFO(show(r));
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  return query("SELECT sql FROM sqlite_master WHERE name = 'orders'") +
         query(
             "SELECT id, customer, city, ordered_on, amount, typeof(amount) AS amount_type, shipped, note "
             "FROM orders ORDER BY id");
}

// An amount of the sample shown as a float: "1234.5" not followed by the "0" of "1234.50".
void check_amounts_exact(const std::string& output, const std::string& command) {
  INFO("command: " << command);
  INFO("output:\n" << output);
  for (size_t at = output.find("1234.5"); at != std::string::npos; at = output.find("1234.5", at + 1))
    CHECK(output.substr(at, 7) == "1234.50");
  CHECK(!contains(output, "15000.0\n"));
  CHECK(!contains(output, "15000.0 "));
}

// The commands the quick start prints after "Try:" (indented by two spaces).
std::vector<std::string> suggested_commands(const std::string& output) {
  std::vector<std::string> commands;
  bool after_try = false;
  for (const std::string& line : lines_of(output)) {
    if (line.ends_with("Try:")) {
      after_try = true;
    } else if (after_try && line.starts_with("  ")) {
      commands.push_back(line.substr(2));
    } else if (after_try) {
      break;
    }
  }
  return commands;
}

}  // namespace

TEST_CASE("the README's quick start and the commands it says to try next, as written") {
  const std::string readme = read_file(kSource / "README.md");
  std::vector<CodeBlock> blocks = code_blocks(readme, "Quick start");
  for (CodeBlock& block : code_blocks(readme, "The CLI")) blocks.push_back(block);
  std::vector<std::string> commands;
  for (const CodeBlock& block : blocks)
    if (block.language == "sh")
      for (const std::string& command : commands_of(block.text)) commands.push_back(command);
  REQUIRE_MESSAGE(commands.size() >= 2, "README.md has no sh blocks in its Quick start section");
  REQUIRE_MESSAGE(commands.front() == "tools/quickstart.sh", "the quick start's first command: " << commands.front());

  TempDir dir;
  fs::create_directories(dir / "tools");
  fs::copy_file(kSource / "tools" / "quickstart.sh", dir / "tools" / "quickstart.sh");
  fs::copy(kSource / "tools" / "quickstart", dir / "tools" / "quickstart", fs::copy_options::recursive);

  // The quick start itself.
  const CommandResult quickstart = ok_command(commands.front(), dir.path());
  check_amounts_exact(quickstart.out, commands.front());
  CHECK(fs::exists(dir / "build" / "quickstart.db"));
  const std::string made_by_quickstart = orders_table(dir.path());
  INFO("the quick start's table:\n" << made_by_quickstart);
  CHECK(contains(made_by_quickstart, "DECIMAL_TEXT(12,2)"));
  CHECK(contains(made_by_quickstart, "\n1001,Anna Müller,Zürich,2024-01-03,1234.50,text,"));
  CHECK(contains(made_by_quickstart, ",15000.00,text,"));
  CHECK(contains(made_by_quickstart, ",42.00,text,"));
  CHECK(!contains(made_by_quickstart, ",real,"));
  const CommandResult counted = mageio::test::run_cli(
      {"load", "sqlite", "--config", kConfig, "--format", "csv", "--query",
       "SELECT count(*) AS n, sum(typeof(amount) = 'text') AS exact, sum(amount IS NULL) AS empty FROM orders"},
      dir.path(), {{"MAGEIO_QUICKSTART_DB", "build/quickstart.db"}});
  CHECK(counted.out == "n,exact,empty\n20,19,1\n");  // one order has no amount

  // Then every other command of the README, then what the quick start suggests: none may change the table.
  std::vector<std::string> next(commands.begin() + 1, commands.end());
  const std::vector<std::string> suggested = suggested_commands(quickstart.out);
  CHECK_MESSAGE(!suggested.empty(), "the quick start suggests no command after \"Try:\"");
  next.insert(next.end(), suggested.begin(), suggested.end());
  for (const std::string& command : next) {
    CAPTURE(command);
    const CommandResult r = ok_command(command, dir.path());
    check_amounts_exact(r.out, command);
    CHECK(orders_table(dir.path()) == made_by_quickstart);
  }
}

// A machine with nothing installed, as far as tools/install-deps.sh can tell: dpkg-query finds no package,
// and apt-get, cmake and ninja are stand-ins that log what they were asked and print apt's status lines
// (APT_FAIL=1 makes `apt-get install` fail the way apt does, with its error on stderr). build/bin/mageio is
// this build's CLI, so the quick start runs to its end.
struct FreshMachine {
  TempDir dir;
  fs::path stubs = dir / "stubs";

  FreshMachine() {
    fs::create_directories(dir / "tools");
    for (const char* script : {"quickstart.sh", "install-deps.sh"})
      fs::copy_file(kSource / "tools" / script, dir / "tools" / script);
    fs::copy(kSource / "tools" / "quickstart", dir / "tools" / "quickstart", fs::copy_options::recursive);
    // The Connector/C++ headers are there already (unpacking them needs a real apt-get download).
    fs::create_directories(dir / "build-deps" / "mysqlcppconn" / "usr" / "include");
    mageio::test::write_file(dir / "build-deps" / "mysqlcppconn" / "usr" / "include" / "mysql_connection.h", "");
    fs::create_directories(dir / "build" / "bin");
    fs::create_symlink(kCli, dir / "build" / "bin" / "mageio");

    fs::create_directories(stubs);
    const std::string log = (dir / "commands.log").string();
    stub("dpkg-query", "exit 1\n");
    stub("sudo", "exec \"$@\"\n");
    stub("cmake", "echo \"cmake $*\" >> '" + log + "'\n");
    stub("ninja", "echo \"ninja $*\" >> '" + log + "'\n");
    stub("apt-get",
         "echo \"apt-get $*\" >> '" + log +
             "'\n"
             "case \" $* \" in\n"
             "  *' -s '*) for p in \"$@\"; do case $p in -*|install) ;; *) echo \"Inst $p (1.0 Debian:12)\";; esac; "
             "done ;;\n"
             "  *' update '*) echo 'Hit:1 http://deb.debian.org/debian bookworm InRelease' ;;\n"
             "  *' install '*)\n"
             "    echo 'dlstatus:1:50.0000:Retrieving file 1 of 2' >&3\n"
             "    echo 'pmstatus:libfoo:amd64:40.0000:Unpacking libfoo:amd64 (1.0)' >&3\n"
             "    if [ -n \"${APT_FAIL:-}\" ]; then\n"
             "      echo 'E: Failed to fetch http://deb.debian.org/debian/pool/main/c/cmake.deb  404  Not Found' >&2\n"
             "      exit 100\n"
             "    fi ;;\n"
             "esac\n");
  }

  void stub(const std::string& name, const std::string& body) {
    mageio::test::write_file(stubs / name, "#!/bin/bash\n" + body);
    fs::permissions(stubs / name, fs::perms::owner_all, fs::perm_options::add);
  }

  CommandResult quickstart(const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> env{{"PATH", stubs.string() + ":" + std::getenv("PATH")},
                                           {"MAGEIO_QUICKSTART_DB", "build/quickstart.db"}};
    env.insert(extra.begin(), extra.end());
    return mageio::test::run_program({"bash", (dir / "tools" / "quickstart.sh").string()}, dir.path(), env);
  }

  // The packages of the `apt-get install` that really installs (not the dry run).
  std::vector<std::string> installed_packages() {
    for (const std::string& line : lines_of(read_file(dir / "commands.log"))) {
      if (!line.starts_with("apt-get ") || !contains(line, " install ") || contains(line, " -s ")) continue;
      std::vector<std::string> packages;
      std::istringstream words(line.substr(line.find(" install ") + 9));
      for (std::string word; words >> word;)
        if (!word.starts_with("-")) packages.push_back(word);
      return packages;
    }
    return {};
  }
};

TEST_CASE("on a machine with nothing installed, the quick start installs the build dependencies, not the lint tools") {
  FreshMachine machine;
  const CommandResult r = machine.quickstart();
  INFO(show(r));
  INFO("commands:\n" << read_file(machine.dir / "commands.log"));
  REQUIRE(r.exit_code == 0);
  const std::vector<std::string> packages = machine.installed_packages();
  CHECK(std::find(packages.begin(), packages.end(), "cmake") != packages.end());
  CHECK(std::find(packages.begin(), packages.end(), "libboost-json1.81-dev") != packages.end());
  for (const char* not_needed : {"clang-format", "clang-tidy", "postgresql", "mariadb-server", "python3"}) {
    CAPTURE(not_needed);
    CHECK(std::find(packages.begin(), packages.end(), not_needed) == packages.end());
  }
  // One line per stage, with the package count; not a terminal, so no progress line.
  CHECK(contains(r.err, "install-deps: [1/2] updating the package lists (apt-get update)\n"));
  CHECK(contains(r.err, "install-deps: [2/2] downloading and installing " + std::to_string(packages.size()) +
                            " packages (" + std::to_string(packages.size()) + " asked for,"));
  CHECK(!contains(r.err, "\r"));
  CHECK(contains(r.out, "(20 rows)"));
}

TEST_CASE("when apt fails, the quick start stops and shows everything apt said") {
  FreshMachine machine;
  const CommandResult r = machine.quickstart({{"APT_FAIL", "1"}});
  INFO(show(r));
  CHECK(r.exit_code != 0);
  CHECK(contains(r.err, "install-deps: apt-get install failed (apt-get exit status 100); apt-get said:\n"));
  CHECK(contains(r.err, "E: Failed to fetch http://deb.debian.org/debian/pool/main/c/cmake.deb  404  Not Found\n"));
  CHECK(!contains(read_file(machine.dir / "commands.log"), "cmake -S"));  // it did not go on to build
}

TEST_CASE("every command of the README's CLI synopsis exists and knows the options the synopsis shows") {
  const std::string readme = read_file(kSource / "README.md");
  std::string synopsis;
  for (const CodeBlock& block : code_blocks(readme, "The CLI"))
    if (block.language.empty()) synopsis += block.text;
  REQUIRE_MESSAGE(!synopsis.empty(), "README.md's CLI section has no synopsis block");

  // Each "mageio SUBCOMMAND ..." line with its indented continuation lines.
  std::vector<std::pair<std::string, std::string>> entries;  // subcommand words, the whole text
  for (const std::string& line : lines_of(synopsis)) {
    if (line.starts_with("mageio ")) {
      std::istringstream words(line.substr(7));
      std::string subcommand;
      for (std::string word; words >> word;) {
        if (word.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") != std::string::npos || word.starts_with("-")) break;
        subcommand += (subcommand.empty() ? "" : " ") + word;
      }
      entries.emplace_back(subcommand, line);
    } else if (!entries.empty() && line.starts_with(" ")) {
      entries.back().second += " " + line;
    }
  }
  REQUIRE(entries.size() >= 8);

  TempDir dir;
  for (const auto& [subcommand, text] : entries) {
    CAPTURE(subcommand);
    std::vector<std::string> args;
    std::istringstream words(subcommand);
    for (std::string word; words >> word;) args.push_back(word);
    args.push_back("--help");
    const CommandResult help = mageio::test::run_cli(args, dir.path());
    INFO(show(help));
    REQUIRE(help.exit_code == 0);
    // Every --option of the synopsis line is in the command's help.
    for (size_t at = text.find("--"); at != std::string::npos; at = text.find("--", at + 2)) {
      size_t end = at + 2;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-')) ++end;
      const std::string option = text.substr(at, end - at);
      CHECK_MESSAGE(contains(help.out, option), option);
      at = end - 2;
    }
  }
}
