#include <mageio/core/registry.hpp>
#include <mageio/sdk/error.hpp>

#include "descriptor_check.hpp"
#include "loaded_library.hpp"
#include "plugin_manifest.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace mageio {
namespace {

bool is_candidate_name(const fs::path& path) {
  const std::string name = path.filename().string();
  return path.extension() == ".so" && (name.starts_with("libmageio_") || name.starts_with("mageio_"));
}

bool has_elf_header(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  char magic[4] = {};
  file.read(magic, 4);
  return file.gcount() == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

// The directory holding libmageio.so itself, found from the address of one of its functions.
fs::path core_library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&core_library_dir), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  fs::path path = fs::canonical(info.dli_fname, ec);
  return ec ? fs::path() : path.parent_path();
}

fs::path executable_dir() {
  std::error_code ec;
  fs::path path = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : path.parent_path();
}

std::string copy_error_message(MageioError& error) {
  std::string message = error.message ? error.message : "(no message)";
  if (error.release) error.release(&error);
  return message;
}

}  // namespace

Registry::Registry(RegistryOptions options) : options_(std::move(options)) {}

namespace {

struct Loaded {
  std::shared_ptr<LoadedLibrary> library;
  const MageioPluginDescriptor* descriptor = nullptr;
  sdk::Manifest manifest;  // what the descriptor says
};

// dlopen, negotiation and the descriptor check: the only place plugin code runs in this process.
Loaded load_library(const fs::path& path) {
  // RTLD_NOW: an unresolved symbol fails here, not in the middle of a copy. RTLD_LOCAL: plugins never
  // see each other's symbols.
  boost::dll::shared_library library;
  boost::dll::fs::error_code load_error;
  library.load(path, load_error, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (load_error) {
    const char* detail = dlerror();
    throw sdk::invalid_argument(std::string("cannot be loaded: ") + (detail ? detail : load_error.message()));
  }
  if (!library.has(MAGEIO_PLUGIN_ENTRY_NAME))
    throw sdk::invalid_argument(std::string("missing entry point ") + MAGEIO_PLUGIN_ENTRY_NAME +
                                " (not a mageio plugin)");
  // Never unmapped, even after its last instance is gone: a plugin may leave threads running (the Rust
  // parquet plugin's async runtime, a driver's connection pool, a Go runtime) or register atexit handlers,
  // and unmapping code one of them still runs crashes the process (seen: the CLI exiting after a parquet
  // export on Azure failed). As Python does with extension modules, a loaded plugin stays mapped until the
  // process ends; the Boost.DLL handle only drops its reference.
  if (void* pinned = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE | RTLD_NOLOAD)) (void)pinned;
  auto entry =
      library.get<MageioStatus(uint32_t, const MageioPluginDescriptor**, MageioError*)>(MAGEIO_PLUGIN_ENTRY_NAME);

  Loaded loaded;
  loaded.library = std::make_shared<LoadedLibrary>(std::move(library));
  MageioError error{};
  error.struct_size = sizeof error;
  MageioStatus status = entry(MAGEIO_ABI_VERSION, &loaded.descriptor, &error);
  if (status != MAGEIO_STATUS_OK) {
    std::string message = copy_error_message(error);
    throw sdk::Error(MAGEIO_STATUS_NOT_IMPLEMENTED, std::string("refused ABI ") + abi_version_text(MAGEIO_ABI_VERSION) +
                                                        " (" + sdk::status_name(status) + "): " + message);
  }
  if (auto problem = check_descriptor(loaded.descriptor, MAGEIO_ABI_VERSION, &loaded.manifest); !problem.empty())
    throw sdk::invalid_argument(problem);
  return loaded;
}

void require_library_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw sdk::not_found("not a regular file");
  if (!has_elf_header(path)) throw sdk::invalid_argument("not a shared library (no ELF header)");
}

}  // namespace

// Everything but the library, copied from a manifest (discovery) or from the loaded descriptor.
std::shared_ptr<Plugin> plugin_from_manifest(const sdk::Manifest& manifest, const fs::path& path) {
  auto plugin = std::shared_ptr<Plugin>(new Plugin());
  plugin->name_ = manifest.name;
  plugin->version_ = manifest.version;
  plugin->description_ = manifest.description;
  plugin->abi_version_ = manifest.abi_version;
  plugin->capabilities_ = manifest.capabilities;
  plugin->path_ = fs::absolute(path);
  plugin->supported_types_ = manifest.supported_types;
  try {
    plugin->config_schema_ = ConfigSchema::parse(manifest.config_schema_json);
  } catch (const std::exception& e) {
    throw sdk::invalid_argument(std::string("bad descriptor: config_schema_json: ") + e.what());
  }
  return plugin;
}

void Plugin::load_locked() const {
  if (descriptor_ != nullptr) return;
  Loaded loaded;
  try {
    loaded = load_library(path_);
  } catch (const sdk::Error& e) {
    throw sdk::Error(e.status(), "plugin '" + name_ + "' (" + path_.string() + "): " + e.what());
  }
  if (has_manifest_) {
    sdk::Manifest expected;
    expected.name = name_;
    expected.version = version_;
    expected.description = description_;
    expected.abi_version = abi_version_;
    expected.capabilities = capabilities_;
    expected.supported_types = supported_types_;
    expected.config_schema_json = manifest_schema_;
    if (auto problem = manifest_mismatch(expected, loaded.manifest); !problem.empty())
      throw sdk::invalid_argument(problem + " (" + path_.string() + ")");
  }
  library_ = std::move(loaded.library);
  descriptor_ = loaded.descriptor;
}

const MageioPluginDescriptor& Plugin::descriptor() const {
  std::lock_guard lock(load_mutex_);
  load_locked();
  return *descriptor_;
}

bool Plugin::loaded() const {
  std::lock_guard lock(load_mutex_);
  return descriptor_ != nullptr;
}

std::shared_ptr<const Plugin> Registry::load_file(const fs::path& path) {
  require_library_file(path);
  // A manifest, when there is one, must agree with what the library answers; one that cannot be read
  // is refused before any code runs.
  std::optional<sdk::Manifest> manifest = read_plugin_manifest(path);
  Loaded loaded = load_library(path);
  if (manifest)
    if (auto problem = manifest_mismatch(*manifest, loaded.manifest); !problem.empty())
      throw sdk::invalid_argument(problem);
  auto plugin = plugin_from_manifest(loaded.manifest, path);
  plugin->has_manifest_ = manifest.has_value();
  plugin->manifest_schema_ = loaded.manifest.config_schema_json;
  plugin->library_ = std::move(loaded.library);
  plugin->descriptor_ = loaded.descriptor;
  return plugin;
}

std::shared_ptr<const Plugin> Registry::read_file(const fs::path& path) {
  require_library_file(path);
  std::optional<sdk::Manifest> manifest = read_plugin_manifest(path);
  if (!manifest) throw sdk::invalid_argument(kNoManifest);
  auto plugin = plugin_from_manifest(*manifest, path);
  plugin->has_manifest_ = true;
  plugin->manifest_schema_ = manifest->config_schema_json;
  return plugin;
}

void Registry::scan_locked() {
  if (scanned_) return;
  scanned_ = true;
  for (const auto& dir : options_.plugin_dirs) search_path_.emplace_back(dir, "--plugin-dir");
  if (options_.use_environment) {
    if (const char* env = std::getenv("MAGEIO_PLUGIN_PATH"); env != nullptr) {
      std::stringstream parts(env);
      for (std::string part; std::getline(parts, part, ':');)
        if (!part.empty()) search_path_.emplace_back(part, "MAGEIO_PLUGIN_PATH");
    }
  }
  if (options_.use_default_dirs) {
    std::set<fs::path> seen;
    auto add_default = [&](const fs::path& dir) {
      std::error_code ec;
      fs::path normal = fs::weakly_canonical(dir, ec);
      if (!ec && fs::is_directory(normal, ec) && seen.insert(normal).second)
        search_path_.emplace_back(normal, "default");
    };
    if (auto dir = core_library_dir(); !dir.empty()) add_default(dir / "mageio" / "plugins");
    if (auto dir = executable_dir(); !dir.empty()) add_default(dir / MAGEIO_RELATIVE_PLUGIN_DIR);
    add_default(MAGEIO_INSTALL_PLUGIN_DIR);
  }

  std::set<fs::path> visited;
  auto consider = [&](const fs::path& file) {
    std::error_code ec;
    fs::path key = fs::weakly_canonical(file, ec);
    if (!visited.insert(ec ? file : key).second) return;
    try {
      auto plugin = read_file(file);  // the manifest only: no plugin code runs while listing
      auto same = std::find_if(plugins_.begin(), plugins_.end(), [&](auto& p) { return p->name() == plugin->name(); });
      if (same != plugins_.end()) {
        rejections_.push_back({file, "duplicate name: plugin '" + plugin->name() + "' was already loaded from " +
                                         (*same)->path().string() + ", which comes first in the search path"});
        return;
      }
      plugins_.push_back(std::move(plugin));
    } catch (const std::exception& e) {
      rejections_.push_back({file, e.what()});
    }
  };
  for (const auto& [dir, origin] : search_path_) {
    std::error_code ec;
    if (fs::is_regular_file(dir, ec)) {
      consider(dir);
      continue;
    }
    if (!fs::is_directory(dir, ec)) {
      rejections_.push_back({dir, "search path entry (" + origin + ") does not exist or is not a directory"});
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (is_candidate_name(entry.path())) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) consider(file);
  }
  std::sort(plugins_.begin(), plugins_.end(), [](auto& a, auto& b) { return a->name() < b->name(); });
}

std::vector<std::shared_ptr<const Plugin>> Registry::plugins() {
  std::lock_guard lock(mutex_);
  scan_locked();
  return plugins_;
}

std::vector<Rejection> Registry::rejections() {
  std::lock_guard lock(mutex_);
  scan_locked();
  return rejections_;
}

std::vector<std::pair<fs::path, std::string>> Registry::search_path() {
  std::lock_guard lock(mutex_);
  scan_locked();
  return search_path_;
}

std::shared_ptr<const Plugin> Registry::find(const std::string& name) {
  std::lock_guard lock(mutex_);
  scan_locked();
  for (const auto& plugin : plugins_)
    if (plugin->name() == name) return plugin;
  std::string message = "plugin '" + name + "' not found.";
  message += "\n  searched (in order):";
  if (search_path_.empty()) message += "\n    (nothing: no --plugin-dir, no MAGEIO_PLUGIN_PATH, no default directory)";
  for (const auto& [dir, origin] : search_path_) message += "\n    " + dir.string() + "  (" + origin + ")";
  if (!rejections_.empty()) {
    message += "\n  rejected:";
    for (const auto& rejection : rejections_) message += "\n    " + rejection.path.string() + ": " + rejection.reason;
  }
  message += "\n  available plugins:";
  if (plugins_.empty()) message += " none";
  for (const auto& plugin : plugins_) message += " " + plugin->name();
  throw sdk::not_found(message);
}

}  // namespace mageio
