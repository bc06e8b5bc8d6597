#include "child_process.hpp"

#include "spawn_thread.hpp"

#include <dlfcn.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace mageio::isolation {
namespace fs = std::filesystem;

fs::path plugin_host_executable() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&plugin_host_executable), &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code ec;
  fs::path library = fs::canonical(info.dli_fname, ec);
  if (ec) return {};
  return library.parent_path() / "mageio" / "mageio-plugin-host";
}

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return std::string("crashed with ") +
           (name ? std::string("SIG") + name : "signal " + std::to_string(WTERMSIG(status)));
  }
  if (WIFEXITED(status)) {
    if (WEXITSTATUS(status) == 0) return "exited";
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  return "ended";
}

ChildProcess::ChildProcess(const fs::path& executable, const std::vector<std::string>& arguments, int socket) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on fd 3 only; every other descriptor of the host stays out of the child.
  posix_spawn_file_actions_adddup2(&actions, socket, 3);
  // The child resets SIGINT itself; it must not inherit a blocked SIGUSR1 (its cancellation signal).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> all{executable.string()};
  all.insert(all.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& argument : all) argv.push_back(argument.data());
  argv.push_back(nullptr);
  int result = 0;
  run_on_spawn_thread(
      [&] { result = posix_spawn(&pid_, executable.c_str(), &actions, &attributes, argv.data(), environ); });
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (result != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + executable.string() + ": " + std::strerror(result));
  }
}

ChildProcess::~ChildProcess() {
  if (running()) kill_and_reap();
}

void ChildProcess::signal(int number) const {
  if (running()) ::kill(pid_, number);
}

std::string ChildProcess::wait_after_end_of_file() {
  // A child that closed its socket is exiting; one that closed it and kept running is killed after 2 s.
  for (int attempt = 0; attempt < 200; ++attempt) {
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return describe_wait_status(status);
    }
    if (done < 0 && errno != EINTR) {
      pid_ = -1;
      return "ended";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill_and_reap();
  return "closed its end of the connection and was stopped";
}

void ChildProcess::kill_and_reap() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

}  // namespace mageio::isolation
