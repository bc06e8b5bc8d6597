// What the parquet suites share: whether the plugin was built.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace parquet_test {

// The plugin is built by cargo; a machine without cargo skips it outside CI (plugins/parquet/CMakeLists.txt).
// With CI=true a missing plugin is a failure, never a skip.
inline bool plugin_built() {
  if (std::filesystem::exists(std::filesystem::path(MAGEIO_PLUGIN_DIR) / "libmageio_parquet.so")) return true;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string(ci) == "true") FAIL("libmageio_parquet.so was not built (CI=true needs cargo)");
  MESSAGE("skipped: the parquet plugin was not built (no cargo)");
  return false;
}

}  // namespace parquet_test
