#include "adbc_driver.hpp"

#include <mageio/sdk/error.hpp>

#include <dlfcn.h>
#include <boost/dll/shared_library.hpp>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

namespace mageio::adbc {
namespace {

namespace fs = std::filesystem;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

std::string trim(std::string text) {
  const auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

// The subset of TOML a driver manifest uses: [tables], key = "string" (basic or literal), # comments.
// Values of other types are kept as their text. Returns "table.key" -> value.
std::map<std::string, std::string> read_manifest(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw sdk::not_found("cannot read the ADBC driver manifest " + path.string());
  std::map<std::string, std::string> values;
  std::string line;
  std::string table;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      const auto close = line.find(']');
      if (close == std::string::npos)
        throw sdk::invalid_argument("ADBC driver manifest " + path.string() + ", line " + std::to_string(number) +
                                    ": a table header without ']'");
      table = trim(line.substr(1, close - 1));
      continue;
    }
    const auto equals = line.find('=');
    if (equals == std::string::npos)
      throw sdk::invalid_argument("ADBC driver manifest " + path.string() + ", line " + std::to_string(number) +
                                  ": expected key = value");
    std::string key = trim(line.substr(0, equals));
    std::string value = trim(line.substr(equals + 1));
    if (!value.empty() && (value[0] == '"' || value[0] == '\'')) {
      const char quote = value[0];
      std::string text;
      size_t i = 1;
      for (; i < value.size() && value[i] != quote; ++i) {
        if (quote == '"' && value[i] == '\\' && i + 1 < value.size()) {
          const char escaped = value[++i];
          text.push_back(escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped);
        } else {
          text.push_back(value[i]);
        }
      }
      if (i >= value.size())
        throw sdk::invalid_argument("ADBC driver manifest " + path.string() + ", line " + std::to_string(number) +
                                    ": unterminated string");
      value = text;
    } else {
      const auto comment = value.find('#');
      if (comment != std::string::npos) value = trim(value.substr(0, comment));
    }
    values[table.empty() ? key : table + "." + key] = value;
  }
  return values;
}

const char* architecture() {
#if defined(__x86_64__)
  return "linux_amd64";
#elif defined(__aarch64__)
  return "linux_arm64";
#else
  return "linux_unknown";
#endif
}

DriverLocation from_manifest(const fs::path& path) {
  const auto values = read_manifest(path);
  DriverLocation location;
  location.manifest = path.string();
  if (auto it = values.find("Driver.entrypoint"); it != values.end()) location.entrypoint = it->second;
  std::string library;
  if (auto it = values.find(std::string("Driver.shared.") + architecture()); it != values.end())
    library = it->second;
  else if (auto plain = values.find("Driver.shared"); plain != values.end())
    library = plain->second;
  if (library.empty())
    throw sdk::invalid_argument("ADBC driver manifest " + path.string() + " names no library for " + architecture() +
                                " (expected [Driver] shared = \"/path/lib.so\" or [Driver.shared] " + architecture() +
                                " = \"/path/lib.so\")");
  fs::path lib(library);
  if (lib.is_relative()) lib = path.parent_path() / lib;
  location.library = lib.string();
  return location;
}

std::vector<fs::path> manifest_dirs() {
  std::vector<fs::path> dirs;
  for (const auto& dir : split(env("ADBC_DRIVER_PATH"), ':')) dirs.emplace_back(dir);
  const std::string xdg = env("XDG_CONFIG_HOME");
  const std::string home = env("HOME");
  if (!xdg.empty())
    dirs.push_back(fs::path(xdg) / "adbc" / "drivers");
  else if (!home.empty())
    dirs.push_back(fs::path(home) / ".config" / "adbc" / "drivers");
  dirs.emplace_back("/etc/adbc/drivers");
  return dirs;
}

std::vector<fs::path> python_roots() {
  std::vector<fs::path> roots;
  const std::string venv = env("VIRTUAL_ENV");
  std::error_code ec;
  if (!venv.empty() && fs::is_directory(fs::path(venv) / "lib", ec)) {
    for (const auto& entry : fs::directory_iterator(fs::path(venv) / "lib", ec))
      if (entry.path().filename().string().starts_with("python")) roots.push_back(entry.path() / "site-packages");
  }
  for (const auto& dir : split(env("PYTHONPATH"), ':')) roots.emplace_back(dir);
  return roots;
}

DriverLocation from_python(const std::string& module) {
  if (module.empty() || module.find('/') != std::string::npos || module.find('.') != std::string::npos)
    throw sdk::invalid_argument(
        "ADBC_DRIVER python:" + module +
        ": expected python:MODULE with a top-level module name, e.g. python:adbc_driver_sqlite");
  const auto roots = python_roots();
  std::string searched;
  std::error_code ec;
  for (const auto& root : roots) {
    const fs::path dir = root / module;
    searched += (searched.empty() ? "" : ", ") + dir.string();
    if (!fs::is_directory(dir, ec)) continue;
    const fs::path named = dir / ("lib" + module + ".so");
    if (fs::is_regular_file(named, ec)) return {named.string(), "", ""};
    std::vector<fs::path> libraries;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_regular_file(ec) && name.ends_with(".so")) libraries.push_back(entry.path());
    }
    if (libraries.size() == 1) return {libraries[0].string(), "", ""};
    throw sdk::not_found("ADBC_DRIVER python:" + module + ": " + dir.string() + " holds " +
                         std::to_string(libraries.size()) + " shared libraries and none named lib" + module +
                         ".so; give the library's path in ADBC_DRIVER instead");
  }
  throw sdk::not_found("ADBC_DRIVER python:" + module + ": the package is not installed in " +
                       (searched.empty() ? std::string("any site-packages (set VIRTUAL_ENV to the venv that has it, "
                                                       "or PYTHONPATH)")
                                         : searched));
}

// AdbcDriverSqliteInit from libadbc_driver_sqlite.so: the file name without "lib" and its extensions,
// each '_'-separated part capitalised, then "Init".
std::string entrypoint_from_name(const std::string& library) {
  std::string stem = fs::path(library).filename().string();
  if (stem.starts_with("lib")) stem = stem.substr(3);
  stem = stem.substr(0, stem.find('.'));
  std::string name;
  bool upper = true;
  for (char c : stem) {
    if (c == '_' || c == '-') {
      upper = true;
      continue;
    }
    name.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    upper = false;
  }
  if (!name.starts_with("Adbc")) name = "Adbc" + name;
  return name + "Init";
}

// Libraries stay loaded until the plugin is unloaded: a driver's arrays and streams may outlive every
// connection that made them (the host reads a stream after closing the instance).
std::mutex libraries_mutex;
// Destroyed (the drivers unloaded) when the plugin itself is unloaded.
std::map<std::string, std::shared_ptr<boost::dll::shared_library>>& libraries() {
  static std::map<std::string, std::shared_ptr<boost::dll::shared_library>> map;
  return map;
}

std::shared_ptr<boost::dll::shared_library> load_library(const std::string& path) {
  std::lock_guard lock(libraries_mutex);
  auto& map = libraries();
  if (auto it = map.find(path); it != map.end()) return it->second;
  const bool bare = path.find('/') == std::string::npos;
  if (!bare) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw sdk::not_found("ADBC driver library " + path + " does not exist");
  }
  auto library = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code error;
  auto mode = boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local;
  if (bare) mode = mode | boost::dll::load_mode::search_system_folders;
  library->load(path, error, mode);
  if (error) {
    // Boost's message is generic; the dynamic loader says what is wrong (not an ELF file, a missing
    // dependency ...). The library did not load, so this probe loads nothing either.
    std::string reason = error.message();
    if (void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      dlclose(handle);
    } else if (const char* why = dlerror()) {
      reason = why;
    }
    throw sdk::invalid_argument("cannot load the ADBC driver library " + path + ": " + reason);
  }
  // Never unmapped, even when the plugin is unloaded: drivers register atexit handlers and thread-local
  // destructors (libpq, OpenSSL, Go runtimes) that run after the plugin is gone.
  if (void* pinned = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) (void)pinned;
  map.emplace(path, library);
  return library;
}

// The slots the bridge calls that a driver may leave NULL answer NOT_IMPLEMENTED, as the ADBC driver
// manager's defaults do.
AdbcStatusCode missing(AdbcError* error, const char* function) {
  if (error != nullptr && error->release == nullptr) {
    static thread_local std::string text;
    text = std::string("the driver does not implement ") + function;
    error->message = text.data();  // no release: the text is ours
  }
  return ADBC_STATUS_NOT_IMPLEMENTED;
}
AdbcStatusCode no_database_set_option(AdbcDatabase*, const char*, const char*, AdbcError* e) {
  return missing(e, "DatabaseSetOption");
}
AdbcStatusCode no_connection_set_option(AdbcConnection*, const char*, const char*, AdbcError* e) {
  return missing(e, "ConnectionSetOption");
}
AdbcStatusCode no_commit(AdbcConnection*, AdbcError* e) { return missing(e, "ConnectionCommit"); }
AdbcStatusCode no_rollback(AdbcConnection*, AdbcError* e) { return missing(e, "ConnectionRollback"); }
AdbcStatusCode no_get_table_schema(AdbcConnection*, const char*, const char*, const char*, ArrowSchema*, AdbcError* e) {
  return missing(e, "ConnectionGetTableSchema");
}
AdbcStatusCode no_statement_set_option(AdbcStatement*, const char*, const char*, AdbcError* e) {
  return missing(e, "StatementSetOption");
}
AdbcStatusCode no_bind_stream(AdbcStatement*, ArrowArrayStream*, AdbcError* e) {
  return missing(e, "StatementBindStream");
}
AdbcStatusCode no_set_sql(AdbcStatement*, const char*, AdbcError* e) { return missing(e, "StatementSetSqlQuery"); }
AdbcStatusCode no_execute(AdbcStatement*, ArrowArrayStream*, int64_t*, AdbcError* e) {
  return missing(e, "StatementExecuteQuery");
}

}  // namespace

DriverLocation resolve_driver(const std::string& spec) {
  if (spec.empty()) throw sdk::invalid_argument("ADBC_DRIVER is empty: give a driver library, manifest or name");
  if (spec.starts_with("python:")) return from_python(spec.substr(7));
  const fs::path path(spec);
  if (path.is_absolute()) {
    if (path.extension() == ".toml") return from_manifest(path);
    return {spec, "", ""};
  }
  if (spec.find('/') != std::string::npos)
    throw sdk::invalid_argument("ADBC_DRIVER " + spec +
                                " is a relative path; give an absolute path, a driver name or python:MODULE");
  std::string searched;
  std::error_code ec;
  for (const auto& dir : manifest_dirs()) {
    const fs::path manifest = dir / (spec + ".toml");
    searched += (searched.empty() ? "" : ", ") + manifest.string();
    if (fs::is_regular_file(manifest, ec)) return from_manifest(manifest);
  }
  // No manifest: the name as a library the dynamic loader finds (LD_LIBRARY_PATH, ld.so.cache).
  for (const std::string& candidate : {"lib" + spec + ".so", "libadbc_driver_" + spec + ".so"}) {
    if (void* handle = dlopen(candidate.c_str(), RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD)) {
      dlclose(handle);
      return {candidate, "", ""};
    }
    if (void* handle = dlopen(candidate.c_str(), RTLD_LAZY | RTLD_LOCAL)) {
      dlclose(handle);
      return {candidate, "", ""};
    }
  }
  throw sdk::not_found("ADBC driver " + spec + " not found: no manifest (searched " + searched +
                       ") and the dynamic loader finds neither lib" + spec + ".so nor libadbc_driver_" + spec + ".so");
}

Driver::Driver(const std::string& spec, const std::string& entrypoint) {
  const DriverLocation location = resolve_driver(spec);
  library_path_ = location.library;
  auto library = load_library(location.library);
  std::vector<std::string> candidates;
  if (!entrypoint.empty())
    candidates = {entrypoint};
  else if (!location.entrypoint.empty())
    candidates = {location.entrypoint};
  else
    candidates = {"AdbcDriverInit", entrypoint_from_name(location.library)};
  using Init = AdbcStatusCode(int, void*, AdbcError*);
  Init* init = nullptr;
  for (const auto& name : candidates) {
    if (library->has(name)) {
      init = &library->get<Init>(name);
      entrypoint_ = name;
      break;
    }
  }
  if (init == nullptr) {
    std::string names;
    for (const auto& name : candidates) names += (names.empty() ? "" : ", ") + name;
    throw sdk::invalid_argument(library_path_ + " is not an ADBC driver: it exports none of " + names +
                                (entrypoint.empty() ? " (set ADBC_ENTRYPOINT when it uses another name)" : ""));
  }
  std::string refusals;
  for (int version : {ADBC_VERSION_1_1_0, ADBC_VERSION_1_0_0}) {
    std::memset(&driver_, 0, sizeof driver_);
    AdbcError error{};
    if (version == ADBC_VERSION_1_1_0) error.vendor_code = ADBC_ERROR_VENDOR_CODE_PRIVATE_DATA;
    const AdbcStatusCode status = init(version, &driver_, &error);
    if (status == ADBC_STATUS_OK) {
      version_ = version;
      release_error(error);
      fill_missing();
      return;
    }
    refusals += std::string(refusals.empty() ? "" : "; ") + (version == ADBC_VERSION_1_1_0 ? "1.1.0" : "1.0.0") + ": " +
                (error.message ? error.message : "status " + std::to_string(status));
    release_error(error);
  }
  std::memset(&driver_, 0, sizeof driver_);
  throw sdk::Error(MAGEIO_STATUS_NOT_IMPLEMENTED, "the ADBC driver " + library_path_ + " (" + entrypoint_ +
                                                      ") accepts neither ADBC 1.1.0 nor 1.0.0 (" + refusals + ")");
}

Driver::~Driver() {
  if (driver_.release != nullptr) {
    AdbcError error = new_error(*this);
    driver_.release(&driver_, &error);
    release_error(error);
  }
}

void Driver::fill_missing() {
  AdbcDriver& d = driver_;
  const std::pair<const char*, bool> required[] = {
      {"DatabaseNew", d.DatabaseNew != nullptr},         {"DatabaseInit", d.DatabaseInit != nullptr},
      {"DatabaseRelease", d.DatabaseRelease != nullptr}, {"ConnectionNew", d.ConnectionNew != nullptr},
      {"ConnectionInit", d.ConnectionInit != nullptr},   {"ConnectionRelease", d.ConnectionRelease != nullptr},
      {"StatementNew", d.StatementNew != nullptr},       {"StatementRelease", d.StatementRelease != nullptr}};
  for (const auto& [name, present] : required) {
    if (present) continue;
    const std::string message =
        library_path_ + " (" + entrypoint_ + ") is not a usable ADBC driver: it leaves " + name + " empty";
    if (d.release != nullptr) {
      AdbcError error = new_error(*this);
      d.release(&d, &error);
      release_error(error);
    }
    std::memset(&driver_, 0, sizeof driver_);
    throw sdk::invalid_argument(message);
  }
  provided_.sql = d.StatementSetSqlQuery != nullptr && d.StatementExecuteQuery != nullptr;
  provided_.bulk_ingest = d.StatementSetOption != nullptr && d.StatementBindStream != nullptr;
  provided_.table_schema = d.ConnectionGetTableSchema != nullptr;
  provided_.transactions =
      d.ConnectionSetOption != nullptr && d.ConnectionCommit != nullptr && d.ConnectionRollback != nullptr;
  if (!d.DatabaseSetOption) d.DatabaseSetOption = &no_database_set_option;
  if (!d.ConnectionSetOption) d.ConnectionSetOption = &no_connection_set_option;
  if (!d.ConnectionCommit) d.ConnectionCommit = &no_commit;
  if (!d.ConnectionRollback) d.ConnectionRollback = &no_rollback;
  if (!d.ConnectionGetTableSchema) d.ConnectionGetTableSchema = &no_get_table_schema;
  if (!d.StatementSetOption) d.StatementSetOption = &no_statement_set_option;
  if (!d.StatementBindStream) d.StatementBindStream = &no_bind_stream;
  if (!d.StatementSetSqlQuery) d.StatementSetSqlQuery = &no_set_sql;
  if (!d.StatementExecuteQuery) d.StatementExecuteQuery = &no_execute;
}

std::string Driver::version_name() const { return v11() ? "ADBC 1.1.0" : "ADBC 1.0.0"; }

AdbcError new_error(const Driver& driver) {
  AdbcError error{};
  if (driver.v11()) error.vendor_code = ADBC_ERROR_VENDOR_CODE_PRIVATE_DATA;
  return error;
}

void release_error(AdbcError& error) {
  if (error.release != nullptr) error.release(&error);
  error.message = nullptr;
  error.release = nullptr;
}

}  // namespace mageio::adbc
