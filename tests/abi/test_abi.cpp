// The C ABI through the real host: negotiation both ways, every broken plugin rejected with its own
// reason while the good ones load, exceptions turned into errors, invalid streams refused, libraries
// kept loaded while anything from them lives.
#include "test_support.hpp"

#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>

#include <dlfcn.h>

#include <cstring>

namespace fs = std::filesystem;
using namespace mageio;

namespace {

fs::path fixture(const std::string& name) { return fs::path(MAGEIO_TEST_PLUGIN_DIR) / name; }

fs::path fixture_library(const std::string& name) { return fixture(name) / ("libmageio_" + name + ".so"); }

// A registry over the bundled plugins first, then every fixture directory.
Registry registry_with_fixtures() {
  RegistryOptions options{.plugin_dirs = {MAGEIO_PLUGIN_DIR}, .use_environment = false, .use_default_dirs = false};
  for (const auto& entry : fs::directory_iterator(MAGEIO_TEST_PLUGIN_DIR)) options.plugin_dirs.push_back(entry.path());
  std::sort(options.plugin_dirs.begin() + 1, options.plugin_dirs.end());
  return Registry(options);
}

std::string rejection_for(Registry& registry, const std::string& fixture_name) {
  for (const auto& rejection : registry.rejections())
    if (rejection.path.parent_path().filename() == fixture_name) return rejection.reason;
  return "(not rejected)";
}

// Why loading the fixture by path (which runs its entry point) fails.
std::string load_failure(const std::string& fixture_name) {
  try {
    Registry::load_file(fixture_library(fixture_name));
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(loaded)";
}

Registry numbers_registry() {
  return Registry({.plugin_dirs = {fixture("numbers")}, .use_environment = false, .use_default_dirs = false});
}

using EntryFn = MageioStatus (*)(uint32_t, const MageioPluginDescriptor**, MageioError*);

struct RawLibrary {
  void* handle;
  explicit RawLibrary(const fs::path& path) : handle(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {}
  ~RawLibrary() {
    if (handle) dlclose(handle);
  }
  EntryFn entry() const { return reinterpret_cast<EntryFn>(dlsym(handle, MAGEIO_PLUGIN_ENTRY_NAME)); }
};

}  // namespace

TEST_CASE("the host offers its ABI version and accepts a plugin that answers it") {
  auto registry = numbers_registry();
  auto plugin = registry.find("numbers");
  CHECK(plugin->abi_version() == MAGEIO_ABI_VERSION);
  CHECK(plugin->version() == "1.0.0");
  CHECK(plugin->has(MAGEIO_CAP_LOAD | MAGEIO_CAP_EXPORT));
  CHECK_FALSE(plugin->has(MAGEIO_CAP_EXECUTE));
  CHECK(plugin->supported_types() == std::vector<std::string>{"int64", "utf8"});
  CHECK(plugin->config_schema().keys.size() == 1);
  CHECK(plugin->config_schema().keys[0].secret);
}

TEST_CASE("an SDK plugin answers the highest version both sides know and refuses other major versions") {
  RawLibrary library(fixture_library("numbers"));
  REQUIRE(library.handle != nullptr);
  REQUIRE(reinterpret_cast<void*>(library.entry()) != nullptr);

  struct Case {
    uint32_t offered;
    uint32_t answered;
    const char* types;  // supported_types as that version spells it
  };
  const Case cases[] = {
      {MAGEIO_ABI_VERSION_1_0, MAGEIO_ABI_VERSION_1_0, "int64;utf8"},           // a 1.0 host: what a 1.0 plugin says
      {MAGEIO_ABI_VERSION_1_1, MAGEIO_ABI_VERSION_1_1, R"(["int64","utf8"])"},  // this host
      {1002000u, MAGEIO_ABI_VERSION_1_1, R"(["int64","utf8"])"},                // a future 1.2 host
  };
  for (const auto& c : cases) {
    CAPTURE(c.offered);
    const MageioPluginDescriptor* descriptor = nullptr;
    MageioError error{};
    error.struct_size = sizeof error;
    CHECK(library.entry()(c.offered, &descriptor, &error) == MAGEIO_STATUS_OK);
    REQUIRE(descriptor != nullptr);
    CHECK(descriptor->abi_version == c.answered);
    CHECK(std::string(descriptor->supported_types) == c.types);
    CHECK(std::string(descriptor->name) == "numbers");
  }

  for (uint32_t offered : {2000000u, 999u}) {
    CAPTURE(offered);
    MageioError refusal{};
    refusal.struct_size = sizeof refusal;
    const MageioPluginDescriptor* descriptor = nullptr;
    CHECK(library.entry()(offered, &descriptor, &refusal) == MAGEIO_STATUS_NOT_IMPLEMENTED);
    CHECK(descriptor == nullptr);
    REQUIRE(refusal.message != nullptr);
    CHECK(std::string(refusal.message)
              .find("cannot work with a host that speaks ABI " + sdk::abi_version_text(offered)) != std::string::npos);
    REQUIRE(bool(refusal.release));
    refusal.release(&refusal);
  }
}

TEST_CASE("a plugin never writes past the error struct size the host gave it") {
  RawLibrary library(fixture_library("numbers"));
  // A host from an imaginary older version whose MageioError ends after struct_size: the plugin may not
  // write the message (it could not be freed) nor anything after it.
  struct {
    MageioError error;
    unsigned char canary[64];
  } block;
  std::memset(&block, 0xAB, sizeof block);
  block.error.struct_size = sizeof(size_t);
  const MageioPluginDescriptor* descriptor = nullptr;
  CHECK(library.entry()(2000000u, &descriptor, &block.error) == MAGEIO_STATUS_NOT_IMPLEMENTED);
  const auto* bytes = reinterpret_cast<const unsigned char*>(&block) + sizeof(size_t);
  bool untouched = true;
  for (size_t i = 0; i < sizeof block - sizeof(size_t); ++i) untouched = untouched && bytes[i] == 0xAB;
  CHECK(untouched);
}

TEST_CASE("every broken plugin is rejected with its own reason and the good ones still load") {
  auto registry = registry_with_fixtures();
  // Discovery runs none of them: each one without a manifest is rejected for that alone.
  for (const char* name : {"no_entry", "refuses", "newer_abi", "older_abi", "null_name", "null_description", "bad_name",
                           "capability_without_slot", "short_struct"}) {
    CAPTURE(name);
    CHECK(rejection_for(registry, name) == "no manifest; rebuild with mageio_add_manifest");
  }
  // Loaded by path, each is refused with its own reason.
  CHECK(load_failure("no_entry").find("missing entry point mageio_plugin_entry") != std::string::npos);
  CHECK(load_failure("refuses").find("refused ABI 1.1 (NOT_IMPLEMENTED): this plugin refuses every ABI "
                                     "version") != std::string::npos);
  CHECK(load_failure("newer_abi") == "ABI too new: the plugin answered ABI 2.0 but this host speaks 1.1 at most");
  CHECK(load_failure("older_abi").starts_with("ABI too old: the plugin answered ABI 0.0"));
  CHECK(load_failure("null_name") == "bad descriptor: name is NULL");
  CHECK(load_failure("null_description") == "bad descriptor: description is NULL");
  CHECK(load_failure("bad_name").find("name 'Bad Name!' is not [a-z][a-z0-9_]*") != std::string::npos);
  CHECK(load_failure("capability_without_slot") ==
        "bad descriptor: declares the export_data capability but its slot is NULL");
  CHECK(load_failure("short_struct").starts_with("bad descriptor: struct_size 16 is smaller"));
  CHECK(rejection_for(registry, "not_a_library") == "not a shared library (no ELF header)");
  CHECK(rejection_for(registry, "duplicate").starts_with("duplicate name: plugin 'sqlite' was already loaded from"));

  // The good ones: the fixtures that are sound, and every bundled plugin.
  CHECK(registry.find("numbers")->name() == "numbers");
  CHECK(registry.find("throwing")->name() == "throwing");
  CHECK(registry.find("invalid_stream")->name() == "invalid_stream");
  for (std::string name : {"file", "sqlite"}) {
    CAPTURE(name);
    CHECK(registry.find(name)->path().parent_path() == fs::path(MAGEIO_PLUGIN_DIR));
  }
}

TEST_CASE("a plugin that is not found is explained: every place searched and every rejection") {
  Registry registry({.plugin_dirs = {fixture("refuses"), fixture("numbers"), "/nonexistent/dir"},
                     .use_environment = false,
                     .use_default_dirs = false});
  try {
    registry.find("postgres");
    FAIL("find should have thrown");
  } catch (const Error& error) {
    std::string message = error.what();
    CHECK(error.status() == MAGEIO_STATUS_NOT_FOUND);
    CHECK(message.find("plugin 'postgres' not found.") == 0);
    CHECK(message.find(fixture("refuses").string() + "  (--plugin-dir)") != std::string::npos);
    CHECK(message.find("/nonexistent/dir: search path entry (--plugin-dir) does not exist") != std::string::npos);
    CHECK(message.find("libmageio_refuses.so: no manifest; rebuild with mageio_add_manifest") != std::string::npos);
    CHECK(message.find("available plugins: numbers") != std::string::npos);
  }
}

TEST_CASE("MAGEIO_PLUGIN_PATH is searched after explicit directories, and never the current directory") {
  setenv("MAGEIO_PLUGIN_PATH", (fixture("numbers").string() + ":" + fixture("throwing").string()).c_str(), 1);
  Registry registry({.plugin_dirs = {fixture("refuses")}, .use_environment = true, .use_default_dirs = false});
  auto path = registry.search_path();
  unsetenv("MAGEIO_PLUGIN_PATH");
  REQUIRE(path.size() == 3);
  CHECK(path[0].second == "--plugin-dir");
  CHECK(path[1] == std::pair<fs::path, std::string>(fixture("numbers"), "MAGEIO_PLUGIN_PATH"));
  CHECK(path[2].first == fixture("throwing"));
  CHECK(registry.find("throwing")->name() == "throwing");

  // Default directories are derived from where libmageio.so lives, not from the working directory.
  Registry defaults({.use_environment = false, .use_default_dirs = true});
  for (const auto& [dir, origin] : defaults.search_path()) {
    CHECK(origin == "default");
    CHECK(dir != fs::current_path());
  }
}

TEST_CASE("every exception a plugin throws becomes an error with its status; the host survives") {
  Registry registry({.plugin_dirs = {fixture("throwing")}, .use_environment = false, .use_default_dirs = false});
  auto plugin = registry.find("throwing");

  auto expect_error = [](auto&& call, MageioStatus status, const std::string& message) {
    try {
      call();
      FAIL("expected an error: " << message);
    } catch (const Error& error) {
      CHECK(error.status() == status);
      CHECK(std::string(error.what()) == message);
    }
  };
  expect_error(
      [&] {
        plugin->open({{"THROWING_MODE", "open"}});
      },
      MAGEIO_STATUS_INTERNAL, "throwing open: open exploded");
  expect_error(
      [&] {
        plugin->open({{"NO_SUCH_KEY", "x"}});
      },
      MAGEIO_STATUS_INVALID_ARGUMENT, "throwing open: unknown config key NO_SUCH_KEY; accepted keys: THROWING_MODE");

  auto connector = plugin->open({});
  expect_error([&] { connector->load({.table = "t"}); }, MAGEIO_STATUS_INTERNAL, "throwing load: load exploded");
  expect_error([&] { connector->execute("select 1"); }, MAGEIO_STATUS_INTERNAL, "throwing execute: unknown exception");
  expect_error(
      [&] {
        connector->execute_queries({"a", "b"});
      },
      MAGEIO_STATUS_INTERNAL, "throwing execute_queries: out of memory");
  expect_error([&] { connector->table_exists("t"); }, MAGEIO_STATUS_INTERNAL,
               "throwing table_exists: table_exists exploded");
  try {
    connector->alter_table({.table = "t", .action = mageio::AlterAction::DropColumn, .column = "c"});
    FAIL("alter_table should throw");
  } catch (const Error& error) {
    CHECK(error.status() == MAGEIO_STATUS_BACKEND);
    CHECK(error.sqlstate() == "42P01");
    CHECK(error.vendor_code() == 7);
    CHECK(std::string(error.what()) == "throwing alter_table: alter exploded (SQLSTATE 42P01)");
  }
  // Bad requests are caught before the plugin sees them (the action is typed: the host cannot write a
  // wrong one; test_sdk_requests checks the SDK's parser refuses one).
  expect_error(
      [&] {
        connector->alter_table(
            {.table = "t", .action = mageio::AlterAction::AddColumn, .column = "c", .type = "varchar"});
      },
      MAGEIO_STATUS_INVALID_ARGUMENT,
      "throwing alter_table: unknown type 'varchar'; accepted types: null, bool, int8, int16, int32, int64, "
      "uint8, uint16, uint32, uint64, float32, float64, decimal128(P, S), utf8, large_utf8, binary, "
      "large_binary, date32, timestamp[us], timestamp[us, UTC], time64[us], duration[us]");
  // An export whose plugin throws: the input stream is still the caller's and intact.
  test::OwnedStream input(test::make_source({{"x", sdk::int64()}}, [](sdk::BatchBuilder& b, int) {
    b.column(0).append_int(1);
    b.end_row();
    return false;
  }));
  expect_error([&] { connector->export_data({.table = "t"}, input.get()); }, MAGEIO_STATUS_INTERNAL,
               "throwing export: export exploded");
  CHECK(bool(input.stream.release));
}

TEST_CASE("capabilities a plugin does not declare are refused by the host before any call") {
  auto registry = numbers_registry();
  auto connector = registry.find("numbers")->open({});
  try {
    connector->execute("select 1");
    FAIL("execute should be refused");
  } catch (const Error& error) {
    CHECK(error.status() == MAGEIO_STATUS_NOT_IMPLEMENTED);
    CHECK(std::string(error.what()) == "plugin numbers does not support execute");
  }
}

TEST_CASE("an invalid Arrow stream and an error without a message are reported, not trusted") {
  auto registry = registry_with_fixtures();
  auto invalid = registry.find("invalid_stream")->open({});
  try {
    invalid->load({.path = "x"});
    FAIL("an invalid stream must be refused");
  } catch (const Error& error) {
    CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
    CHECK(std::string(error.what()) == "the stream's schema is not a struct (format 'l'); expected '+s'");
  }
  auto silent = registry.find("silent_failure")->open({});
  try {
    silent->load({.path = "x"});
    FAIL("load should fail");
  } catch (const Error& error) {
    CHECK(error.status() == MAGEIO_STATUS_BACKEND);
    CHECK(std::string(error.what()) == "silent_failure load: (no message)");
  }
}

TEST_CASE("data streams across the ABI in bounded batches, with progress and log through host services") {
  auto registry = numbers_registry();
  auto host = std::make_shared<HostCallbacks>();
  std::vector<std::string> logs;
  int64_t last_progress = 0, total = 0;
  host->on_log = [&](int32_t, const std::string& message) { logs.push_back(message); };
  host->on_progress = [&](int64_t rows, int64_t, int64_t total_rows) {
    last_progress = rows;
    total = total_rows;
  };
  auto connector = registry.find("numbers")->open({}, host);
  CHECK(logs == std::vector<std::string>{"numbers opened"});
  auto reader = connector->load({.path = "2500", .batch_rows = 1000});
  sdk::OwnedArray batch;
  std::vector<int64_t> sizes;
  int64_t nulls = 0;
  while (reader.next(batch)) {
    sdk::BatchView view(batch.array, reader.schema());
    sizes.push_back(view.rows());
    for (int64_t r = 0; r < view.rows(); ++r) nulls += view.column(1).is_null(r);
    CHECK(view.column(0).get_int(0) == static_cast<int64_t>(sizes.size() - 1) * 1000);
  }
  CHECK(sizes == std::vector<int64_t>{1000, 1000, 500});
  CHECK(nulls == 250);
  CHECK(last_progress == 2500);
  CHECK(total == 2500);
}

TEST_CASE("cancellation from the host stops a running load") {
  auto registry = numbers_registry();
  auto connector = registry.find("numbers")->open({});
  auto reader = connector->load({.path = "100000", .batch_rows = 10});
  sdk::OwnedArray batch;
  CHECK(reader.next(batch));
  connector->callbacks().cancel_requested = true;
  try {
    reader.next(batch);
    FAIL("the load should have been cancelled");
  } catch (const Error& error) {
    CHECK(error.status() == MAGEIO_STATUS_CANCELLED);
  }
}

TEST_CASE("a stream keeps its plugin's library and instance alive after the registry and connector are gone") {
  std::optional<BatchReader> reader;
  {
    auto registry = numbers_registry();
    auto connector = registry.find("numbers")->open({});
    reader.emplace(connector->load({.path = "3", .batch_rows = 2}));
  }
  auto rows = test::read_all_text(*reader);
  CHECK(rows == std::vector<std::vector<std::string>>{{"0", "n0"}, {"1", "n1"}, {"2", "n2"}});
}

TEST_CASE("a stream from one plugin exports through another, and secrets are masked in errors") {
  auto registry = numbers_registry();
  auto plugin = registry.find("numbers");
  auto source = plugin->open({});
  auto sink = plugin->open({});
  auto reader = source->load({.path = "12345", .batch_rows = 1000});
  CHECK(sink->export_data({.path = "anywhere"}, reader.stream()) == 12345);

  auto secretive = plugin->open({{"NUMBERS_SECRET", "hunter2"}}, nullptr, {"hunter2"});
  try {
    secretive->load({.path = "leak-secret"});
    FAIL("load should fail");
  } catch (const Error& error) {
    CHECK(std::string(error.what()) == "numbers load: wrong password **** for numbers");
  }
}
