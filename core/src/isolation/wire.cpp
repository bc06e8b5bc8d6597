#include "wire.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>

namespace mageio::isolation {
namespace {

constexpr int kTickMilliseconds = 100;

[[noreturn]] void fail_errno(const char* what) {
  throw ChannelClosed(ChannelClosed::Reason::failed, std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

Channel::Channel(int fd) : fd_(fd) {
  // Non-blocking, so that every wait goes through poll with the progress deadline.
  int flags = fcntl(fd_, F_GETFL);
  if (flags >= 0) fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

Channel::~Channel() {
  if (fd_ >= 0) ::close(fd_);
}

void Channel::shutdown() { ::shutdown(fd_, SHUT_RDWR); }

// Waits until the socket is ready for `events`. The deadline restarts with every call, and every call
// follows a transfer of at least one byte, so it measures "no byte moved for timeout seconds".
void Channel::wait_for(short events) {
  using clock = std::chrono::steady_clock;
  std::optional<clock::time_point> deadline;
  if (timeout_seconds_)
    deadline =
        clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(*timeout_seconds_));
  for (;;) {
    pollfd entry{fd_, events, 0};
    int wait = kTickMilliseconds;
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - clock::now()).count();
      if (left <= 0) throw ChannelClosed(ChannelClosed::Reason::timed_out, "no progress");
      wait = static_cast<int>(std::min<long long>(left, wait));
    }
    int ready = ::poll(&entry, 1, wait);
    if (ready < 0 && errno != EINTR) fail_errno("poll");
    if (ready > 0) return;  // readable, writable, or hung up: the transfer itself tells which
    if (tick_) tick_();
  }
}

void Channel::send(Message type, uint32_t stream, std::vector<iovec> parts) {
  FrameHeader header;
  header.type = static_cast<uint32_t>(type);
  header.stream = stream;
  for (const auto& part : parts) header.length += part.iov_len;
  parts.insert(parts.begin(), iovec{&header, sizeof header});

  std::lock_guard lock(send_mutex_);
  size_t first = 0;
  while (first < parts.size()) {
    msghdr message{};
    message.msg_iov = parts.data() + first;
    message.msg_iovlen = std::min<size_t>(parts.size() - first, IOV_MAX);
    ssize_t sent = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        wait_for(POLLOUT);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EPIPE || errno == ECONNRESET) throw ChannelClosed(ChannelClosed::Reason::end_of_file, "peer closed");
      fail_errno("sendmsg");
    }
    // Skip what went out; a part sent in half is advanced in place.
    auto left = static_cast<size_t>(sent);
    while (first < parts.size() && left >= parts[first].iov_len) left -= parts[first++].iov_len;
    if (left > 0) {
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + left;
      parts[first].iov_len -= left;
    }
  }
}

void Channel::send(Message type, uint32_t stream, std::string_view payload) {
  std::vector<iovec> parts;
  if (!payload.empty()) parts.push_back(iovec{const_cast<char*>(payload.data()), payload.size()});
  send(type, stream, std::move(parts));
}

void Channel::read_exactly(void* data, size_t size) {
  auto* out = static_cast<char*>(data);
  while (size > 0) {
    ssize_t got = ::recv(fd_, out, size, 0);
    if (got > 0) {
      out += got;
      size -= static_cast<size_t>(got);
      continue;
    }
    if (got == 0) throw ChannelClosed(ChannelClosed::Reason::end_of_file, "peer closed");
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      wait_for(POLLIN);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) throw ChannelClosed(ChannelClosed::Reason::end_of_file, "peer closed");
    fail_errno("recv");
  }
}

Frame Channel::receive() {
  FrameHeader header;
  read_exactly(&header, sizeof header);
  Frame frame;
  frame.type = static_cast<Message>(header.type);
  frame.stream = header.stream;
  frame.length = header.length;
  // One allocation per frame, 64-byte aligned, so Arrow buffers laid out at 8-byte offsets inside it are
  // aligned as Arrow asks.
  size_t rounded = (header.length + 63) / 64 * 64;
  void* block = std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
  if (block == nullptr) throw ChannelClosed(ChannelClosed::Reason::failed, "out of memory for a frame");
  frame.payload = std::shared_ptr<std::byte>(static_cast<std::byte*>(block), [](std::byte* p) { std::free(p); });
  read_exactly(block, header.length);
  return frame;
}

const std::byte* PayloadReader::take(size_t size) {
  if (size > size_ - position_) throw std::runtime_error("truncated message from the other process");
  const std::byte* at = data_ + position_;
  position_ += size;
  return at;
}

}  // namespace mageio::isolation
