// Plugin discovery and loading. The registry is the one place libraries are opened; it is thread-safe.
//
// Search order: explicit directories, then MAGEIO_PLUGIN_PATH (colon-separated), then the directories
// next to the running program (../lib/mageio/plugins, the build and install layouts). Never the current
// directory unless it is passed explicitly. A candidate is any regular file named libmageio_*.so or
// mageio_*.so in those directories, or any file passed by path.
//
// Discovery runs no plugin code: it reads each candidate's manifest (the ELF section MAGEIO_MANIFEST_SECTION
// written at build time) from the file. A candidate without one is rejected. A plugin's library is
// loaded (dlopen + entry point) only when that plugin is used in this process, and its descriptor must
// then agree with the manifest.
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/core/io_config.hpp>
#include <mageio/sdk/descriptor.hpp>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mageio {

class Connector;
struct HostCallbacks;
class LoadedLibrary;  // internal: keeps a shared library loaded while anything from it is alive

/// How to run an opened instance.
struct OpenOptions {
  /// Run the plugin in its own child process (`mageio-plugin-host`): a crash, exit, abort or hang of the
  /// plugin becomes an error in the host, which keeps running. The library is never loaded in this process.
  bool isolate = false;
  /// With isolate: an operation that moves no data and sends no message for this many seconds is
  /// stopped (the child is killed) and fails. None: no limit.
  std::optional<double> timeout;
};

/// A validated plugin. Copies of everything the descriptor said, plus the library that keeps its code
/// alive. Thread-safe: open() may be called from several threads.
class Plugin : public std::enable_shared_from_this<Plugin> {
 public:
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& description() const { return description_; }
  uint32_t abi_version() const { return abi_version_; }
  uint64_t capabilities() const { return capabilities_; }
  bool has(uint64_t capability) const { return (capabilities_ & capability) == capability; }
  const std::filesystem::path& path() const { return path_; }
  const ConfigSchema& config_schema() const { return config_schema_; }
  const std::vector<std::string>& supported_types() const { return supported_types_; }
  /// The descriptor the plugin returned (valid while this Plugin lives); for the conformance kit. Loads
  /// the library on first use (see open); throws Error when it cannot be loaded or disagrees with its manifest.
  const MageioPluginDescriptor& descriptor() const;
  /// True once the library is loaded in this process (discovery alone never loads it).
  bool loaded() const;

  /// Opens an instance with a config object (see Profile::config_for). Errors carry the plugin's
  /// message with `secrets` masked. In process, the first open loads the library; isolated, it is loaded
  /// only in the child.
  std::unique_ptr<Connector> open(const boost::json::object& config, std::shared_ptr<HostCallbacks> host = nullptr,
                                  std::vector<std::string> secrets = {}, const OpenOptions& options = {}) const;

 private:
  friend class Registry;
  friend std::shared_ptr<Plugin> plugin_from_manifest(const sdk::Manifest&, const std::filesystem::path&);
  void load_locked() const;
  // Loaded lazily, once, under load_mutex_; then never changed.
  mutable std::mutex load_mutex_;
  mutable std::shared_ptr<LoadedLibrary> library_;
  mutable const MageioPluginDescriptor* descriptor_ = nullptr;
  bool has_manifest_ = false;    // the loaded descriptor must agree with what was copied from the manifest
  std::string manifest_schema_;  // the config schema as the manifest spelled it (canonical JSON)
  std::string name_, version_, description_;
  uint32_t abi_version_ = 0;
  uint64_t capabilities_ = 0;
  std::filesystem::path path_;
  ConfigSchema config_schema_;
  std::vector<std::string> supported_types_;
};

/// The names of the capability bits that are set, in bit order (the SDK's one table: sdk/descriptor.hpp).
using sdk::capability_names;

/// A file that was looked at and not accepted, and why.
struct Rejection {
  std::filesystem::path path;
  std::string reason;
};

struct RegistryOptions {
  std::vector<std::filesystem::path> plugin_dirs;  // searched first; files are taken as candidates too
  bool use_environment = true;                     // MAGEIO_PLUGIN_PATH
  bool use_default_dirs = true;                    // next to the running program
};

class Registry {
 public:
  explicit Registry(RegistryOptions options = {});

  /// Scans (once, lazily) and returns the accepted plugins, sorted by name.
  std::vector<std::shared_ptr<const Plugin>> plugins();
  /// Every candidate that was rejected, with the reason.
  std::vector<Rejection> rejections();
  /// The directories searched, in order, with where each came from ("--plugin-dir", "MAGEIO_PLUGIN_PATH",
  /// "default").
  std::vector<std::pair<std::filesystem::path, std::string>> search_path();

  /// The plugin with that name, or Error(NOT_FOUND) listing every place searched, every candidate that
  /// was rejected and why, and the plugins that were found.
  std::shared_ptr<const Plugin> find(const std::string& name);

  /// Loads one library file and validates it, without adding it to the registry. Throws Error with the
  /// reason it was rejected. Runs the plugin's code (an explicit path is the user's choice); a library
  /// without a manifest is accepted here, one whose manifest disagrees with its descriptor is not.
  static std::shared_ptr<const Plugin> load_file(const std::filesystem::path& path);
  /// Reads one candidate's manifest without loading it (what discovery does). Throws Error with the
  /// reason it was rejected ("no manifest; ..." when it has none).
  static std::shared_ptr<const Plugin> read_file(const std::filesystem::path& path);

 private:
  void scan_locked();
  RegistryOptions options_;
  std::mutex mutex_;
  bool scanned_ = false;
  std::vector<std::shared_ptr<const Plugin>> plugins_;
  std::vector<Rejection> rejections_;
  std::vector<std::pair<std::filesystem::path, std::string>> search_path_;
};

}  // namespace mageio
