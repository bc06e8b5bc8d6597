// The check runner: the order the groups run in, the report, and running it all in a child process.
#include "context.hpp"

#include <mageio/sdk/types.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

namespace mageio::conformance {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// The endings the path checks run with when Options::path_suffixes is empty.
std::vector<std::string> default_suffixes(const std::string& plugin) {
  if (plugin == "file") return {".csv", ".jsonl"};
  return {""};
}

// Sets an environment variable for as long as it lives, then puts back what was there.
class ScopedEnvironmentVariable {
 public:
  ScopedEnvironmentVariable(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_value_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnvironmentVariable() {
    if (old_value_) {
      ::setenv(name_, old_value_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnvironmentVariable(const ScopedEnvironmentVariable&) = delete;
  ScopedEnvironmentVariable& operator=(const ScopedEnvironmentVariable&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_value_;
};

Report empty_report(const Plugin& plugin) {
  Report report;
  report.plugin = plugin.name();
  report.plugin_version = plugin.version();
  report.plugin_path = plugin.path().string();
  report.capabilities = capability_names(plugin.capabilities());
  return report;
}

// --- The pipe protocol between run_isolated's child and parent: one line per event, tab-separated. ---

std::string field(std::string text) {
  for (char& c : text)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return text;
}

void send(int fd, const std::string& line) {
  std::string data = line + "\n";
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> parts;
  std::stringstream stream(line);
  for (std::string part; std::getline(stream, part, '\t');) parts.push_back(part);
  if (!line.empty() && line.back() == '\t') parts.emplace_back();
  return parts;
}

}  // namespace

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Pass: return "PASS";
    case Outcome::Fail: return "FAIL";
    case Outcome::Skip: return "SKIP";
  }
  return "?";
}

size_t Report::count(Outcome outcome) const {
  size_t n = 0;
  for (const auto& result : results) n += result.outcome == outcome;
  return n;
}

std::vector<std::string> Report::names(Outcome outcome) const {
  std::vector<std::string> out;
  for (const auto& result : results)
    if (result.outcome == outcome) out.push_back(result.name);
  return out;
}

const CheckResult* Report::find(std::string_view name) const {
  for (const auto& result : results)
    if (result.name == name) return &result;
  return nullptr;
}

std::string format_result(const CheckResult& result) {
  std::string line = std::string(outcome_name(result.outcome)) + "  " + result.name;
  if (!result.reason.empty()) line += ": " + result.reason;
  return line;
}

void print_summary(std::ostream& out, const Report& report) {
  out << "\nplugin: " << report.plugin << " " << report.plugin_version << " (" << report.plugin_path << ")"
      << (report.isolated ? ", isolated in mageio-plugin-host" : "") << "\n";
  out << "declared capabilities: " << (report.capabilities.empty() ? "none" : join(report.capabilities)) << '\n';
  out << "types tested: " << (report.types_tested.empty() ? "none" : join(report.types_tested)) << '\n';
  for (const auto& note : report.notes) out << "note: " << note << '\n';
  out << report.count(Outcome::Pass) << " passed, " << report.count(Outcome::Fail) << " failed, "
      << report.count(Outcome::Skip) << " skipped\n";
}

Report run(const Plugin& plugin, const boost::json::object& config, const Options& options) {
  using namespace detail;
  Report report = empty_report(plugin);
  report.isolated = options.isolate;
  Kit kit(plugin, config, options, report);
  // A plugin that keeps its data in the user's data directory when its config does not say where (as the
  // plugins `mageio new` makes do) is tested in a fresh one inside the kit's work directory, removed with
  // it: the kit never writes into the user's own, and such a plugin passes with no config at all.
  std::optional<ScopedEnvironmentVariable> data_home;
  if (options.scratch_data_home) data_home.emplace("XDG_DATA_HOME", kit.new_directory().string());

  // The data checks run once per kind of target.
  struct Variant {
    bool paths;
    std::string suffix;
  };
  std::vector<Variant> variants;
  if (plugin.has(MAGEIO_CAP_TABLES)) variants.push_back({false, {}});
  if (plugin.has(MAGEIO_CAP_PATHS))
    for (const auto& suffix : options.path_suffixes.empty() ? default_suffixes(plugin.name()) : options.path_suffixes)
      variants.push_back({true, suffix});
  if (variants.empty()) variants.push_back({false, {}});  // neither: every data check says why it skips

  kit.set_variant(variants.front().paths, variants.front().suffix, false);
  descriptor_checks(kit);
  open_checks(kit);
  abi_checks(kit);
  robustness_checks(kit);
  for (const auto& variant : variants) {
    kit.set_variant(variant.paths, variant.suffix, variants.size() > 1);
    roundtrip_checks(kit);
    load_checks(kit);
    partition_checks(kit);
    stage_checks(kit);
    export_checks(kit);
    identifier_checks(kit);
    table_checks(kit);
  }
  kit.set_variant(false, {}, false);
  execute_checks(kit);
  kit.cleanup();
  return report;
}

Report run_isolated(const Plugin& plugin, const boost::json::object& config, const Options& options) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(std::string("pipe failed: ") + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(fds[0]);
    ::signal(SIGINT, SIG_DFL);  // Ctrl-C ends the child; the parent reports the check it was in
    const int out = fds[1];
    Options child = options;
    child.on_check_start = [out](const std::string& name) { send(out, "S\t" + field(name)); };
    child.on_work_dir = [out](const std::filesystem::path& dir) { send(out, "W\t" + field(dir.string())); };
    child.on_result = [out](const CheckResult& result) {
      send(out,
           std::string("R\t") + outcome_name(result.outcome) + "\t" + field(result.name) + "\t" + field(result.reason));
    };
    int status = 0;
    try {
      Report report = run(plugin, config, child);
      for (const auto& type : report.types_tested) send(out, "T\t" + field(type));
      for (const auto& note : report.notes) send(out, "N\t" + field(note));
      send(out, "E");
    } catch (const std::exception& e) {
      send(out, std::string("X\t") + field(e.what()));
      status = 1;
    }
    ::close(out);
    ::_exit(status);
  }

  ::close(fds[1]);
  Report report = empty_report(plugin);
  report.isolated = options.isolate;
  std::string current;  // the check running in the child
  std::string buffer;
  bool ended = false, timed_out = false;
  std::string child_error;
  std::filesystem::path work_dir;  // the child's temporary directory, removed here if the child dies
  auto handle = [&](const std::string& line) {
    auto parts = split_tabs(line);
    if (parts.empty()) return;
    const std::string& kind = parts[0];
    if (kind == "S" && parts.size() >= 2) {
      current = parts[1];
      if (options.on_check_start) options.on_check_start(current);
    } else if (kind == "R" && parts.size() >= 3) {
      CheckResult result{parts[2], Outcome::Pass, parts.size() >= 4 ? parts[3] : std::string()};
      if (parts[1] == "FAIL") result.outcome = Outcome::Fail;
      if (parts[1] == "SKIP") result.outcome = Outcome::Skip;
      report.results.push_back(result);
      if (options.on_result) options.on_result(result);
      current.clear();
    } else if (kind == "T" && parts.size() >= 2) {
      report.types_tested.push_back(parts[1]);
    } else if (kind == "N" && parts.size() >= 2) {
      report.notes.push_back(parts[1]);
    } else if (kind == "W" && parts.size() >= 2) {
      work_dir = parts[1];
      if (options.on_work_dir) options.on_work_dir(work_dir);
    } else if (kind == "X" && parts.size() >= 2) {
      child_error = parts[1];
    } else if (kind == "E") {
      ended = true;
    }
  };
  char chunk[4096];
  while (true) {
    pollfd fd{fds[0], POLLIN, 0};
    const int timeout_ms = options.check_timeout_seconds > 0 ? options.check_timeout_seconds * 1000 : -1;
    const int ready = ::poll(&fd, 1, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready == 0) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    for (size_t newline; (newline = buffer.find('\n')) != std::string::npos;) {
      handle(buffer.substr(0, newline));
      buffer.erase(0, newline + 1);
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  auto add_failure = [&](const std::string& reason) {
    CheckResult result{current.empty() ? "kit" : current, Outcome::Fail, reason};
    report.results.push_back(result);
    if (options.on_result) options.on_result(result);
  };
  if ((timed_out || !ended) && !work_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(work_dir, ec);
  }
  if (timed_out) {
    add_failure("did not finish within " + std::to_string(options.check_timeout_seconds) +
                " s; the run stopped here (tables the kit made may be left behind)");
  } else if (!ended) {
    std::string how = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                                                strsignal(WTERMSIG(status)) + ")"
                      : WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                          : "ended";
    add_failure("the process " + how + (child_error.empty() ? "" : " (" + child_error + ")") +
                " during this check; the run stopped here (tables the kit made may be left behind)");
  }
  return report;
}

}  // namespace mageio::conformance
