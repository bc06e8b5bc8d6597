// A loaded plugin stays mapped until the process ends. Plugins may leave threads running after their last
// instance is closed (the parquet plugin's async runtime, a driver's connection pool); when the host
// unmapped the library under such a thread, the process crashed (the CLI, exiting after a failed parquet
// export on Azure). The fixture thread_left starts a thread at open that runs its own code for ever.
#include "test_support.hpp"

#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>

#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace fs = std::filesystem;
using namespace mageio;

namespace {

const fs::path kFixture = fs::path(MAGEIO_TEST_PLUGIN_DIR) / "thread_left";

// In a child process (a crash must not take the suite with it): open the plugin, read its rows, close it,
// drop the registry and every plugin handle, then let the plugin's thread run for a while. The child's
// exit status: 0 when it got there, 128 + the signal that killed it otherwise.
int run_and_unload_in_child() {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      {
        Registry registry(
            RegistryOptions{.plugin_dirs = {kFixture}, .use_environment = false, .use_default_dirs = false});
        auto plugin = registry.find("thread_left");
        if (!plugin) _exit(10);
        auto connector = plugin->open({});
        auto reader = connector->load({.path = "x"});
        auto rows = mageio::test::read_all_text(reader);
        if (rows.size() != 3) _exit(11);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      _exit(0);
    } catch (...) {
      _exit(12);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("a plugin whose thread outlives its instance and its registry stays mapped: no crash") {
  CHECK(run_and_unload_in_child() == 0);
}

TEST_CASE("the library of a plugin no longer in use is still loaded (RTLD_NOLOAD finds it)") {
  {
    Registry registry(RegistryOptions{.plugin_dirs = {kFixture}, .use_environment = false, .use_default_dirs = false});
    auto plugin = registry.find("thread_left");
    REQUIRE(plugin);
    plugin->open({});
  }
  void* handle = dlopen((kFixture / "libmageio_thread_left.so").c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  CHECK(handle != nullptr);
  if (handle != nullptr) dlclose(handle);
}
