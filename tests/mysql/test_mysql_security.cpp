// A rogue (or man-in-the-middle) MySQL server must not be able to read the client's files.
//
// The MySQL protocol lets the server answer any query with a LOCAL INFILE request (a 0xFB packet naming a
// file); a client that honours it sends the file's contents. The fake server below speaks just enough of
// the protocol (handshake, OK, ERR) to let the plugin connect, and answers every query with such a request
// for a canary file. The canary's contents must never reach it, whatever the client asks (load, export).
//
// A man in the middle can do better: pass everything through to the real server and answer only the export's
// own LOAD DATA LOCAL INFILE with a request for another file. InterceptingProxy does that in front of the
// test MariaDB; the export must refuse the request, send nothing of the canary, and fail with a clear error,
// leaving the table as it was.
#include "mysql_test_support.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <thread>

using namespace mytest;
using mageio::test::run_cli;

namespace {

class FakeServer {
 public:
  explicit FakeServer(std::string infile_path) : infile_path_(std::move(infile_path)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(listener_, 8) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
    close(listener_);
  }
  int port() const { return port_; }
  /// Every byte any client sent.
  std::string received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  int infile_requests() const { return infile_requests_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd ready{listener_, POLLIN, 0};
      if (poll(&ready, 1, 100) <= 0) continue;
      int client = accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      timeval timeout{5, 0};
      setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      converse(client);
      close(client);
    }
  }

  bool read_exact(int fd, char* out, size_t n) {
    while (n > 0) {
      ssize_t got = recv(fd, out, n, 0);
      if (got <= 0) return false;
      {
        std::lock_guard lock(mutex_);
        received_.append(out, static_cast<size_t>(got));
      }
      out += got;
      n -= static_cast<size_t>(got);
    }
    return true;
  }
  // One packet: its payload and sequence number; false when the client went away.
  bool read_packet(int fd, std::string& payload, uint8_t& sequence) {
    char header[4];
    if (!read_exact(fd, header, 4)) return false;
    const size_t length = static_cast<uint8_t>(header[0]) | static_cast<uint8_t>(header[1]) << 8 |
                          static_cast<size_t>(static_cast<uint8_t>(header[2])) << 16;
    sequence = static_cast<uint8_t>(header[3]);
    payload.assign(length, '\0');
    return length == 0 || read_exact(fd, payload.data(), length);
  }
  static void send_packet(int fd, const std::string& payload, uint8_t sequence) {
    std::string packet;
    packet += static_cast<char>(payload.size() & 0xff);
    packet += static_cast<char>((payload.size() >> 8) & 0xff);
    packet += static_cast<char>((payload.size() >> 16) & 0xff);
    packet += static_cast<char>(sequence);
    packet += payload;
    (void)!send(fd, packet.data(), packet.size(), MSG_NOSIGNAL);
  }
  static std::string ok_packet() { return std::string("\x00\x00\x00\x02\x00\x00\x00", 7); }

  void converse(int fd) {
    // Protocol 10 handshake offering LOCAL INFILE (CLIENT_LOCAL_FILES) and mysql_native_password; no TLS.
    const uint32_t capabilities = 0x1 | 0x2 | 0x4 | 0x8 | 0x80 | 0x200 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x80000;
    std::string hello;
    hello += '\x0a';
    hello += std::string("5.5.5-10.11.99-MariaDB-fake") + '\0';
    hello += std::string("\x07\x00\x00\x00", 4);  // connection id
    hello += "abcdefgh";
    hello += '\0';
    hello += static_cast<char>(capabilities & 0xff);
    hello += static_cast<char>((capabilities >> 8) & 0xff);
    hello += '\x2d';                      // utf8mb4_general_ci
    hello += std::string("\x02\x00", 2);  // autocommit
    hello += static_cast<char>((capabilities >> 16) & 0xff);
    hello += static_cast<char>((capabilities >> 24) & 0xff);
    hello += '\x15';  // 21 bytes of scramble
    hello += std::string(10, '\0');
    hello += std::string("ijklmnopqrst") + '\0';
    hello += std::string("mysql_native_password") + '\0';
    send_packet(fd, hello, 0);

    std::string payload;
    uint8_t sequence = 0;
    if (!read_packet(fd, payload, sequence)) return;  // the login request; any password will do
    send_packet(fd, ok_packet(), static_cast<uint8_t>(sequence + 1));

    while (read_packet(fd, payload, sequence)) {
      if (payload.empty() || payload[0] == '\x01') return;  // COM_QUIT
      if (payload[0] != '\x03') {                           // not a query: say OK
        send_packet(fd, ok_packet(), static_cast<uint8_t>(sequence + 1));
        continue;
      }
      // Whatever the query: "send me this file".
      ++infile_requests_;
      send_packet(fd, '\xfb' + infile_path_, static_cast<uint8_t>(sequence + 1));
      // The client answers with the file's packets and an empty one (or only the empty one when it refuses).
      do {
        if (!read_packet(fd, payload, sequence)) return;
      } while (!payload.empty());
      send_packet(fd, std::string("\xff\x51\x04", 3) + "#HY000fake server: no more",
                  static_cast<uint8_t>(sequence + 1));
    }
  }

  std::string infile_path_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::string received_;
  std::atomic<int> infile_requests_{0};
};

void send_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
    if (sent <= 0) return;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
}

std::string packet(const std::string& payload, uint8_t sequence) {
  std::string out;
  out += static_cast<char>(payload.size() & 0xff);
  out += static_cast<char>((payload.size() >> 8) & 0xff);
  out += static_cast<char>((payload.size() >> 16) & 0xff);
  out += static_cast<char>(sequence);
  return out + payload;
}

// Relays connections to the real server. A query starting with LOAD DATA LOCAL INFILE never reaches it: the
// proxy answers with a request for `answer_path`, swallows what the client sends back, and ends the statement
// with an error.
class InterceptingProxy {
 public:
  InterceptingProxy(std::string upstream_host, int upstream_port, std::string answer_path)
      : upstream_host_(std::move(upstream_host)), upstream_port_(upstream_port), answer_path_(std::move(answer_path)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(listener_, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { serve(); });
  }
  ~InterceptingProxy() {
    stop_ = true;
    acceptor_.join();
    for (auto& relay : relays_) relay.join();
    close(listener_);
  }
  int port() const { return port_; }
  std::string received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  int intercepted() const { return intercepted_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd ready{listener_, POLLIN, 0};
      if (poll(&ready, 1, 100) <= 0) continue;
      int client = accept(listener_, nullptr, nullptr);
      if (client >= 0) relays_.emplace_back([this, client] { relay(client); });
    }
  }

  int connect_upstream() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(upstream_host_.c_str(), std::to_string(upstream_port_).c_str(), &hints, &found) != 0) return -1;
    int fd = socket(found->ai_family, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
    freeaddrinfo(found);
    return fd;
  }

  void relay(int client) {
    int server = connect_upstream();
    std::string pending;        // client bytes not yet forwarded (an incomplete packet)
    bool intercepting = false;  // swallowing the client's answer to our file request
    char buffer[65536];
    while (!stop_ && server >= 0) {
      pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (poll(fds, 2, 100) <= 0) continue;
      if (fds[1].revents != 0) {
        ssize_t got = recv(server, buffer, sizeof buffer, 0);
        if (got <= 0) break;
        send_all(client, buffer, static_cast<size_t>(got));
      }
      if (fds[0].revents != 0) {
        ssize_t got = recv(client, buffer, sizeof buffer, 0);
        if (got <= 0) break;
        {
          std::lock_guard lock(mutex_);
          received_.append(buffer, static_cast<size_t>(got));
        }
        pending.append(buffer, static_cast<size_t>(got));
        while (pending.size() >= 4) {
          const size_t length = static_cast<uint8_t>(pending[0]) | static_cast<uint8_t>(pending[1]) << 8 |
                                static_cast<size_t>(static_cast<uint8_t>(pending[2])) << 16;
          if (pending.size() < 4 + length) break;
          const uint8_t sequence = static_cast<uint8_t>(pending[3]);
          const std::string payload = pending.substr(4, length);
          const std::string whole = pending.substr(0, 4 + length);
          pending.erase(0, 4 + length);
          if (intercepting) {
            if (payload.empty()) {  // the end of what the client sent for the file
              const std::string error =
                  packet(std::string("\xff\x51\x04", 3) + "#HY000proxy: refused", static_cast<uint8_t>(sequence + 1));
              send_all(client, error.data(), error.size());
              intercepting = false;
            }
            continue;
          }
          if (sequence == 0 && payload.size() > 1 && payload[0] == '\x03' &&
              payload.compare(1, 22, "LOAD DATA LOCAL INFILE") == 0) {
            ++intercepted_;
            const std::string request = packet('\xfb' + answer_path_, 1);
            send_all(client, request.data(), request.size());
            intercepting = true;
            continue;
          }
          send_all(server, whole.data(), whole.size());
        }
      }
    }
    if (server >= 0) close(server);
    close(client);
  }

  std::string upstream_host_;
  int upstream_port_;
  std::string answer_path_;
  int listener_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> relays_;  // only the acceptor adds to it; joined after it
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::string received_;
  std::atomic<int> intercepted_{0};
};

struct Rogue {
  mageio::test::TempDir dir;
  std::string canary_text = "CANARY-" + unique_name("secret");
  std::string canary = (dir / "canary.txt").string();
  std::string config = (dir / "io_config.yaml").string();
  std::unique_ptr<FakeServer> server;

  Rogue() {
    mageio::test::write_file(canary, canary_text + "\n");
    server = std::make_unique<FakeServer>(canary);
    mageio::test::write_file(
        config, "version: 0.1.1\ndefault:\n  MYSQL_HOST: 127.0.0.1\n  MYSQL_PORT: " + std::to_string(server->port()) +
                    "\n  MYSQL_USER: mallory\n  MYSQL_PASSWORD: pw\n  MYSQL_DATABASE: db\n"
                    "  MYSQL_ALLOW_LOCAL_INFILE: true\n");
  }
};

}  // namespace

TEST_CASE("a rogue server's LOCAL INFILE request never reads a local file during load") {
  Rogue rogue;
  auto result = run_cli({"load", "mysql", "--query", "select 1", "--format", "csv", "--config", rogue.config});
  CAPTURE(result.err);
  CHECK(result.exit_code != 0);  // the fake server answers nothing useful
  CHECK(rogue.server->infile_requests() >= 1);
  CHECK(rogue.server->received().find(rogue.canary_text) == std::string::npos);
}

TEST_CASE("a rogue server's LOCAL INFILE request never reads a local file during an export") {
  Rogue rogue;
  const std::string csv = (rogue.dir / "rows.csv").string();
  mageio::test::write_file(csv, "id,label\n1,one\n2,two\n");
  auto result = run_cli({"export", "mysql", "--input", csv, "--table", "t", "--config", rogue.config});
  CAPTURE(result.err);
  CHECK(result.exit_code != 0);
  CHECK(rogue.server->infile_requests() >= 1);
  CHECK(rogue.server->received().find(rogue.canary_text) == std::string::npos);
}

TEST_CASE("a man in the middle answering the export's own LOAD DATA with another file gets nothing") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  mageio::test::TempDir dir;
  const std::string canary_text = "CANARY-" + unique_name("ssh_key");
  const std::string canary = (dir / "id_rsa").string();
  mageio::test::write_file(canary, canary_text + "\n");
  InterceptingProxy proxy(s->host, std::stoi(s->port), canary);
  const std::string config = (dir / "io_config.yaml").string();
  mageio::test::write_file(
      config, "version: 0.1.1\ndefault:\n  MYSQL_HOST: 127.0.0.1\n  MYSQL_PORT: " + std::to_string(proxy.port()) +
                  "\n  MYSQL_USER: " + s->user +
                  "\n  MYSQL_PASSWORD: \"{{ env_var('MAGEIO_TEST_MYSQL_PASSWORD') }}\"\n"
                  "  MYSQL_DATABASE: " +
                  s->database + "\n  MYSQL_ALLOW_LOCAL_INFILE: true\n  MYSQL_SSL_MODE: DISABLED\n");
  const std::string csv = (dir / "rows.csv").string();
  mageio::test::write_file(csv, "id,name\n1,one\n2,two\n");
  // Append loads the target itself; replace loads a staging table first.
  for (std::string mode : {"append", "replace"}) {
    CAPTURE(mode);
    const std::string table = unique_name("mitm");
    DropTable drop{*db, table};
    exec(*db, "CREATE TABLE " + q(table) + " (id BIGINT, name VARCHAR(64))");
    exec(*db, "INSERT INTO " + q(table) + " VALUES (-1, 'already here')");
    const int before = proxy.intercepted();
    auto result = run_cli({"export", "mysql", "--input", csv, "--table", table, "--if-exists", mode, "--column-type",
                           "id=int64", "--option", "method=load_data", "--config", config});
    CAPTURE(result.err);
    CHECK(result.exit_code != 0);
    CHECK(proxy.intercepted() == before + 1);
    CHECK(proxy.received().find(canary_text) == std::string::npos);
    CHECK(result.err.find("the server asked for the file '" + canary + "', which this export did not offer; refused") !=
          std::string::npos);
    CHECK(query(*db, "SELECT id, name FROM " + q(table)) ==
          std::vector<std::vector<std::string>>{{"-1", "already here"}});
    CHECK(leftovers(*db, table).empty());
  }
}
