#include "cli_context.hpp"

#include "value_checks.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <signal.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace mageio::cli {
namespace {

constexpr const char* kDefaultConfig = "io_config.yaml";
constexpr const char* kNoConfigLabel = "no config file";

// The cancel flags of the open connectors, for the signal handler (which may only touch lock-free atomics).
constexpr size_t kMaxHosts = 16;
std::atomic<std::atomic<bool>*> g_cancel_flags[kMaxHosts];
// The first stopping signal received (0: none). Its number decides the exit status, 128 + n.
volatile std::sig_atomic_t g_stop_signal = 0;

// The signals that stop a command the way Ctrl-C does. SIGTERM (kill, systemd, a scheduler ending a job)
// and SIGHUP (the terminal went away) must roll back like SIGINT: left at their default action they end
// the process at once and leave partial files and stage tables behind.
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void on_stop_signal(int signal_number) {
  if (g_stop_signal != 0) {
    // A second stopping signal: the user wants out now, whatever the plugin is doing.
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
    return;
  }
  g_stop_signal = signal_number;
  for (auto& slot : g_cancel_flags)
    if (auto* flag = slot.load()) flag->store(true);
}

void register_cancel_flag(std::atomic<bool>* flag) {
  for (auto& slot : g_cancel_flags) {
    std::atomic<bool>* expected = nullptr;
    if (slot.compare_exchange_strong(expected, flag)) {
      if (g_stop_signal != 0) flag->store(true);
      return;
    }
  }
}

void unregister_cancel_flag(std::atomic<bool>* flag) {
  for (auto& slot : g_cancel_flags) {
    std::atomic<bool>* expected = flag;
    slot.compare_exchange_strong(expected, nullptr);
  }
}

void remember_secrets(const std::vector<std::string>& values) {
  auto& secrets = known_secrets();
  for (const auto& value : values)
    if (!value.empty() && std::find(secrets.begin(), secrets.end(), value) == secrets.end()) secrets.push_back(value);
}

// The value of `--set KEY=VALUE`: `@FILE` reads it from FILE (one trailing newline dropped), `env:NAME`
// from the environment, so that a password need not appear in the command line (`ps` shows it to every
// user). `raw:` takes the rest literally, for a value that itself starts with `@`, `env:` or `raw:`.
std::string set_value(const std::string& command, const std::string& key, const std::string& value) {
  if (value.starts_with("raw:")) return value.substr(4);
  if (value.starts_with("env:")) {
    const std::string name = value.substr(4);
    if (name.empty()) throw UsageError(command, "--set " + key + "=env:NAME needs a variable name");
    const char* found = std::getenv(name.c_str());
    if (!found)
      throw UsageError(command, "--set " + key + "=env:" + name + ": environment variable " + name +
                                    " is not set (for a literal value starting with env:, write raw:env:...)");
    return found;
  }
  if (value.starts_with("@")) {
    const std::string path = value.substr(1);
    if (path.empty()) throw UsageError(command, "--set " + key + "=@FILE needs a file name");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    if (in) text << in.rdbuf();
    if (!in || in.bad() || fs::is_directory(path))
      throw UsageError(command, "--set " + key + "=@" + path + ": cannot read file " + path +
                                    " (for a literal value starting with @, write raw:@...)");
    std::string content = text.str();
    if (content.ends_with("\r\n"))
      content.resize(content.size() - 2);
    else if (content.ends_with('\n'))
      content.pop_back();
    return content;
  }
  return value;
}

}  // namespace

std::vector<std::string>& known_secrets() {
  static std::vector<std::string> secrets;
  return secrets;
}

void install_interrupt_handler() {
  for (const int signal_number : kStopSignals) {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: a blocking read or write returns EINTR, so a plugin waiting on a socket or a pipe
    // gets the chance to look at its cancel flag.
    ::sigaction(signal_number, &action, nullptr);
  }
}

bool interrupted() { return g_stop_signal != 0; }

int interrupted_exit_status() { return 128 + (g_stop_signal != 0 ? static_cast<int>(g_stop_signal) : SIGINT); }

void check_interrupted() {
  if (interrupted()) throw sdk::cancelled_error();
}

CommonOptions CommonOptions::from(const ParsedArgs& args) {
  const std::string& command = args.command();
  CommonOptions options;
  options.config = args.get("--config");
  if (options.config && options.config->empty()) throw UsageError(command, "--config needs a file name");
  options.profile = args.get_or("--profile", "default");
  if (options.profile.empty()) throw UsageError(command, "--profile needs a profile name");
  options.plugin_dirs = args.all("--plugin-dir");
  for (const auto& text : args.all("--set")) {
    auto [key, value] = split_assignment(command, "--set", text);
    options.sets.emplace_back(key, set_value(command, key, value));
  }
  options.quiet = args.has("--quiet");
  options.progress = args.has("--progress");
  options.isolate = args.has("--isolate");
  if (auto timeout = args.get("--timeout")) options.timeout_seconds = parse_seconds(command, "--timeout", *timeout);
  // A secret given on the command line is masked like one from the file.
  for (const auto& [key, value] : options.sets)
    if (looks_secret(key)) remember_secrets({value});
  return options;
}

CliContext::CliContext(CommonOptions options)
    : options_(std::move(options)),
      registry_(RegistryOptions{.plugin_dirs = {options_.plugin_dirs.begin(), options_.plugin_dirs.end()}}) {}

CliContext::~CliContext() {
  end_progress();
  for (const auto& host : hosts_) unregister_cancel_flag(&host->cancel_requested);
}

std::vector<ConfigSchema> CliContext::all_schemas() {
  std::vector<ConfigSchema> schemas;
  for (const auto& plugin : registry_.plugins()) schemas.push_back(plugin->config_schema());
  return schemas;
}

const IoConfig* CliContext::config() {
  if (!config_loaded_) {
    config_loaded_ = true;
    if (options_.config) {
      config_ = IoConfig::load_file(*options_.config);
    } else {
      std::error_code ec;
      if (fs::exists(kDefaultConfig, ec)) config_ = IoConfig::load_file(kDefaultConfig);
    }
  }
  return config_ ? &*config_ : nullptr;
}

Profile CliContext::profile(const std::string& name) {
  const std::string wanted = name.empty() ? options_.profile : name;
  Profile profile;
  if (const IoConfig* file = config()) {
    profile = file->profile(wanted);
  } else if (wanted == "default") {
    profile = Profile(kNoConfigLabel, wanted, 0);
  } else {
    throw sdk::not_found("profile '" + wanted + "' not found: there is no config file (./" + kDefaultConfig +
                         " does not exist; pass --config FILE)");
  }
  for (const auto& [key, value] : options_.sets) {
    auto existing = profile.flat().find(key);
    // An override keeps the key's place (and line) in the file; a new key has no line.
    profile.set_flat(key, ConfigEntry{value, existing == profile.flat().end() ? 0 : existing->second.line});
  }
  // Only the secrets of the connector in use are masked in messages (open() adds them): masking every
  // password of the profile, some of them one or two characters long, garbled unrelated text.
  return profile;
}

std::unique_ptr<Connector> CliContext::open(const std::string& plugin_name, const std::string& profile_name) {
  auto plugin = registry_.find(plugin_name);
  Profile resolved = profile(profile_name);
  const auto secrets = resolved.secret_values({plugin->config_schema()});
  remember_secrets(secrets);
  boost::json::object config;
  try {
    config = resolved.config_for(plugin_name, plugin->config_schema());
  } catch (const sdk::Error& e) {
    if (config_ || e.status() != MAGEIO_STATUS_INVALID_ARGUMENT) throw;
    throw sdk::Error(e.status(), std::string(e.what()) + "\n(there is no ./" + kDefaultConfig +
                                     ": pass --config FILE, or set keys with --set KEY=VALUE)");
  }

  auto host = std::make_shared<HostCallbacks>();
  const bool quiet = options_.quiet;
  // The context outlives its connectors (commands create it first), so the callback may use `this`.
  host->on_log = [this, plugin_name, quiet](int32_t level, const std::string& message) {
    if (level < MAGEIO_LOG_ERROR && (level < MAGEIO_LOG_WARNING || quiet)) return;
    if (progress_) progress_->clear();  // the line is redrawn at the next update
    std::cerr << "mageio: " << (level >= MAGEIO_LOG_ERROR ? "error" : "warning") << ": " << plugin_name << ": "
              << mask_secrets(without_plugin_prefix(message, plugin_name), known_secrets()) << '\n';
  };
  register_cancel_flag(&host->cancel_requested);
  hosts_.push_back(host);
  return plugin->open(config, host, secrets,
                      OpenOptions{.isolate = options_.isolate, .timeout = options_.timeout_seconds});
}

void CliContext::show_progress(Connector& connector, bool rows_to_terminal) {
  const bool wanted = options_.progress || (!options_.quiet && !rows_to_terminal && ::isatty(STDERR_FILENO) != 0);
  if (!wanted) return;
  progress_ = std::make_shared<ProgressLine>(std::cerr);
  connector.callbacks().on_progress = [line = progress_](int64_t rows, int64_t bytes, int64_t total_rows) {
    line->update(rows, bytes, total_rows);
  };
}

void CliContext::end_progress() {
  if (progress_) progress_->finish();
}

void CliContext::note(const std::string& message) const {
  if (progress_) progress_->finish();
  if (!options_.quiet) std::cerr << mask_secrets(message, known_secrets()) << '\n';
}

void CliContext::warn(const std::string& message) const {
  if (progress_) progress_->clear();
  if (!options_.quiet) std::cerr << "mageio: warning: " << mask_secrets(message, known_secrets()) << '\n';
}

}  // namespace mageio::cli
