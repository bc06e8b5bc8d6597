// ABI 1.1 instance_capabilities through the real host: an instance that answers fewer bits than its
// descriptor gets the missing operations refused, clearly and before the plugin is called, in process
// and isolated; an answer beyond the descriptor, or a failing answer, fails the open (the instance is
// closed); a 1.0 plugin, a 1.1 plugin whose struct ends before the slot and a NULL slot keep the
// descriptor's bits. An SDK plugin fills the slot from Connector::instance_capabilities and refuses the
// operations itself for a 1.0 host, which never asks.
#include "test_support.hpp"

#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>

#include <dlfcn.h>

namespace fs = std::filesystem;
using namespace mageio;

namespace {

fs::path fixture(const std::string& name) { return fs::path(MAGEIO_TEST_PLUGIN_DIR) / name; }

std::shared_ptr<const Plugin> plugin_named(const std::string& name) {
  static std::map<std::string, std::shared_ptr<Registry>> registries;
  auto& registry = registries[name];
  if (!registry)
    registry = std::make_shared<Registry>(
        RegistryOptions{.plugin_dirs = {fixture(name)}, .use_environment = false, .use_default_dirs = false});
  return registry->find(name);
}

// One of caps_plugin.c's counters, read from the library the host loaded (dlopen finds the same one).
int counter(const std::string& fixture_name, const char* symbol) {
  const fs::path library = fixture(fixture_name) / ("libmageio_" + fixture_name + ".so");
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  REQUIRE(handle != nullptr);
  int value = *static_cast<int*>(dlsym(handle, symbol));
  dlclose(handle);
  return value;
}

test::OwnedStream one_row() {
  return test::rows_stream({{"n", sdk::int64(), false}}, 1,
                           [](sdk::BatchBuilder& b, int64_t) { b.column(0).append_int(1); });
}

const uint64_t kCapsDeclared = MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT | MAGEIO_CAP_TABLE_EXISTS | MAGEIO_CAP_PATHS;

}  // namespace

TEST_CASE("an instance that answers fewer bits: the host refuses the rest, naming plugin and operation") {
  auto plugin = plugin_named("caps_narrow");
  CHECK(plugin->capabilities() == kCapsDeclared);  // what discovery lists stays the descriptor's
  for (bool isolate : {false, true}) {
    CAPTURE(isolate);
    auto connector = plugin->open({}, nullptr, {}, OpenOptions{.isolate = isolate});
    CHECK(connector->capabilities() == (MAGEIO_CAP_LOAD | MAGEIO_CAP_TABLE_EXISTS | MAGEIO_CAP_PATHS));
    CHECK(connector->has(MAGEIO_CAP_TABLE_EXISTS));
    CHECK_FALSE(connector->has(MAGEIO_CAP_EXPORT));
    CHECK(connector->path_exists("x"));  // what it declares still reaches the plugin
    auto input = one_row();
    const Error error = test::error_of([&] { connector->export_data({.path = "x"}, input.get()); });
    CHECK(error.status() == MAGEIO_STATUS_NOT_IMPLEMENTED);
    CHECK(std::string(error.what()).starts_with("plugin caps_narrow does not support export on this instance"));
  }
  // Neither instance's export ever reached the plugin (the isolated one ran in a child; this counts
  // the in-process library).
  CHECK(counter("caps_narrow", "caps_fixture_export_calls") == 0);
  CHECK(counter("caps_narrow", "caps_fixture_capability_calls") == 1);
}

TEST_CASE("an answer beyond the descriptor, or a failed answer, fails the open and closes the instance") {
  for (bool isolate : {false, true}) {
    CAPTURE(isolate);
    const Error beyond =
        test::error_of([&] { plugin_named("caps_outside")->open({}, nullptr, {}, {.isolate = isolate}); });
    CHECK(beyond.status() == MAGEIO_STATUS_INTERNAL);
    CHECK(std::string(beyond.what()) ==
          "caps_outside instance_capabilities: the instance claims capabilities its descriptor does not declare "
          "(execute); an instance can only do a part of what its plugin declares");

    const Error failed =
        test::error_of([&] { plugin_named("caps_fails")->open({}, nullptr, {}, {.isolate = isolate}); });
    CHECK(failed.status() == MAGEIO_STATUS_UNAVAILABLE);
    CHECK(std::string(failed.what()).find("cannot tell what this instance can do") != std::string::npos);
  }
  CHECK(counter("caps_outside", "caps_fixture_open_instances") == 0);
  CHECK(counter("caps_fails", "caps_fixture_open_instances") == 0);
}

TEST_CASE("without a readable slot every instance has the descriptor's bits") {
  // caps_v10_shaped answers ABI 1.0 with 1.0's struct_size, caps_short_11 answers 1.1 with a struct that
  // ends before the slot, caps_null_slot leaves it NULL. The first two do fill the slot with a narrowing
  // answer past their struct_size: a host that read it would refuse the export.
  for (const char* name : {"caps_v10_shaped", "caps_short_11", "caps_null_slot"}) {
    CAPTURE(name);
    for (bool isolate : {false, true}) {
      CAPTURE(isolate);
      auto connector = plugin_named(name)->open({}, nullptr, {}, {.isolate = isolate});
      CHECK(connector->capabilities() == kCapsDeclared);
      auto input = one_row();
      CHECK(connector->export_data({.path = "x"}, input.get()) == 42);
    }
    CHECK(counter(name, "caps_fixture_capability_calls") == 0);
  }
}

TEST_CASE("an SDK plugin answers Connector::instance_capabilities, and refuses the rest itself") {
  auto plugin = plugin_named("narrowing");
  for (bool isolate : {false, true}) {
    CAPTURE(isolate);
    auto all = plugin->open({}, nullptr, {}, {.isolate = isolate});
    CHECK(all->capabilities() == plugin->capabilities());
    CHECK(all->execute("x").rows_affected == 7);

    auto narrow = plugin->open({{"NARROWING_CAPS", "load,export,paths"}}, nullptr, {}, {.isolate = isolate});
    CHECK(narrow->capabilities() == (MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT | MAGEIO_CAP_PATHS));
    auto rows = narrow->load({.path = "x"});
    CHECK(test::read_all_text(rows).size() == 3);
    auto input = one_row();
    CHECK(narrow->export_data({.path = "x"}, input.get()) == 1);
    auto upsert_input = one_row();
    const Error upsert =
        test::error_of([&] { narrow->export_data({.path = "x", .unique_constraints = {"n"}}, upsert_input.get()); });
    CHECK(std::string(upsert.what()) ==
          "plugin narrowing does not support upserts (unique constraints) on this instance (the plugin declares it, "
          "but this instance says it cannot: see what the plugin's documentation says it depends on)");
    const Error execute = test::error_of([&] { narrow->execute("x"); });
    CHECK(execute.status() == MAGEIO_STATUS_NOT_IMPLEMENTED);
    CHECK(std::string(execute.what()).starts_with("plugin narrowing does not support execute on this instance"));

    // The SDK checks the answer against PluginInfo before the host does.
    const Error beyond = test::error_of([&] {
      plugin->open({{"NARROWING_CAPS", "load,alter_table"}}, nullptr, {}, {.isolate = isolate});
    });
    CHECK(beyond.status() == MAGEIO_STATUS_INTERNAL);
    CHECK(
        std::string(beyond.what()).find("the instance claims capabilities its plugin does not declare (alter_table)") !=
        std::string::npos);
  }
}

TEST_CASE("an SDK plugin in a 1.0 host (which never asks) refuses what the instance cannot do") {
  const fs::path library = fixture("narrowing") / "libmageio_narrowing.so";
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  REQUIRE(handle != nullptr);
  auto entry = reinterpret_cast<MageioPluginEntryFn>(dlsym(handle, MAGEIO_PLUGIN_ENTRY_NAME));
  const MageioPluginDescriptor* d = nullptr;
  MageioError error{};
  error.struct_size = sizeof error;
  REQUIRE(entry(MAGEIO_ABI_VERSION_1_0, &d, &error) == MAGEIO_STATUS_OK);
  CHECK(d->abi_version == MAGEIO_ABI_VERSION_1_0);
  CHECK((d->instance_capabilities == nullptr));  // 1.0 defines no such slot
  MageioInstance* instance = nullptr;
  REQUIRE(d->open(R"({"NARROWING_CAPS":"load,paths"})", nullptr, &instance, &error) == MAGEIO_STATUS_OK);
  int64_t rows = -1;
  CHECK(d->execute(instance, R"({"sql":"x"})", &rows, nullptr, &error) == MAGEIO_STATUS_NOT_IMPLEMENTED);
  REQUIRE(error.message != nullptr);
  CHECK(std::string(error.message) == "narrowing does not support execute on this instance");
  CHECK(rows == -1);
  if (error.release) error.release(&error);
  d->close(instance);
  dlclose(handle);
}
