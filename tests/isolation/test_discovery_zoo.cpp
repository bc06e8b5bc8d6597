// Discovery runs no plugin code: with every zoo plugin in the search path -- including the ones that
// crash, exit, abort or hang in a constructor or in the entry point -- listing, choosing another plugin
// and the conformance kit on sqlite all work. Opening a broken one is the only thing that runs it; with
// --isolate that is a clear error naming it, and a hang ends within --timeout.
#include "test_support.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::describe;
using mageio::test::run_cli;
using mageio::test::TempDir;
using mageio::test::write_file;

namespace {

const char* const kWays[] = {"segv", "exit3", "abort", "hang"};

// Every zoo fixture directory, as --plugin-dir arguments and as a MAGEIO_PLUGIN_PATH value.
std::vector<fs::path> zoo_dirs() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(MAGEIO_TEST_PLUGIN_DIR))
    if (entry.path().filename().string().starts_with("zoo_")) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::vector<std::string> with_plugin_dirs(std::vector<std::string> args) {
  for (const auto& dir : zoo_dirs()) {
    args.push_back("--plugin-dir");
    args.push_back(dir.string());
  }
  return args;
}

std::map<std::string, std::string> plugin_path_env() {
  std::string path;
  for (const auto& dir : zoo_dirs()) path += (path.empty() ? "" : ":") + dir.string();
  return {{"MAGEIO_PLUGIN_PATH", path}};
}

}  // namespace

TEST_CASE("the zoo has constructor and entry point fixtures for every way of misbehaving") {
  for (const char* place : {"constructor", "entry"})
    for (const char* way : kWays)
      CHECK(fs::exists(fs::path(MAGEIO_TEST_PLUGIN_DIR) / (std::string("zoo_") + place + "_" + way)));
}

TEST_CASE("listing, loading with another plugin and test-plugin never run a zoo plugin") {
  TempDir dir;
  write_file(dir.path() / "t.csv", "id\n1\n2\n");
  for (bool by_env : {false, true}) {
    CAPTURE(by_env);
    auto run = [&](std::vector<std::string> args) {
      return by_env ? run_cli(args, {}, plugin_path_env()) : run_cli(with_plugin_dirs(std::move(args)));
    };
    CommandResult listed = run({"plugins"});
    REQUIRE_MESSAGE(listed.exit_code == 0, describe(listed));
    for (const char* place : {"constructor", "entry", "open", "load"})
      for (const char* way : kWays)
        CHECK(listed.out.find(std::string("zoo_") + place + "_" + way + " ") != std::string::npos);

    CommandResult verbose = run({"plugins", "--verbose"});
    REQUIRE_MESSAGE(verbose.exit_code == 0, describe(verbose));
    CHECK(verbose.out.find("zoo_entry_hang") != std::string::npos);

    CommandResult loaded = run({"load", "file", "--path", (dir.path() / "t.csv").string(), "--format", "csv"});
    REQUIRE_MESSAGE(loaded.exit_code == 0, describe(loaded));
    CHECK(loaded.out == "id\n1\n2\n");

    CommandResult kit = run({"test-plugin", "sqlite", "--set", "SQLITE_DATABASE=" + (dir.path() / "kit.db").string()});
    CHECK_MESSAGE(kit.exit_code == 0, describe(kit));
  }
}

TEST_CASE("opening a plugin that misbehaves when loaded, isolated: a clear error naming it, within the timeout") {
  TempDir dir;
  write_file(dir.path() / "t.csv", "id\n1\n");
  for (const char* place : {"constructor", "entry"}) {
    for (const char* way : kWays) {
      const std::string name = std::string("zoo_") + place + "_" + way;
      CAPTURE(name);
      const auto start = std::chrono::steady_clock::now();
      CommandResult result = run_cli(
          with_plugin_dirs({"load", name, "--path", (dir.path() / "t.csv").string(), "--isolate", "--timeout", "2"}));
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      CHECK_MESSAGE(result.exit_code == 1, describe(result));
      CHECK(result.killed_by == 0);
      CHECK(result.err.find("plugin '" + name + "'") != std::string::npos);
      CHECK(result.err.find("during load of the library") != std::string::npos);
      CHECK(seconds < 15);
    }
  }
}

TEST_CASE("opening one in process is the only thing that runs it") {
  TempDir dir;
  write_file(dir.path() / "t.csv", "id\n1\n");
  CommandResult result =
      run_cli(with_plugin_dirs({"load", "zoo_entry_exit3", "--path", (dir.path() / "t.csv").string()}));
  CHECK_MESSAGE(result.exit_code == 3, describe(result));  // the plugin's exit(3), asked for explicitly
}

TEST_CASE("a library that no longer matches its manifest is listed from the manifest and refused when opened") {
  const std::string dir = (fs::path(MAGEIO_TEST_PLUGIN_DIR) / "manifest_mismatch").string();
  CommandResult listed = run_cli({"plugins", "--plugin-dir", dir});
  REQUIRE_MESSAGE(listed.exit_code == 0, describe(listed));
  CHECK(listed.out.find("9.9.9") != std::string::npos);
  TempDir tmp;
  write_file(tmp.path() / "t.csv", "id\n1\n");
  for (bool isolate : {false, true}) {
    CAPTURE(isolate);
    std::vector<std::string> args = {
        "load", "manifest_mismatch", "--path", (tmp.path() / "t.csv").string(), "--plugin-dir", dir};
    if (isolate) args.push_back("--isolate");
    CommandResult opened = run_cli(args);
    CHECK_MESSAGE(opened.exit_code == 1, describe(opened));
    CHECK(opened.err.find("plugin 'manifest_mismatch' does not match its manifest (version: the manifest says "
                          "9.9.9, the entry point says 1.0.0)") != std::string::npos);
  }
}
