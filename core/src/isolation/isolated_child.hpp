// One isolated instance's child process, seen from the host: a `mageio-plugin-host` started over a socket
// pair; a request sent and its reply awaited while serving what the child sends on the way (log lines,
// progress, and the input batches of an export it pulls); the host's cancellation forwarded as signals;
// the child reaped, with a reason every later call repeats, when it dies or stops making progress.
// isolated_instance.cpp puts the C slots of a plugin on top of it.
#pragma once

#include "child_process.hpp"
#include "wire.hpp"

#include <mageio/mageio_abi.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mageio::isolation {

/// The child is gone (crashed, exited, stopped): every call from then on fails with this reason.
struct ChildGone : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class IsolatedChild {
 public:
  /// Starts the child for `library` (the plugin `name`); it has not loaded the library yet. `host` (may
  /// be null) must outlive this object. With a `timeout`, a child silent for that long is killed.
  IsolatedChild(const std::filesystem::path& library, std::string name, std::optional<double> timeout,
                const MageioHostServices* host);

  const std::string& name() const { return name_; }
  /// What the instance can do, as the child asked its plugin right after open (ABI 1.1).
  uint64_t capabilities = 0;

  /// Sends a request and waits for its reply, serving log, progress and (during an export, `input`) the
  /// input stream on the way. Throws ChildGone when the child died or stopped making progress.
  Frame call(const char* operation, Message type, std::string_view payload, ArrowArrayStream* input = nullptr);
  /// Pulls the next batch of stream `stream` the child produced.
  Frame next_batch(uint32_t stream);
  /// Names the operation a later failure is reported under.
  void mark_operation(const char* operation) { operation_ = operation; }
  /// Asks the plugin to close (bounded even without a timeout), then ends and reaps the child.
  void close();
  /// Releases the schema of the last export's input, kept while the child pulled its batches.
  void release_input_schema();

 private:
  void forward_cancellation();
  Frame await_reply(ArrowArrayStream* input);
  void send_input_schema(ArrowArrayStream* input);
  void send_stream_error(ArrowArrayStream* input, int code);
  void send_input_batch(ArrowArrayStream* input);
  std::string end(const ChannelClosed& closed);

  std::string name_;
  std::optional<double> timeout_;
  const MageioHostServices* host_;
  std::unique_ptr<Channel> channel_;
  std::unique_ptr<ChildProcess> child_;
  std::string operation_ = "load of the library";
  std::string gone_;  // non-empty once the child is gone
  bool child_cancelled_ = false;
  ArrowSchema input_schema_{};
};

}  // namespace mageio::isolation
