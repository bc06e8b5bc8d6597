// Helpers for the adbc plugin's suites: the driver libraries of the venv tools/adbc/install.sh makes, the
// 1.0-only fixture driver, and configs for the sqlite and postgresql drivers.
#pragma once

#include "kit_test_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#ifndef MAGEIO_ADBC_VENV
#define MAGEIO_ADBC_VENV ""
#endif
#ifndef MAGEIO_ADBC_V10_DRIVER
#define MAGEIO_ADBC_V10_DRIVER ""
#endif

namespace adbctest {

namespace fs = std::filesystem;

inline fs::path venv() { return fs::path(MAGEIO_ADBC_VENV); }

/// site-packages of the venv (lib/python3.X/site-packages).
inline std::optional<fs::path> site_packages() {
  std::error_code ec;
  if (venv().empty() || !fs::is_directory(venv() / "lib", ec)) return std::nullopt;
  for (const auto& entry : fs::directory_iterator(venv() / "lib", ec))
    if (entry.path().filename().string().starts_with("python") && fs::is_directory(entry.path() / "site-packages"))
      return entry.path() / "site-packages";
  return std::nullopt;
}

/// The driver library a pip package carries, e.g. driver_library("sqlite") ->
/// .../site-packages/adbc_driver_sqlite/libadbc_driver_sqlite.so.
inline std::optional<std::string> driver_library(const std::string& name) {
  auto site = site_packages();
  if (!site) return std::nullopt;
  const fs::path library = *site / ("adbc_driver_" + name) / ("libadbc_driver_" + name + ".so");
  if (!fs::is_regular_file(library)) return std::nullopt;
  return library.string();
}

/// The adbc plugin and the named driver, or nullptr (a failure under CI=true, a message otherwise).
inline std::shared_ptr<const mageio::Plugin> plugin_with(const std::string& driver) {
  auto plugin = kittest::bundled("adbc");
  if (!plugin) return nullptr;
  if (!driver_library(driver)) {
    if (kittest::under_ci())
      FAIL("the ADBC " << driver << " driver is not in " << MAGEIO_ADBC_VENV << " (run tools/adbc/install.sh)");
    else
      MESSAGE("the ADBC " << driver << " driver is not installed (tools/adbc/install.sh); skipping");
    return nullptr;
  }
  return plugin;
}

/// The test PostgreSQL as a libpq URI (postgresql://user:password@host:port/db).
inline std::optional<std::string> postgres_uri() {
  auto config = kittest::server_config("MAGEIO_TEST_PG_", "", {"HOST", "PORT", "USER", "PASSWORD", "DBNAME"});
  if (!config) return std::nullopt;
  auto get = [&](const char* key) { return std::string((*config)[key].as_string()); };
  return "postgresql://" + get("USER") + ":" + get("PASSWORD") + "@" + get("HOST") + ":" + get("PORT") + "/" +
         get("DBNAME");
}

inline std::string postgres_password() { return mageio::test::server_env("MAGEIO_TEST_PG_PASSWORD").value_or(""); }

/// The test Flight SQL server (arrow-go's sqlite example; tools/with-test-servers.sh), or nullopt (a
/// failure under CI=true, a message otherwise).
inline std::optional<std::string> flightsql_uri() {
  if (auto uri = mageio::test::server_env("MAGEIO_TEST_FLIGHTSQL_URI")) return uri;
  if (kittest::under_ci())
    FAIL("MAGEIO_TEST_FLIGHTSQL_URI is not set and CI=true needs the Flight SQL server (tools/with-test-servers.sh)");
  MESSAGE("no Flight SQL server (MAGEIO_TEST_FLIGHTSQL_URI; run under tools/with-test-servers.sh); skipping");
  return std::nullopt;
}

inline boost::json::object sqlite_config(const fs::path& database) {
  return {{"ADBC_DRIVER", *driver_library("sqlite")}, {"ADBC_URI", database.string()}};
}

inline boost::json::object postgres_config(const std::string& uri) {
  return {{"ADBC_DRIVER", *driver_library("postgresql")}, {"ADBC_URI", uri}};
}

}  // namespace adbctest
