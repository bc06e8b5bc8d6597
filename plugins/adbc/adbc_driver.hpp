// Finding and loading an ADBC driver: a shared library whose entry point fills an AdbcDriver function
// table. What ADBC_DRIVER may name (see README.md, "Driver location"):
//   /abs/path/libdriver.so         that library
//   /abs/path/name.toml            a driver manifest: [Driver] entrypoint = "...", and the library in
//                                  [Driver] shared = "/path" or [Driver.shared] linux_amd64 = "/path"
//   name                           name.toml in each directory of ADBC_DRIVER_PATH (':'-separated), then
//                                  $XDG_CONFIG_HOME/adbc/drivers (~/.config/adbc/drivers), then
//                                  /etc/adbc/drivers; without a manifest, libNAME.so or
//                                  libadbc_driver_NAME.so through the dynamic loader's search path
//   python:MODULE                  the driver library inside the pip package MODULE (adbc_driver_sqlite,
//                                  adbc_driver_postgresql ...), found in the site-packages of $VIRTUAL_ENV,
//                                  then of each PYTHONPATH entry: MODULE/libMODULE.so, else the only
//                                  shared library in MODULE/
// The library is loaded with Boost.DLL (RTLD_NOW | RTLD_LOCAL) once per process and stays loaded until
// the plugin is unloaded, so Arrow arrays and streams the driver made stay valid after the connection
// that made them is closed.
#pragma once

#include <arrow-adbc/adbc.h>

#include <memory>
#include <string>

namespace mageio::adbc {

/// Where a driver specification led: the library to load and the entry point the manifest named.
struct DriverLocation {
  std::string library;     // absolute path, or a bare file name for the dynamic loader's search
  std::string entrypoint;  // from the manifest; empty: the config's or the default
  std::string manifest;    // the manifest file used, if any
};

/// Resolves ADBC_DRIVER as described above; Error(NOT_FOUND) listing the places searched.
DriverLocation resolve_driver(const std::string& spec);

/// One initialised AdbcDriver function table over a loaded library.
class Driver {
 public:
  /// Loads the library (once per process) and calls its entry point: `entrypoint` when given, else
  /// AdbcDriverInit, else Adbc<Name>Init from the library's file name (libadbc_driver_sqlite.so ->
  /// AdbcDriverSqliteInit). Offers ADBC 1.1.0 first and 1.0.0 when the driver refuses it.
  Driver(const std::string& spec, const std::string& entrypoint);
  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  AdbcDriver& table() { return driver_; }
  /// ADBC_VERSION_1_1_0 or ADBC_VERSION_1_0_0.
  int version() const { return version_; }
  bool v11() const { return version_ == ADBC_VERSION_1_1_0; }
  const std::string& library_path() const { return library_path_; }
  const std::string& entrypoint() const { return entrypoint_; }
  /// "ADBC 1.1.0" / "ADBC 1.0.0".
  std::string version_name() const;

  /// What the driver's own table filled, before fill_missing put stand-ins (which answer
  /// NOT_IMPLEMENTED) into the empty slots: the instance's capabilities depend on it.
  struct Provided {
    bool sql = false;           // StatementSetSqlQuery and StatementExecuteQuery
    bool bulk_ingest = false;   // StatementSetOption and StatementBindStream
    bool table_schema = false;  // ConnectionGetTableSchema
    bool transactions = false;  // ConnectionSetOption, ConnectionCommit and ConnectionRollback
  };
  const Provided& provided() const { return provided_; }

 private:
  void fill_missing();

  AdbcDriver driver_{};
  Provided provided_;
  int version_ = 0;
  std::string library_path_;
  std::string entrypoint_;
};

/// A fresh AdbcError for a driver of this version (1.1 marks it as able to carry details).
AdbcError new_error(const Driver& driver);
/// Releases what the driver put into `error`.
void release_error(AdbcError& error);

}  // namespace mageio::adbc
