#include "isolated_child.hpp"

#include "arrow_codec.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace mageio::isolation {
namespace {

constexpr int kSocketBufferBytes = 4 << 20;

// How long close() waits for a plugin when the operations have no timeout.
constexpr double kCloseGraceSeconds = 10.0;

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

}  // namespace

IsolatedChild::IsolatedChild(const std::filesystem::path& library, std::string name, std::optional<double> timeout,
                             const MageioHostServices* host)
    : name_(std::move(name)), timeout_(timeout), host_(host) {
  auto executable = plugin_host_executable();
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  // Room for a whole batch in flight (the kernel caps it at net.core.wmem_max): the child writes a
  // batch in one go while the host still consumes the previous one.
  for (int socket : sockets) {
    int size = kSocketBufferBytes;
    ::setsockopt(socket, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    ::setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  channel_ = std::make_unique<Channel>(sockets[0]);
  try {
    child_ = std::make_unique<ChildProcess>(
        executable, std::vector<std::string>{library.string(), name_, std::to_string(::getpid())}, sockets[1]);
  } catch (...) {
    ::close(sockets[1]);
    throw;
  }
  ::close(sockets[1]);
  channel_->set_timeout(timeout_);
  channel_->set_tick([this] { forward_cancellation(); });
}

Frame IsolatedChild::call(const char* operation, Message type, std::string_view payload, ArrowArrayStream* input) {
  if (!gone_.empty()) throw ChildGone(gone_);
  operation_ = operation;
  try {
    forward_cancellation();
    channel_->send(type, 0, payload);
    if (input != nullptr) send_input_schema(input);
    return await_reply(input);
  } catch (const ChannelClosed& closed) {
    throw ChildGone(end(closed));
  }
}

Frame IsolatedChild::next_batch(uint32_t stream) {
  if (!gone_.empty()) throw ChildGone(gone_);
  try {
    forward_cancellation();  // before the pull, so the child sees it when it serves the pull
    channel_->send(Message::next_batch, stream);
    return await_reply(nullptr);
  } catch (const ChannelClosed& closed) {
    throw ChildGone(end(closed));
  }
}

void IsolatedChild::close() {
  if (gone_.empty()) {
    // Closing is bounded even when operations are not: the host is done with this instance, and a
    // plugin stuck in its close must not hang it. The child is then killed; a database server ends
    // (and rolls back) the session of a client that went away.
    if (!timeout_) channel_->set_timeout(kCloseGraceSeconds);
    try {
      call("close", Message::close, {});
    } catch (...) {
    }
  }
  channel_->shutdown();
  if (child_->running()) child_->wait_after_end_of_file();
}

// The child's is_cancelled reads a flag that SIGUSR1 sets and SIGUSR2 clears: the host's state is
// forwarded whenever it changes (a host may cancel one operation and run the next). A signal sent
// before a request is handled before the child returns from reading it.
void IsolatedChild::forward_cancellation() {
  if (host_ == nullptr || host_->is_cancelled == nullptr) return;
  const bool cancelled = host_->is_cancelled(host_->host_data) != 0;
  if (cancelled == child_cancelled_) return;
  child_cancelled_ = cancelled;
  child_->signal(cancelled ? SIGUSR1 : SIGUSR2);
}

Frame IsolatedChild::await_reply(ArrowArrayStream* input) {
  for (;;) {
    forward_cancellation();
    Frame frame = channel_->receive();
    switch (frame.type) {
      case Message::log: {
        PayloadReader in(frame);
        int32_t level = in.i32();
        std::string text = in.text();
        if (host_ && host_->log) host_->log(host_->host_data, level, text.c_str());
        continue;
      }
      case Message::progress: {
        PayloadReader in(frame);
        int64_t rows = in.i64(), bytes = in.i64(), total = in.i64();
        if (host_ && host_->progress) host_->progress(host_->host_data, rows, bytes, total);
        continue;
      }
      case Message::library_loaded: operation_ = "open"; continue;
      case Message::next_batch:
        if (input != nullptr) {
          send_input_batch(input);
          continue;
        }
        return frame;
      default: return frame;
    }
  }
}

void IsolatedChild::send_input_schema(ArrowArrayStream* input) {
  input_schema_ = ArrowSchema{};
  if (int code = input->get_schema(input, &input_schema_); code != 0) {
    send_stream_error(input, code);
    return;
  }
  channel_->send(Message::schema, 0, encode_schema(input_schema_));
}

void IsolatedChild::send_stream_error(ArrowArrayStream* input, int code) {
  const char* text = input->get_last_error ? input->get_last_error(input) : nullptr;
  channel_->send(Message::stream_error, 0, encode_stream_failure(code, StreamFailure{text ? text : ""}));
}

void IsolatedChild::send_input_batch(ArrowArrayStream* input) {
  ArrowArray array{};
  if (int code = input->get_next(input, &array); code != 0) return send_stream_error(input, code);
  if (array.release == nullptr) return channel_->send(Message::end_of_stream);
  std::string description;
  try {
    auto parts = encode_array(input_schema_, array, description);
    channel_->send(Message::batch, 0, std::move(parts));
  } catch (const ChannelClosed&) {
    array.release(&array);
    throw;
  } catch (const std::exception& e) {
    array.release(&array);
    channel_->send(Message::stream_error, 0, encode_stream_failure(EINVAL, StreamFailure{e.what()}));
    return;
  }
  array.release(&array);
}

void IsolatedChild::release_input_schema() {
  if (input_schema_.release) input_schema_.release(&input_schema_);
}

// Reaps the child and remembers, for this and every later call, what happened.
std::string IsolatedChild::end(const ChannelClosed& closed) {
  std::string what;
  if (closed.reason() == ChannelClosed::Reason::timed_out) {
    child_->kill_and_reap();
    what = "made no progress for " + seconds_text(timeout_.value_or(kCloseGraceSeconds)) + " s during " + operation_ +
           "; stopped it";
  } else if (closed.reason() == ChannelClosed::Reason::end_of_file) {
    what = child_->wait_after_end_of_file() + " during " + operation_;
  } else {
    child_->kill_and_reap();
    what = std::string("lost its connection during ") + operation_ + " (" + closed.what() + "); stopped it";
  }
  gone_ = "plugin '" + name_ + "' " + what;
  return gone_;
}

}  // namespace mageio::isolation
