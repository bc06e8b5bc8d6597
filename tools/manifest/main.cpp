// mageio-manifest PLUGIN.so [--output FILE] [--timeout SECONDS]: prints the plugin's manifest JSON (what
// its descriptor says), for mageio_add_manifest() to embed into the library at build time. The plugin
// runs in a forked child, so a plugin that crashes or hangs fails the build with a clear message instead
// of taking this tool down or hanging it.
#include <mageio/sdk/descriptor.hpp>

#include <dlfcn.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

namespace {

int usage() {
  std::cerr << "usage: mageio-manifest PLUGIN.so [--output FILE] [--timeout SECONDS]\n";
  return 2;
}

// In the child: load, negotiate, validate, write the manifest to `fd`. The exit status is the result.
[[noreturn]] void describe(const char* library, int fd) {
  void* handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    std::cerr << "mageio-manifest: " << library << ": cannot be loaded: " << dlerror() << '\n';
    _exit(1);
  }
  auto entry = reinterpret_cast<MageioPluginEntryFn>(dlsym(handle, MAGEIO_PLUGIN_ENTRY_NAME));
  if (entry == nullptr) {
    std::cerr << "mageio-manifest: " << library << ": no entry point " << MAGEIO_PLUGIN_ENTRY_NAME << '\n';
    _exit(1);
  }
  const MageioPluginDescriptor* descriptor = nullptr;
  MageioError error{};
  error.struct_size = sizeof error;
  if (entry(MAGEIO_ABI_VERSION, &descriptor, &error) != MAGEIO_STATUS_OK || descriptor == nullptr) {
    std::cerr << "mageio-manifest: " << library << ": refused ABI " << mageio::sdk::abi_version_text(MAGEIO_ABI_VERSION)
              << ": " << (error.message ? error.message : "(no message)") << '\n';
    _exit(1);
  }
  try {
    const mageio::sdk::Manifest manifest = mageio::sdk::manifest_of(*descriptor);
    if (auto problem = mageio::sdk::check_manifest(manifest); !problem.empty()) {
      std::cerr << "mageio-manifest: " << library << ": " << problem << '\n';
      _exit(1);
    }
    const std::string text = mageio::sdk::to_json(manifest) + "\n";
    if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) _exit(1);
  } catch (const std::exception& e) {
    std::cerr << "mageio-manifest: " << library << ": " << e.what() << '\n';
    _exit(1);
  }
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string library, output;
  double timeout = 30;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--output" && i + 1 < argc)
      output = argv[++i];
    else if (arg == "--timeout" && i + 1 < argc)
      timeout = std::stod(argv[++i]);
    else if (!arg.starts_with("-") && library.empty())
      library = arg;
    else
      return usage();
  }
  if (library.empty()) return usage();

  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return 1;
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    close(pipe_fds[0]);
    describe(library.c_str(), pipe_fds[1]);
  }
  close(pipe_fds[1]);
  // The manifest is small; read it after the child ends (a pipe buffer holds it).
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      std::cerr << "mageio-manifest: " << library << ": no answer within " << timeout << " s (the plugin hangs)\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFSIGNALED(status)) {
    std::cerr << "mageio-manifest: " << library << ": the plugin crashed (" << strsignal(WTERMSIG(status)) << ")\n";
    return 1;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "mageio-manifest: " << library << ": the plugin could not be described (exit status "
              << WEXITSTATUS(status) << ")\n";
    return 1;
  }
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<size_t>(n));
  close(pipe_fds[0]);
  if (output.empty()) {
    std::cout << text;
    return 0;
  }
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << text;
  return out ? 0 : 1;
}
