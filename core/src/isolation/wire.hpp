// The framing between the host and `mageio-plugin-host` (the isolated plugin's child process): frames of
// a fixed 16-byte header and a payload, over one AF_UNIX stream socket. A socket rather than two pipes
// because send(MSG_NOSIGNAL) never raises SIGPIPE in the host when the child has died, and one
// bidirectional descriptor is all the child needs (fd 3).
//
// Sending gathers the parts of a frame with sendmsg (Arrow buffers are never copied on send); receiving
// reads each payload into one allocation, which decoded Arrow arrays then point into.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::isolation {

/// What a frame carries. Requests go host -> child; replies and callbacks child -> host; during an
/// export the child pulls the input stream from the host (next_batch), the other way round.
enum class Message : uint32_t {
  open = 1,         // host -> child: config JSON; ok: uint64 the instance's capabilities (ABI 1.1)
  library_loaded,   // child -> host: dlopen, negotiation and descriptor check passed (then open runs)
  load,             // request JSON
  export_data,      // request JSON; followed by the input's schema (schema or stream_error)
  execute,          // request JSON
  execute_queries,  // request JSON
  alter_table,      // request JSON
  table_exists,     // request JSON
  close,            // no payload; the child answers ok and exits
  next_batch,       // either way: pull the next array of stream <stream id>
  release_stream,   // host -> child: the host released stream <stream id>
  ok,               // reply: operation-specific payload
  error,            // reply: status, vendor code, SQLSTATE, message
  schema,           // an encoded ArrowSchema
  batch,            // an encoded ArrowArray
  end_of_stream,    // the stream has ended
  stream_error,     // get_schema/get_next failed: errno code and message
  log,              // child -> host: level, message
  progress,         // child -> host: rows, bytes, total rows
  plan_partitions,  // request JSON; ok: int64 count, then count descriptor texts
  load_partition,   // a descriptor; ok: as load's
};

struct FrameHeader {
  uint32_t type = 0;
  uint32_t stream = 0;  // the stream a next_batch/batch/end_of_stream/stream_error/release_stream is about
  uint64_t length = 0;  // payload bytes after the header
};
static_assert(sizeof(FrameHeader) == 16);

/// A received frame. The payload is one allocation (aligned to 64 bytes), shared with anything decoded
/// from it.
struct Frame {
  Message type{};
  uint32_t stream = 0;
  std::shared_ptr<std::byte> payload;
  size_t length = 0;
  std::string_view text() const { return {reinterpret_cast<const char*>(payload.get()), length}; }
};

/// Why a channel stopped working.
class ChannelClosed : public std::runtime_error {
 public:
  enum class Reason { end_of_file, timed_out, failed };
  ChannelClosed(Reason reason, const std::string& message) : std::runtime_error(message), reason_(reason) {}
  Reason reason() const noexcept { return reason_; }

 private:
  Reason reason_;
};

/// One end of the socket. Thread-safe for sending (plugins may log from any thread); receiving is done
/// by one thread at a time.
class Channel {
 public:
  explicit Channel(int fd);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  /// No byte for this long while waiting to send or receive -> ChannelClosed(timed_out). None: no limit.
  void set_timeout(std::optional<double> seconds) { timeout_seconds_ = seconds; }
  /// Called about every 100 ms while waiting (the host checks for cancellation there).
  void set_tick(std::function<void()> tick) { tick_ = std::move(tick); }

  void send(Message type, uint32_t stream, std::vector<iovec> parts);
  void send(Message type, uint32_t stream = 0, std::string_view payload = {});
  Frame receive();
  void shutdown();

 private:
  void wait_for(short events);
  void read_exactly(void* data, size_t size);

  int fd_;
  std::mutex send_mutex_;
  std::optional<double> timeout_seconds_;
  std::function<void()> tick_;
};

/// Little-endian-agnostic (same machine) writer and reader of the scalar payloads.
class PayloadWriter {
 public:
  PayloadWriter& i64(int64_t value) { return raw(&value, sizeof value); }
  PayloadWriter& i32(int32_t value) { return raw(&value, sizeof value); }
  PayloadWriter& text(std::string_view value) {
    i64(static_cast<int64_t>(value.size()));
    return raw(value.data(), value.size());
  }
  PayloadWriter& raw(const void* data, size_t size) {
    bytes_.append(static_cast<const char*>(data), size);
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

class PayloadReader {
 public:
  PayloadReader(const std::byte* data, size_t size) : data_(data), size_(size) {}
  explicit PayloadReader(const Frame& frame) : PayloadReader(frame.payload.get(), frame.length) {}
  int64_t i64() { return scalar<int64_t>(); }
  int32_t i32() { return scalar<int32_t>(); }
  std::string text() {
    auto size = static_cast<size_t>(i64());
    return std::string(reinterpret_cast<const char*>(take(size)), size);
  }
  const std::byte* take(size_t size);
  size_t position() const { return position_; }
  size_t remaining() const { return size_ - position_; }

 private:
  template <typename T>
  T scalar() {
    T value;
    std::memcpy(&value, take(sizeof value), sizeof value);
    return value;
  }
  const std::byte* data_;
  size_t size_;
  size_t position_ = 0;
};

}  // namespace mageio::isolation
