// Starting, watching and reaping the `mageio-plugin-host` child process of one isolated instance.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mageio::isolation {

/// <directory of libmageio.so>/mageio/mageio-plugin-host: built and installed there, so every host
/// (the CLI, the tests, a Python wheel) finds it without configuration.
std::filesystem::path plugin_host_executable();

/// A running child. Always reaped: by wait_after_end_of_file(), kill_and_reap() or the destructor.
class ChildProcess {
 public:
  /// Starts `executable` with `arguments`; `socket` becomes its fd 3. Throws std::runtime_error.
  ChildProcess(const std::filesystem::path& executable, const std::vector<std::string>& arguments, int socket);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  /// The child closed its end: waits for it (briefly; then kills it) and says how it ended,
  /// e.g. "crashed with SIGSEGV", "exited with status 3".
  std::string wait_after_end_of_file();
  void kill_and_reap();
  void signal(int number) const;

 private:
  pid_t pid_ = -1;
};

/// "crashed with SIGSEGV", "exited with status 3", "exited normally" for a waitpid status.
std::string describe_wait_status(int status);

}  // namespace mageio::isolation
