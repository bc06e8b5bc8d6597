// The adbc plugin beyond the kit: how ADBC_DRIVER is resolved (path, manifest, name, python:MODULE),
// what is refused (a file that is no driver, a driver that refuses ADBC 1.1 is used as 1.0, a wrong
// URI), execute_queries all or nothing with the driver's SQLSTATE kept, and every type through
// `mageio copy postgres adbc` and back.
#include "adbc_test_support.hpp"

#include <dlfcn.h>
#include <stdlib.h>
#include <boost/json/serialize.hpp>

#include <fstream>

using mageio::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string scalar(mageio::Connector& connector, const std::string& sql) {
  auto outcome = connector.execute(sql);
  REQUIRE(outcome.rows);
  const auto rows = mageio::test::read_all_text(*outcome.rows);
  REQUIRE(rows.size() == 1);
  return rows[0][0];
}

mageio::Error open_error(const mageio::Plugin& plugin, const boost::json::object& config) {
  try {
    plugin.open(config);
  } catch (const mageio::Error& error) {
    return error;
  }
  FAIL("opening the adbc plugin with " << boost::json::serialize(config) << " succeeded");
  throw std::logic_error("unreachable");
}

// Sets an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("ADBC_DRIVER: an absolute library path, a manifest, a name in ADBC_DRIVER_PATH and python:MODULE") {
  auto plugin = adbctest::plugin_with("sqlite");
  if (!plugin) return;
  TempDir dir;
  const std::string library = *adbctest::driver_library("sqlite");
  const std::string database = (dir / "resolve.db").string();
  auto answer = [&](const std::string& driver) {
    auto connector = plugin->open({{"ADBC_DRIVER", driver}, {"ADBC_URI", database}});
    return scalar(*connector, "SELECT 40 + 2");
  };
  CHECK(answer(library) == "42");

  const fs::path manifest = dir / "manifests" / "mysqlite.toml";
  fs::create_directories(manifest.parent_path());
  mageio::test::write_file(manifest,
                           "manifest_version = 1\nname = 'SQLite from PyPI'  # a comment\n\n[Driver]\n"
                           "entrypoint = \"AdbcDriverSqliteInit\"\n[Driver.shared]\nlinux_amd64 = \"" +
                               library + "\"\nlinux_arm64 = \"" + library + "\"\n");
  CHECK(answer(manifest.string()) == "42");
  {
    ScopedEnv path("ADBC_DRIVER_PATH", "/nonexistent:" + manifest.parent_path().string());
    CHECK(answer("mysqlite") == "42");
  }
  {
    ScopedEnv env("VIRTUAL_ENV", adbctest::venv().string());
    CHECK(answer("python:adbc_driver_sqlite") == "42");
    const auto missing = open_error(*plugin, {{"ADBC_DRIVER", "python:adbc_driver_nonexistent"}});
    CHECK(missing.status() == MAGEIO_STATUS_NOT_FOUND);
    CHECK(std::string(missing.what()).find("python:adbc_driver_nonexistent: the package is not installed in") !=
          std::string::npos);
  }
  const auto unknown = open_error(*plugin, {{"ADBC_DRIVER", "no_such_driver_here"}});
  CHECK(unknown.status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(std::string(unknown.what()).find("no_such_driver_here.toml") != std::string::npos);
}

TEST_CASE("a file that is not an ADBC driver is refused, naming it and why") {
  auto plugin = kittest::bundled("adbc");
  if (!plugin) return;
  TempDir dir;
  const fs::path text = dir / "libnot_a_driver.so";
  mageio::test::write_file(text, "this is text, not an ELF file\n");
  const auto not_elf = open_error(*plugin, {{"ADBC_DRIVER", text.string()}});
  CHECK(not_elf.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(not_elf.what()).find("cannot load the ADBC driver library " + text.string()) != std::string::npos);

  // A real shared library without an ADBC entry point: the sqlite mageio plugin itself.
  const std::string other = std::string(MAGEIO_PLUGIN_DIR) + "/libmageio_sqlite.so";
  const auto no_entry = open_error(*plugin, {{"ADBC_DRIVER", other}});
  CHECK(no_entry.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(no_entry.what()).find(other + " is not an ADBC driver: it exports none of AdbcDriverInit") !=
        std::string::npos);

  const auto missing = open_error(*plugin, {{"ADBC_DRIVER", (dir / "absent.so").string()}});
  CHECK(missing.status() == MAGEIO_STATUS_NOT_FOUND);
  const auto relative = open_error(*plugin, {{"ADBC_DRIVER", "lib/driver.so"}});
  CHECK(relative.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
}

TEST_CASE("a driver that refuses ADBC 1.1 is used as ADBC 1.0; what it lacks is not declared, and refused") {
  auto plugin = kittest::bundled("adbc");
  if (!plugin) return;
  const std::string fixture = MAGEIO_ADBC_V10_DRIVER;
  REQUIRE(!fixture.empty());
  auto connector = plugin->open({{"ADBC_DRIVER", fixture}, {"ADBC_URI", "anything"}});
  // The host offered 1.1.0 first, then 1.0.0 (the fixture records the offers).
  void* handle = dlopen(fixture.c_str(), RTLD_NOW | RTLD_NOLOAD);
  REQUIRE(handle != nullptr);
  auto offered = reinterpret_cast<const char* (*)()>(dlsym(handle, "fixture_offered_versions"));
  REQUIRE((offered != nullptr));
  CHECK(std::string(offered()).starts_with("1001000,1000000"));
  dlclose(handle);

  // The fixture has SQL only: no catalog, no ingest, no connection options (so no transactions), no
  // partitions. The instance declares exactly what is left.
  CHECK(connector->capabilities() == (MAGEIO_CAP_LOAD | MAGEIO_CAP_LOAD_QUERY | MAGEIO_CAP_EXECUTE));
  auto loaded = connector->load({.query = "SELECT the answer"});
  CHECK(mageio::test::read_all_text(loaded) == std::vector<std::vector<std::string>>{{"42"}});
  for (const char* operation : {"execute_queries", "table_exists"}) {
    CAPTURE(operation);
    const auto error = mageio::test::error_of([&] {
      if (std::string(operation) == "execute_queries")
        connector->execute_queries({"UPDATE t SET a = 1"});
      else
        connector->table_exists("t");
    });
    CHECK(error.status() == MAGEIO_STATUS_NOT_IMPLEMENTED);
    CHECK(std::string(error.what())
              .starts_with("plugin adbc does not support " + std::string(operation) + " on this instance"));
  }
}

TEST_CASE("a wrong URI fails to open with UNAVAILABLE or UNAUTHENTICATED, and the password is never shown") {
  auto uri = adbctest::postgres_uri();
  if (!uri) return;
  auto plugin = adbctest::plugin_with("postgresql");
  if (!plugin) return;
  const std::string password = adbctest::postgres_password();
  // The right server, a wrong password.
  const std::string wrong_password = "postgresql://mageio:Wr0ngSecretValue@" +
                                     mageio::test::server_env("MAGEIO_TEST_PG_HOST").value() + ":" +
                                     mageio::test::server_env("MAGEIO_TEST_PG_PORT").value() + "/mageio_test";
  const auto refused = open_error(*plugin, adbctest::postgres_config(wrong_password));
  CAPTURE(refused.what());
  CHECK(refused.status() == MAGEIO_STATUS_UNAUTHENTICATED);
  CHECK(std::string(refused.what()).find("Wr0ngSecretValue") == std::string::npos);
  // Nothing listens on port 1.
  const auto unreachable =
      open_error(*plugin, adbctest::postgres_config("postgresql://mageio:" + password + "@127.0.0.1:1/mageio_test"));
  CAPTURE(unreachable.what());
  CHECK(unreachable.status() == MAGEIO_STATUS_UNAVAILABLE);
  CHECK(std::string(unreachable.what()).find("cannot open the database") != std::string::npos);
  if (!password.empty()) CHECK(std::string(unreachable.what()).find(password) == std::string::npos);
  // Not a URI the driver takes at all.
  const auto nonsense = open_error(*plugin, adbctest::postgres_config("this is not a uri"));
  CHECK(nonsense.status() != MAGEIO_STATUS_OK);
}

TEST_CASE("execute_queries: a statement failing mid-way commits nothing and keeps the driver's SQLSTATE") {
  auto uri = adbctest::postgres_uri();
  if (!uri) return;
  auto plugin = adbctest::plugin_with("postgresql");
  if (!plugin) return;
  auto connector = plugin->open(adbctest::postgres_config(*uri));
  const std::string table = kittest::unique_prefix("adbc_eq");
  connector->execute("CREATE TABLE " + table + " (a INTEGER)");
  try {
    connector->execute_queries({"INSERT INTO " + table + " VALUES (1)", "INSERT INTO " + table + "_missing VALUES (2)",
                                "INSERT INTO " + table + " VALUES (3)"});
    FAIL("execute_queries with a failing statement succeeded");
  } catch (const mageio::Error& error) {
    CAPTURE(error.what());
    CHECK(std::string(error.what()).find("statement 2 of 3 failed: ") != std::string::npos);
    CHECK(error.sqlstate() == "42P01");
    CHECK(error.status() == MAGEIO_STATUS_NOT_FOUND);
  }
  CHECK(scalar(*connector, "SELECT COUNT(*) FROM " + table) == "0");
  // The connection is usable and back in autocommit: this INSERT stays.
  CHECK(connector->execute_queries({"INSERT INTO " + table + " VALUES (4)", "INSERT INTO " + table + " VALUES (5)"}) ==
        2);
  connector->execute("INSERT INTO " + table + " VALUES (6)");
  auto other = plugin->open(adbctest::postgres_config(*uri));
  CHECK(scalar(*other, "SELECT COUNT(*) FROM " + table) == "3");
  connector->execute("DROP TABLE " + table);
}

TEST_CASE("ADBC_OPTIONS: database options reach the driver, unknown ones are refused naming them, secrets masked") {
  auto plugin = adbctest::plugin_with("sqlite");
  if (!plugin) return;
  TempDir dir;
  auto config = adbctest::sqlite_config(dir / "options.db");
  config["ADBC_OPTIONS"] = R"({"adbc.unknown.password": "S3cretOptionValue"})";
  const auto refused = open_error(*plugin, config);
  CAPTURE(refused.what());
  CHECK(std::string(refused.what()).find("adbc.unknown.password (ADBC_OPTIONS)") != std::string::npos);
  CHECK(std::string(refused.what()).find("S3cretOptionValue") == std::string::npos);
  config["ADBC_OPTIONS"] = "[1, 2]";
  CHECK(open_error(*plugin, config).status() == MAGEIO_STATUS_INVALID_ARGUMENT);
}

TEST_CASE("a load's stream outlives the connector that made it (the driver stays loaded)") {
  auto plugin = adbctest::plugin_with("sqlite");
  if (!plugin) return;
  TempDir dir;
  std::optional<mageio::BatchReader> reader;
  {
    auto connector = plugin->open(adbctest::sqlite_config(dir / "outlive.db"));
    reader = connector->load({.query = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                                       "100000) SELECT i FROM n",
                              .batch_rows = 1000});
  }
  mageio::sdk::OwnedArray batch;
  int64_t rows = 0;
  while (reader->next(batch)) rows += batch.array.length;
  CHECK(rows == 100000);
}

TEST_CASE("every type through mageio copy postgres adbc (postgresql driver) and back") {
  auto uri = adbctest::postgres_uri();
  if (!uri) return;
  auto plugin = adbctest::plugin_with("postgresql");
  if (!plugin) return;
  auto pg_config =
      kittest::server_config("MAGEIO_TEST_PG_", "POSTGRES_", {"HOST", "PORT", "USER", "PASSWORD", "DBNAME"});
  REQUIRE(pg_config);
  const std::string prefix = kittest::unique_prefix("adbc_rt");
  const std::string source = prefix + "_src", middle = prefix + "_mid", back = prefix + "_back";
  auto adbc = plugin->open(adbctest::postgres_config(*uri));
  adbc->execute("CREATE TABLE " + source +
                " (id BIGINT, b BOOLEAN, i2 SMALLINT, i4 INTEGER, i8 BIGINT, f4 REAL, f8 DOUBLE PRECISION, "
                "t TEXT, v VARCHAR(20), by BYTEA, d DATE, ts TIMESTAMP, tz TIMESTAMPTZ, tm TIME)");
  adbc->execute("INSERT INTO " + source +
                " VALUES (1, true, -32768, -2147483648, -9223372036854775808, 1.5, -2.25e300, 'héllo ☃', 'x', "
                "'\\x00ff10'::bytea, '2024-02-29', '2024-02-29 13:45:00.123456', '1999-12-31 23:59:59.999999+00', "
                "'23:59:59.999999'), (2, false, 32767, 2147483647, 9223372036854775807, -0.0, 0, '', '', ''::bytea, "
                "'0001-01-01', '1970-01-01 00:00:00', '2038-01-19 03:14:08+00', '00:00:00'), "
                "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
  std::vector<std::string> pg_sets;
  for (const auto& [key, value] : *pg_config) {
    pg_sets.push_back("--set");
    pg_sets.push_back(std::string(key) + "=" + std::string(value.as_string()));
  }
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.end(), pg_sets.begin(), pg_sets.end());
    for (const char* key : {"ADBC_DRIVER", "ADBC_URI"}) {
      args.push_back("--set");
      args.push_back(std::string(key) + "=" + std::string(adbctest::postgres_config(*uri)[key].as_string()));
    }
    TempDir cwd;
    auto result = mageio::test::run_cli(args, cwd.path());
    INFO(mageio::test::describe(result));
    REQUIRE(result.exit_code == 0);
    CHECK(result.err.find(adbctest::postgres_password()) == std::string::npos);
  };
  cli({"copy", "postgres", "adbc", "--table", source, "--to-table", middle});
  cli({"copy", "adbc", "postgres", "--table", middle, "--to-table", back});
  const std::string columns = "id, b, i2, i4, i8, f4, f8, t, v, by, d, ts, tz, tm";
  auto text_of = [&](const std::string& table) {
    auto outcome = adbc->execute(
        "SELECT id::text, b::text, i2::text, i4::text, i8::text, f4::text, f8::text, t, v, "
        "encode(by, 'hex'), d::text, ts::text, (tz AT TIME ZONE 'UTC')::text, tm::text FROM " +
        table + " ORDER BY id");
    REQUIRE(outcome.rows);
    return mageio::test::read_all_text(*outcome.rows);
  };
  const auto expected = text_of(source);
  REQUIRE(expected.size() == 3);
  CHECK(text_of(middle) == expected);
  CHECK(text_of(back) == expected);
  auto column_types = [&](const std::string& table) {
    auto outcome = adbc->execute(
        "SELECT string_agg(data_type, ',' ORDER BY ordinal_position) FROM "
        "information_schema.columns WHERE table_name = '" +
        table + "'");
    REQUIRE(outcome.rows);
    return mageio::test::read_all_text(*outcome.rows).at(0).at(0);
  };
  // VARCHAR(20) comes back as TEXT: mageio's utf8 carries no length.
  std::string source_types = column_types(source);
  source_types.replace(source_types.find("character varying"), 17, "text");
  CHECK(column_types(back) == source_types);
  for (const auto& table : {source, middle, back}) adbc->execute("DROP TABLE " + table);
}

namespace {

// table_exists through GetTableSchema (auto) and through GetObjects (ADBC_TABLE_LOOKUP: get_objects) on
// the same database: both must give `expected`. The names hold '_' and '%', which GetObjects takes as
// LIKE wildcards: "aXb" matches the pattern a_b, so only an exact comparison of the names answers false.
void check_lookups_agree(const mageio::Plugin& plugin, boost::json::object config, const std::string& prefix,
                         bool nocase, const std::string& schema = {}) {
  auto by_schema = plugin.open(config);
  config["ADBC_TABLE_LOOKUP"] = "get_objects";
  auto by_objects = plugin.open(config);
  const auto q = [](const std::string& name) { return "\"" + name + "\""; };
  const std::vector<std::string> tables = {prefix + "a_b", prefix + "a%c", prefix + "Mixed"};
  for (const auto& table : tables) by_schema->execute("CREATE TABLE " + q(table) + " (id INTEGER)");
  const std::vector<std::pair<std::string, bool>> cases = {
      {prefix + "a_b", true},     {prefix + "a%c", true},     {prefix + "Mixed", true}, {prefix + "aXb", false},
      {prefix + "aZZc", false},   {prefix + "a%", false},     {prefix + "a_", false},   {prefix + "%", false},
      {prefix + "mixed", nocase}, {prefix + "missing", false}};
  for (const auto& [name, expected] : cases) {
    INFO("table " << name);
    CHECK(by_schema->table_exists(name) == expected);
    CHECK(by_objects->table_exists(name) == expected);
    if (!schema.empty()) {
      CHECK(by_schema->table_exists(name, schema) == expected);
      CHECK(by_objects->table_exists(name, schema) == expected);
    }
  }
  // A load of a table goes through the same lookup.
  auto loaded = by_objects->load({.table = prefix + "a_b"});
  CHECK(mageio::test::read_all_text(loaded).empty());
  for (const auto& table : tables) by_schema->execute("DROP TABLE " + q(table));
  CHECK_FALSE(by_objects->table_exists(prefix + "a_b"));
}

}  // namespace

TEST_CASE("table_exists through GetObjects answers as GetTableSchema does (sqlite): names matched exactly") {
  auto plugin = adbctest::plugin_with("sqlite");
  if (!plugin) return;
  TempDir dir;
  // SQLite names compare without case, in GetTableSchema and so in the GetObjects lookup.
  check_lookups_agree(*plugin, adbctest::sqlite_config(dir / "lookup.db"), "t", true);
}

TEST_CASE("table_exists through GetObjects answers as GetTableSchema does (postgresql), with and without a schema") {
  auto uri = adbctest::postgres_uri();
  if (!uri) return;
  auto plugin = adbctest::plugin_with("postgresql");
  if (!plugin) return;
  const std::string prefix = kittest::unique_prefix("adbc_lookup");
  check_lookups_agree(*plugin, adbctest::postgres_config(*uri), prefix, false, "public");

  // A table in another schema is not found without its schema, by either lookup, and is with it.
  auto connector = plugin->open(adbctest::postgres_config(*uri));
  auto config = adbctest::postgres_config(*uri);
  config["ADBC_TABLE_LOOKUP"] = "get_objects";
  auto by_objects = plugin->open(config);
  const std::string schema = prefix + "s";
  connector->execute("CREATE SCHEMA \"" + schema + "\"");
  connector->execute("CREATE TABLE \"" + schema + "\".elsewhere (id integer)");
  CHECK(connector->table_exists("elsewhere") == by_objects->table_exists("elsewhere"));
  CHECK_FALSE(by_objects->table_exists("elsewhere"));
  CHECK(connector->table_exists("elsewhere", schema));
  CHECK(by_objects->table_exists("elsewhere", schema));
  connector->execute("DROP SCHEMA \"" + schema + "\" CASCADE");
}

TEST_CASE("ADBC_TABLE_LOOKUP other than auto or get_objects is refused naming it") {
  auto plugin = adbctest::plugin_with("sqlite");
  if (!plugin) return;
  TempDir dir;
  auto config = adbctest::sqlite_config(dir / "x.db");
  config["ADBC_TABLE_LOOKUP"] = "like";
  const auto error = open_error(*plugin, config);
  CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(error.what()).find("ADBC_TABLE_LOOKUP must be auto or get_objects, not 'like'") !=
        std::string::npos);
}
