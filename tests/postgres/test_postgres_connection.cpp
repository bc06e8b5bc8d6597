// Connecting and losing the connection: bad credentials, unknown database, unreachable port, extra
// libpq parameters, Mage's nested config section, a backend terminated mid-load, and cancellation
// through HostCallbacks::cancel_requested.
#include "pg_test_support.hpp"

#include <mageio/core/io_config.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

using namespace mageio;
using pgtest::q;
using Rows = std::vector<std::vector<std::string>>;

namespace {

// A TCP port on 127.0.0.1 nobody listens on (bound and released: refused right after).
std::string closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return std::to_string(ntohs(address.sin_port));
}

}  // namespace

TEST_CASE("postgres open: wrong password is UNAUTHENTICATED with 28P01 and never shows the password") {
  auto server = pgtest::server();
  if (!server) return;
  auto cfg = pgtest::config(*server);
  const std::string wrong = "Wr0ng-Pa55word-do-not-print";
  cfg["POSTGRES_PASSWORD"] = wrong;
  auto error = pgtest::error_of([&] { pgtest::open(cfg); });
  CHECK(error.status() == MAGEIO_STATUS_UNAUTHENTICATED);
  CHECK(error.sqlstate() == "28P01");
  const std::string message = error.what();
  CHECK(message.find("28P01") != std::string::npos);
  CHECK(message.find("password authentication failed") != std::string::npos);
  CHECK(message.find(wrong) == std::string::npos);
  CHECK(message.find(server->password) == std::string::npos);
}

TEST_CASE("postgres open: an unknown database is NOT_FOUND with 3D000") {
  auto server = pgtest::server();
  if (!server) return;
  auto cfg = pgtest::config(*server);
  cfg["POSTGRES_DBNAME"] = "no_such_database_" + pgtest::unique_name("db");
  auto error = pgtest::error_of([&] { pgtest::open(cfg); });
  CHECK(error.status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(error.sqlstate() == "3D000");
  CHECK(std::string(error.what()).find("does not exist") != std::string::npos);
  CHECK(std::string(error.what()).find(server->password) == std::string::npos);
}

TEST_CASE("postgres open: an unreachable port is UNAVAILABLE with 08001") {
  auto server = pgtest::server();
  if (!server) return;
  auto cfg = pgtest::config(*server);
  cfg["POSTGRES_PORT"] = closed_port();
  cfg["POSTGRES_CONNECT_TIMEOUT"] = "5";
  auto started = std::chrono::steady_clock::now();
  auto error = pgtest::error_of([&] { pgtest::open(cfg); });
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(error.status() == MAGEIO_STATUS_UNAVAILABLE);
  CHECK(error.sqlstate() == "08001");
  CHECK(std::string(error.what()).find("Connection refused") != std::string::npos);
  CHECK(std::string(error.what()).find(server->password) == std::string::npos);
}

TEST_CASE("postgres config: extra libpq parameters, the default schema and Mage's nested section") {
  auto server = pgtest::server();
  if (!server) return;
  const std::string app = pgtest::unique_name("mageio_app");
  auto cfg = pgtest::config(*server);
  cfg["POSTGRES_CONNECTION_PARAMS"] =
      "sslmode=disable application_name=" + app + " options='-c statement_timeout=12345'";
  auto db = pgtest::open(cfg);
  CHECK(pgtest::scalar(*db, "SHOW application_name") == app);
  CHECK(pgtest::scalar(*db, "SHOW statement_timeout") == "12345ms");
  CHECK(pgtest::scalar(*db, "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == "false");

  cfg["POSTGRES_CONNECTION_PARAMS"] = "application_name=" + app + "_q&connect_timeout=3";
  CHECK(pgtest::scalar(*pgtest::open(cfg), "SHOW application_name") == app + "_q");

  // The dedicated key wins over the same parameter in POSTGRES_CONNECTION_PARAMS.
  cfg["POSTGRES_CONNECTION_PARAMS"] = "port=1 dbname=nowhere";
  CHECK(pgtest::scalar(*pgtest::open(cfg), "SELECT current_database()") == server->dbname);

  // A malformed parameter string is INVALID_ARGUMENT and does not echo the password.
  cfg["POSTGRES_CONNECTION_PARAMS"] = "password=" + server->password + " sslmode";
  auto bad = pgtest::error_of([&] { pgtest::open(cfg); });
  CHECK(bad.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(bad.what()).find(server->password) == std::string::npos);

  // POSTGRES_SCHEMA is where unqualified tables go.
  const std::string schema = pgtest::unique_name("default_schema");
  pgtest::exec(*db, "CREATE SCHEMA " + q(schema));
  auto in_schema = pgtest::config(*server);
  in_schema["POSTGRES_SCHEMA"] = schema;
  auto scoped = pgtest::open(in_schema);
  sdk::Schema fields = {{"x", sdk::int32()}};
  auto input = pgtest::rows_stream(fields, 2, [](sdk::BatchBuilder& b, int64_t i) { b.column(0).append_int(i); });
  CHECK(scoped->export_data({.table = "t"}, input.get()) == 2);
  CHECK(scoped->table_exists("t"));
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(schema) + ".t") == "2");
  CHECK(pgtest::load_text(*scoped, {.table = "t"}).size() == 2);
  pgtest::exec(*db, "DROP SCHEMA " + q(schema) + " CASCADE");

  // Mage's nested form, read by the host from an io_config.yaml.
  auto io = IoConfig::parse("version: 0.1.1\ndefault:\n  PostgreSQL:\n    database: " + server->dbname +
                                "\n    host: " + server->host + "\n    port: " + server->port + "\n    user: " +
                                server->user + "\n    password: " + server->password + "\n    schema: public\n",
                            "io_config.yaml");
  auto nested = io.profile("default").config_for("postgres", pgtest::plugin()->config_schema());
  CHECK(pgtest::scalar(*pgtest::open(nested), "SELECT current_user") == server->user);
  auto secret =
      std::find_if(pgtest::plugin()->config_schema().keys.begin(), pgtest::plugin()->config_schema().keys.end(),
                   [](const auto& key) { return key.name == "POSTGRES_PASSWORD"; });
  REQUIRE(secret != pgtest::plugin()->config_schema().keys.end());
  CHECK(secret->secret);
  CHECK(pgtest::plugin()->config_schema().section == "PostgreSQL");
}

TEST_CASE("postgres load: a backend terminated mid-load fails cleanly as UNAVAILABLE (57P01), then reconnects") {
  auto server = pgtest::server();
  if (!server) return;
  const std::string app = pgtest::unique_name("victim");
  auto cfg = pgtest::config(*server);
  cfg["POSTGRES_CONNECTION_PARAMS"] = "application_name=" + app;
  auto db = pgtest::open(cfg);
  auto killer = pgtest::open(*server);

  auto reader = db->load(
      {.query = "SELECT g, repeat('x', 100) FROM (SELECT generate_series(1, 20000000) AS g) s", .batch_rows = 1000});
  sdk::OwnedArray batch;
  REQUIRE(reader.next(batch));
  CHECK(pgtest::scalar(
            *killer, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + app +
                         "'") == "1");
  std::string message;
  MageioStatus status = MAGEIO_STATUS_OK;
  try {
    while (reader.next(batch)) {
    }
  } catch (const Error& error) {
    message = error.what();
    status = error.status();
  }
  INFO(message);
  // The plugin fails the stream with UNAVAILABLE; it crosses the Arrow stream as ECONNRESET and the
  // SDK maps it back (sdk::errno_to_status). The SQLSTATE only travels in the text.
  CHECK(status == MAGEIO_STATUS_UNAVAILABLE);
  CHECK(message.find("UNAVAILABLE") != std::string::npos);
  // 57P01 when the server could still say why; when the backend was killed in the middle of sending a
  // row it cannot (it would corrupt the protocol), and the client only sees the connection close: 08006.
  const bool told = message.find("SQLSTATE 57P01") != std::string::npos &&
                    message.find("terminating connection") != std::string::npos;
  const bool lost = message.find("SQLSTATE 08006") != std::string::npos;
  CHECK((told || lost));
  // The next operation opens a fresh connection.
  CHECK(pgtest::scalar(*db, "SELECT 42") == "42");
}

TEST_CASE("postgres load: cancel_requested stops a running load promptly and the server stops too") {
  auto server = pgtest::server();
  if (!server) return;
  const std::string app = pgtest::unique_name("cancelled");
  auto cfg = pgtest::config(*server);
  cfg["POSTGRES_CONNECTION_PARAMS"] = "application_name=" + app;
  auto host = std::make_shared<HostCallbacks>();
  auto db = pgtest::open(cfg, host);
  auto observer = pgtest::open(*server);

  SUBCASE("between batches") {
    // generate_series in the select list streams; in FROM it would be materialized before the first row.
    auto reader = db->load(
        {.query = "SELECT g, md5(g::text) FROM (SELECT generate_series(1, 50000000) AS g) s", .batch_rows = 10000});
    sdk::OwnedArray batch;
    REQUIRE(reader.next(batch));
    host->cancel_requested = true;
    auto started = std::chrono::steady_clock::now();
    auto error = pgtest::error_of([&] {
      while (reader.next(batch)) {
      }
    });
    CHECK(error.status() == MAGEIO_STATUS_CANCELLED);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  }
  SUBCASE("while the server is still computing the first row") {
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      host->cancel_requested = true;
    });
    auto started = std::chrono::steady_clock::now();
    auto error = pgtest::error_of([&] {
      auto reader = db->load({.query = "SELECT pg_sleep(60), 1 AS x"});
      sdk::OwnedArray batch;
      while (reader.next(batch)) {
      }
    });
    canceller.join();
    CHECK(error.status() == MAGEIO_STATUS_CANCELLED);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  }
  SUBCASE("a long statement in execute_queries") {
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      host->cancel_requested = true;
    });
    auto error = pgtest::error_of([&] { db->execute_queries({"SELECT pg_sleep(60)"}); });
    canceller.join();
    CHECK(error.status() == MAGEIO_STATUS_CANCELLED);
  }
  // Nothing of ours is still running on the server, and the connector works again once the flag is
  // cleared.
  CHECK(pgtest::scalar(*observer, "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app +
                                      "' AND state = 'active'") == "0");
  host->cancel_requested = false;
  CHECK(pgtest::scalar(*db, "SELECT 7") == "7");
}

// A reader dropped before its end sends the server a cancel request, which travels on a connection of its
// own. When the statement had already ended, the request arrives late and cancels whatever the connection
// runs next: that connection must not be reused (it was, and the next statement failed with 57014).
TEST_CASE("postgres load: a reader dropped after the server finished does not cancel the next statement") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  for (int round = 0; round < 40; ++round) {
    CAPTURE(round);
    {
      auto reader = db->load({.query = "SELECT g FROM generate_series(1, 3) g", .batch_rows = 1});
      sdk::OwnedArray batch;
      REQUIRE(reader.next(batch));
    }  // dropped with rows unread: the COPY is abandoned with a cancel request
    CHECK(pgtest::scalar(*db, "SELECT pg_sleep(0.02)::text || 'ok'") == "ok");
  }
}

TEST_CASE("postgres config: POSTGRES_READ_TIMEOUT ends a statement the server is silent on, naming the server") {
  auto server = pgtest::server();
  if (!server) return;
  auto cfg = pgtest::config(*server);
  cfg["POSTGRES_READ_TIMEOUT"] = "1";
  auto db = pgtest::open(cfg);
  auto error = pgtest::error_of([&] { pgtest::exec(*db, "SELECT pg_sleep(30)"); });
  CHECK(error.status() == MAGEIO_STATUS_UNAVAILABLE);
  CHECK(error.sqlstate() == "08006");
  const std::string message = error.what();
  CHECK(message.find("POSTGRES_READ_TIMEOUT") != std::string::npos);
  CHECK(message.find(server->host + ":" + server->port) != std::string::npos);
  CHECK(message.find(server->password) == std::string::npos);
  // The closed connection is not reused: the next statement gets a new one.
  CHECK(pgtest::scalar(*db, "SELECT 1") == "1");

  cfg["POSTGRES_READ_TIMEOUT"] = "soon";
  auto bad = pgtest::error_of([&] { pgtest::open(cfg); });
  CHECK(bad.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(bad.what()).find("POSTGRES_READ_TIMEOUT") != std::string::npos);
}
