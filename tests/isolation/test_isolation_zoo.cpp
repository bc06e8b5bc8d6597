// The broken-plugin zoo (tests/fixtures/plugins/zoo_plugin.c) opened isolated through the host API: a
// segfault, exit(3), abort or endless loop in open, load, the middle of a stream or export ends in an
// error naming the plugin, the operation and what happened -- within the timeout for a hang -- and
// this process (the host) keeps running and can open a good plugin, and the same one, right after.
#include "test_support.hpp"

#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>

#include <sys/wait.h>

#include <cerrno>

#include <filesystem>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using mageio::Error;
using mageio::OpenOptions;
using mageio::test::error_of;

namespace {

const OpenOptions kIsolated{.isolate = true, .timeout = 1.0};

std::shared_ptr<const mageio::Plugin> zoo_plugin(const std::string& name) {
  static mageio::Registry registry([] {
    mageio::RegistryOptions options{.use_environment = false, .use_default_dirs = false};
    for (const auto& entry : fs::directory_iterator(MAGEIO_TEST_PLUGIN_DIR))
      if (entry.path().filename().string().starts_with("zoo_")) options.plugin_dirs.push_back(entry.path());
    options.plugin_dirs.push_back(fs::path(MAGEIO_TEST_PLUGIN_DIR) / "numbers");
    options.plugin_dirs.push_back(fs::path(MAGEIO_TEST_PLUGIN_DIR) / "stream_fails_v1_0");
    return options;
  }());
  return registry.find(name);
}

struct Way {
  const char* name;
  const char* happened;
};
const Way kWays[] = {{"segv", "crashed with SIGSEGV"},
                     {"exit3", "exited with status 3"},
                     {"abort", "crashed with SIGABRT"},
                     {"hang", "made no progress for 1 s"}};

// Runs `what` on zoo_<where>_<how> and returns its error.
Error misbehaviour(const std::string& where, const std::string& how) {
  auto plugin = zoo_plugin("zoo_" + where + "_" + how);
  return error_of([&] {
    auto connector = plugin->open({}, nullptr, {}, kIsolated);
    if (where == "export") {
      auto input = mageio::test::rows_stream(
          mageio::sdk::Schema{{"n", mageio::sdk::int64()}}, 10,
          [](mageio::sdk::BatchBuilder& builder, int64_t row) { builder.column(0).append_int(row); });
      connector->export_data({.path = "out"}, input.get());
      return;
    }
    auto reader = connector->load({.path = "in"});
    mageio::sdk::OwnedArray batch;
    while (reader.next(batch)) {
    }
  });
}

// A good plugin still opens and works in this process, isolated and not.
void good_plugin_works() {
  auto numbers = zoo_plugin("numbers");
  for (bool isolate : {true, false}) {
    auto connector = numbers->open({}, nullptr, {}, OpenOptions{.isolate = isolate});
    auto reader = connector->load({.path = "5"});
    CHECK(mageio::test::read_all_text(reader).size() == 5);
  }
}

}  // namespace

TEST_CASE("every misbehaviour of an isolated plugin is a clear error and the host keeps running") {
  for (const std::string where : {"open", "load", "mid_stream", "export"}) {
    for (const auto& way : kWays) {
      const std::string name = "zoo_" + where + "_" + way.name;
      CAPTURE(name);
      Error error = misbehaviour(where, way.name);
      const std::string message = error.what();
      CAPTURE(message);
      CHECK(message.find("plugin '" + name + "'") != std::string::npos);
      CHECK(message.find(way.happened) != std::string::npos);
      const std::string operation = where == "mid_stream" ? "load" : where;
      CHECK(message.find("during " + operation) != std::string::npos);
      // The child was reaped: no zombie is left behind.
      CHECK(::waitpid(-1, nullptr, WNOHANG) <= 0);
      good_plugin_works();
    }
  }
}

TEST_CASE("the same broken plugin can be opened again after it crashed, and each crash is reported") {
  for (int attempt = 0; attempt < 3; ++attempt) {
    Error error = misbehaviour("load", "segv");
    CHECK(std::string(error.what()).find("crashed with SIGSEGV during load") != std::string::npos);
  }
}

TEST_CASE("every later call on a crashed isolated instance is a clear error") {
  auto plugin = zoo_plugin("zoo_load_abort");
  auto connector = plugin->open({}, nullptr, {}, kIsolated);
  Error first = error_of([&] { connector->load({.path = "in"}); });
  CHECK(std::string(first.what()).find("crashed with SIGABRT during load") != std::string::npos);
  Error later = error_of([&] { connector->load({.path = "in"}); });
  CHECK(std::string(later.what()).find("plugin 'zoo_load_abort' crashed with SIGABRT during load") !=
        std::string::npos);
}

TEST_CASE("isolated, a plugin that misbehaves in open never runs in this process") {
  // In-process, this open would kill the test; isolated, it is an error.
  Error error = misbehaviour("open", "exit3");
  CHECK(std::string(error.what()).find("exited with status 3 during open") != std::string::npos);
}

TEST_CASE("an isolated connector opened on a thread that has ended keeps working on another thread") {
  // The child is killed when its parent dies; the kernel counts the thread that started it as the parent.
  // Children are started on a thread that lasts as long as the process, so a thread pool can open a
  // connector and hand it over.
  auto numbers = zoo_plugin("numbers");
  std::unique_ptr<mageio::Connector> connector;
  std::thread([&] { connector = numbers->open({}, nullptr, {}, OpenOptions{.isolate = true}); }).join();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto reader = connector->load({.path = "7"});
  CHECK(mageio::test::read_all_text(reader).size() == 7);
}

// A plugin built for ABI 1.0 has no stream_error (its descriptor ends before it): a 1.1 host falls back to
// the stream's errno code and get_last_error text, in process, isolated and through the CLI.
TEST_CASE("an ABI 1.0 plugin whose stream fails mid-load: the host reports its errno and text") {
  auto plugin = zoo_plugin("stream_fails_v1_0");
  for (bool isolate : {false, true}) {
    CAPTURE(isolate);
    auto connector = plugin->open({}, nullptr, {}, OpenOptions{.isolate = isolate});
    auto reader = connector->load({.path = "in"});
    mageio::sdk::OwnedArray batch;
    REQUIRE(reader.next(batch));
    CHECK(batch.array.length == 3);
    Error error = error_of([&] { reader.next(batch); });
    CAPTURE(error.what());
    CHECK(error.status() == mageio::sdk::errno_to_status(EIO));
    CHECK(error.sqlstate().empty());
    CHECK(error.vendor_code() == 0);
    CHECK(std::string(error.what())
              .find("stream_fails_v1_0 load failed while reading a batch: the disk under the "
                    "rows went away") != std::string::npos);
    CHECK_FALSE(reader.producer_error());
  }
  const std::string dir = (fs::path(MAGEIO_TEST_PLUGIN_DIR) / "stream_fails_v1_0").string();
  for (bool isolate : {false, true}) {
    CAPTURE(isolate);
    std::vector<std::string> args{"load", "stream_fails_v1_0", "--path", "in", "--format", "csv", "--plugin-dir", dir};
    if (isolate) args.push_back("--isolate");
    auto result = mageio::test::run_cli(args);
    CAPTURE(result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("the disk under the rows went away") != std::string::npos);
  }
  // --partitions on a 1.0 plugin: the host never reaches for 1.1's plan slots (past the end of its
  // descriptor), says so, and reads the one stream, whose failure still comes through.
  for (bool isolate : {false, true}) {
    CAPTURE(isolate);
    std::vector<std::string> args{"load", "stream_fails_v1_0", "--path", "in",           "--format",
                                  "csv",  "--plugin-dir",      dir,      "--partitions", "3"};
    if (isolate) args.push_back("--isolate");
    auto result = mageio::test::run_cli(args);
    CAPTURE(result.err);
    CHECK(result.exit_code == 1);
    CHECK(result.err.find("does not support partitioned loads (ABI 1.0): reading one stream") != std::string::npos);
    CHECK(result.err.find("the disk under the rows went away") != std::string::npos);
  }
}
