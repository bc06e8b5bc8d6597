// mageio-plugin-host LIBRARY NAME PARENT_PID: the child process of one isolated connector instance.
// Started by the core (core/src/isolation) with its end of the socket as fd 3; never by hand.
#include "plugin_server.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

// Read by AddressSanitizer only, when this child is built with it (tools/test.sh --sanitize). ASan would
// catch a plugin's SIGSEGV, SIGBUS or SIGFPE, print its report and exit with status 1; the host must see
// the signal itself to say what happened ("crashed with SIGSEGV"). Memory errors are still reported.
extern "C" __attribute__((visibility("default"), used)) const char* __asan_default_options() {
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0";
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "mageio-plugin-host is started by mageio for an isolated connector, not by hand\n");
    return 2;
  }
  // Never outlive the host: killed when it dies, and gone at once if it died before this line.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (std::to_string(getppid()) != argv[3]) return 0;
  // Ctrl-C reaches the whole process group; only the host decides about cancellation (SIGUSR1).
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGPIPE, SIG_IGN);
  mageio::isolation::Channel channel(3);
  mageio::isolation::PluginServer server(channel, argv[1], argv[2]);
  return server.run();
}
