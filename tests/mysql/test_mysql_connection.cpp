// The mysql plugin's connection handling and statements against a real MariaDB, through the real host:
// configuration (flat, nested Mage section, unix socket, TLS modes), error statuses for bad credentials,
// unknown databases and unreachable servers (never with the password), execute / execute_queries /
// alter_table / table_exists / sample, the one-open-stream rule, a connection killed mid-load, and
// cancellation of a running statement.
#include "mysql_test_support.hpp"

#include <mageio/core/io_config.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

using namespace mytest;
using Rows = std::vector<std::vector<std::string>>;

namespace {

// A TCP port on 127.0.0.1 that nobody listens on (bound, then closed).
int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

boost::json::object with(boost::json::object config,
                         std::initializer_list<std::pair<std::string, std::string>> changes) {
  for (const auto& [key, value] : changes) {
    if (value.empty())
      config.erase(key);
    else
      config[key] = value;
  }
  return config;
}

}  // namespace

TEST_CASE("connects with flat keys, through the unix socket, and from Mage's nested MySQL section") {
  auto s = server();
  if (!s) return;
  CHECK(scalar(*open(*s), "SELECT DATABASE()") == s->database);
  auto socket = open(with(config(*s), {{"MYSQL_HOST", ""}, {"MYSQL_PORT", ""}, {"MYSQL_UNIX_SOCKET", s->socket}}));
  CHECK(scalar(*socket, "SELECT @@session.time_zone") == "+00:00");

  const std::string yaml = "version: 0.1.1\ndefault:\n  MySQL:\n    database: " + s->database +
                           "\n    host: " + s->host + "\n    port: " + s->port + "\n    user: " + s->user +
                           "\n    password: \"{{ env_var('MAGEIO_TEST_MYSQL_PASSWORD') }}\"\n";
  auto io_config = mageio::IoConfig::parse(yaml, "nested.yaml");
  mageio::Registry registry = mageio::test::bundled_registry();
  auto nested = mageio::open_connector(registry, "mysql", io_config.profile("default"));
  CHECK(scalar(*nested, "SELECT CURRENT_USER() LIKE 'mageio@%'") == "1");

  const auto& schema = plugin()->config_schema();
  CHECK(schema.section == "MySQL");
  std::vector<std::string> names;
  for (const auto& key : schema.keys) {
    names.push_back(key.name);
    if (key.name == "MYSQL_PASSWORD") CHECK(key.secret);
  }
  for (const char* name : {"MYSQL_HOST", "MYSQL_PORT", "MYSQL_DATABASE", "MYSQL_USER", "MYSQL_PASSWORD",
                           "MYSQL_ALLOW_LOCAL_INFILE", "MYSQL_CONNECT_TIMEOUT", "MYSQL_UNIX_SOCKET", "MYSQL_SSL_MODE",
                           "MYSQL_SSL_CA", "MYSQL_SSL_CERT", "MYSQL_SSL_KEY"})
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
}

TEST_CASE("bad credentials are UNAUTHENTICATED with 1045/28000, and no message shows the password") {
  auto s = server();
  if (!s) return;
  const std::string wrong = "Wr0ng-Pa55word-for-test";
  auto error = error_of([&] { open(with(config(*s), {{"MYSQL_PASSWORD", wrong}})); });
  CHECK(error.status() == MAGEIO_STATUS_UNAUTHENTICATED);
  CHECK(error.vendor_code() == 1045);
  CHECK(error.sqlstate() == "28000");
  const std::string message = error.what();
  CHECK(message.find("Access denied") != std::string::npos);
  CHECK(message.find("mageio@" + s->host + ":" + s->port) != std::string::npos);
  CHECK(message.find(wrong) == std::string::npos);
  CHECK(message.find(s->password) == std::string::npos);

  auto unknown_user = error_of([&] { open(with(config(*s), {{"MYSQL_USER", "nobody_here"}})); });
  CHECK(unknown_user.status() == MAGEIO_STATUS_UNAUTHENTICATED);
  CHECK(std::string(unknown_user.what()).find(s->password) == std::string::npos);
}

TEST_CASE("an unknown database is NOT_FOUND (1049); an unreachable server is UNAVAILABLE") {
  auto s = server();
  if (!s) return;
  auto database = error_of([&] { open(with(config(*s), {{"MYSQL_DATABASE", "no_such_database_xyz"}})); });
  CHECK(database.status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(database.vendor_code() == 1049);
  CHECK(std::string(database.what()).find("no_such_database_xyz") != std::string::npos);

  auto refused = error_of([&] { open(with(config(*s), {{"MYSQL_PORT", std::to_string(closed_port())}})); });
  CHECK(refused.status() == MAGEIO_STATUS_UNAVAILABLE);
  CHECK((refused.vendor_code() == 2002 || refused.vendor_code() == 2003));
  CHECK(std::string(refused.what()).find(s->password) == std::string::npos);

  auto host = error_of([&] {
    open(with(config(*s), {{"MYSQL_HOST", "no-such-host.invalid"}, {"MYSQL_CONNECT_TIMEOUT", "3"}}));
  });
  CHECK(host.status() == MAGEIO_STATUS_UNAVAILABLE);

  auto socket = error_of([&] {
    open(with(config(*s), {{"MYSQL_UNIX_SOCKET", "/nonexistent/mysqld.sock"}, {"MYSQL_HOST", ""}}));
  });
  CHECK(socket.status() == MAGEIO_STATUS_UNAVAILABLE);
}

TEST_CASE("configuration mistakes are INVALID_ARGUMENT naming the key") {
  auto s = server();
  if (!s) return;
  auto expect = [&](boost::json::object cfg, const std::string& text) {
    auto error = error_of([&] { open(cfg); });
    CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
    CHECK(std::string(error.what()).find(text) != std::string::npos);
  };
  expect(with(config(*s), {{"MYSQL_HOST", ""}}), "MYSQL_HOST");
  expect(with(config(*s), {{"MYSQL_PORT", "70000"}}), "MYSQL_PORT");
  expect(with(config(*s), {{"MYSQL_PORT", "abc"}}), "MYSQL_PORT");
  expect(with(config(*s), {{"MYSQL_SSL_MODE", "SOMETIMES"}}), "MYSQL_SSL_MODE");
  expect(with(config(*s), {{"MYSQL_SSL_MODE", "VERIFY_CA"}}), "MYSQL_SSL_CA");
  expect(with(config(*s), {{"MYSQL_SSL_MODE", "DISABLED"}, {"MYSQL_SSL_CA", "/tmp/ca.pem"}}), "DISABLED");
  expect(with(config(*s), {{"MYSQL_SSL_CERT", "/tmp/c.pem"}}), "MYSQL_SSL_KEY");
  expect(with(config(*s), {{"MYSQL_NOT_A_KEY", "1"}}), "MYSQL_NOT_A_KEY");
}

TEST_CASE("MYSQL_SSL_MODE: REQUIRED refuses a server without TLS; PREFERRED and DISABLED connect") {
  auto s = server();
  if (!s) return;
  auto error = error_of([&] { open(with(config(*s), {{"MYSQL_SSL_MODE", "REQUIRED"}})); });
  CHECK(error.status() == MAGEIO_STATUS_UNAVAILABLE);
  CHECK(std::string(error.what()).find("did not negotiate TLS") != std::string::npos);
  CHECK(scalar(*open(with(config(*s), {{"MYSQL_SSL_MODE", "preferred"}})), "SELECT 1") == "1");
  // A CA given makes the default mode verify the server: no plaintext fallback (the test server has no TLS).
  mageio::test::TempDir dir;
  mageio::test::write_file(dir / "ca.pem", "not read: the server offers no TLS\n");
  for (const char* mode : {"", "PREFERRED", "REQUIRED"}) {
    CAPTURE(mode);
    auto cfg = with(config(*s), {{"MYSQL_SSL_CA", (dir / "ca.pem").string()}});
    if (*mode != '\0') cfg["MYSQL_SSL_MODE"] = mode;
    auto refused = error_of([&] { open(cfg); });
    CHECK(refused.status() == MAGEIO_STATUS_UNAVAILABLE);
    CHECK(std::string(refused.what()).find("did not negotiate TLS") != std::string::npos);
  }
  CHECK(scalar(*open(with(config(*s), {{"MYSQL_SSL_MODE", "DISABLED"}})), "SELECT 1") == "1");
}

TEST_CASE("execute returns affected rows or a stream, and shares its session with load") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("exec");
  DropTable drop{*db, table};
  CHECK(exec(*db, "CREATE TABLE " + q(table) + " (id INT PRIMARY KEY, name VARCHAR(10))") == -1);
  CHECK(exec(*db, "INSERT INTO " + q(table) + " VALUES (1, 'a'), (2, 'b'), (3, 'c');") == 3);
  CHECK(exec(*db, "UPDATE " + q(table) + " SET name = 'z' WHERE id >= 2") == 2);
  CHECK(query(*db, "SELECT id, name FROM " + q(table) + " ORDER BY id") == Rows{{"1", "a"}, {"2", "z"}, {"3", "z"}});
  exec(*db, "SET @mageio_x := 41");
  CHECK(load_text(*db, {.query = "SELECT @mageio_x + 1 AS answer"}) == Rows{{"42"}});
  exec(*db, "CREATE TEMPORARY TABLE " + q(table + "_tmp") + " AS SELECT 7 AS seven");
  CHECK(load_text(*db, {.query = "SELECT seven FROM " + q(table + "_tmp")}) == Rows{{"7"}});

  auto syntax = error_of([&] { db->execute("SELEC nothing"); });
  CHECK(syntax.status() == MAGEIO_STATUS_BACKEND);
  CHECK(syntax.vendor_code() == 1064);
  CHECK(syntax.sqlstate() == "42000");
  auto missing = error_of([&] { db->execute("SELECT * FROM no_such_table_here"); });
  CHECK(missing.status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(missing.vendor_code() == 1146);
  auto not_rows = error_of([&] { db->load({.query = "DELETE FROM " + q(table) + " WHERE id = 99"}); });
  CHECK(not_rows.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(not_rows.what()).find("returned no result set") != std::string::npos);
}

TEST_CASE("execute_queries is one transaction, and says which statements DDL committed") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("batch");
  const std::string created = unique_name("batch_ddl");
  DropTable drop{*db, table}, drop2{*db, created};
  exec(*db, "CREATE TABLE " + q(table) + " (id INT PRIMARY KEY)");
  CHECK(db->execute_queries({"INSERT INTO " + q(table) + " VALUES (1), (2)", "UPDATE " + q(table) + " SET id = id + 10",
                             "SELECT * FROM " + q(table)}) == 4);
  CHECK(scalar(*db, "SELECT GROUP_CONCAT(id ORDER BY id) FROM " + q(table)) == "11,12");

  auto error = error_of([&] {
    db->execute_queries({"INSERT INTO " + q(table) + " VALUES (3)", "INSERT INTO " + q(table) + " VALUES (11)",
                         "INSERT INTO " + q(table) + " VALUES (4)"});
  });
  CHECK(error.status() == MAGEIO_STATUS_BACKEND);
  CHECK(error.vendor_code() == 1062);
  CHECK(std::string(error.what()).find("statement 2 of 3 failed") != std::string::npos);
  CHECK(std::string(error.what()).find("every earlier statement was rolled back") != std::string::npos);
  CHECK(scalar(*db, "SELECT GROUP_CONCAT(id ORDER BY id) FROM " + q(table)) == "11,12");

  // DDL commits implicitly: statement 1 is committed by statement 2, whatever fails later.
  auto ddl = error_of([&] {
    db->execute_queries({"INSERT INTO " + q(table) + " VALUES (5)", "CREATE TABLE " + q(created) + " (x INT)",
                         "INSERT INTO " + q(table) + " VALUES (6)", "INSERT INTO no_such_table_xyz VALUES (1)"});
  });
  CHECK(ddl.status() == MAGEIO_STATUS_NOT_FOUND);
  const std::string message = ddl.what();
  CHECK(message.find("statement 4 of 4 failed") != std::string::npos);
  CHECK(message.find("MySQL commits DDL implicitly") != std::string::npos);
  CHECK(message.find("statements 1 to 2 were committed and could not be rolled back") != std::string::npos);
  CHECK(message.find("statements 3 to 3 were rolled back") != std::string::npos);
  CHECK(scalar(*db, "SELECT GROUP_CONCAT(id ORDER BY id) FROM " + q(table)) == "5,11,12");
  CHECK(db->table_exists(created));

  // A row-returning statement failing after 99999 of its rows (which execute_queries discards) fails the
  // batch like any other statement, although the connector's row reading ends silently on it.
  auto midway = error_of([&] {
    db->execute_queries({"INSERT INTO " + q(table) + " VALUES (7)",
                         "SELECT IF(seq < 100000, seq, (SELECT seq UNION ALL SELECT seq + 1)) FROM seq_1_to_200000",
                         "INSERT INTO " + q(table) + " VALUES (8)"});
  });
  CHECK(midway.sqlstate() == "21000");
  CHECK(midway.vendor_code() == 1242);
  CHECK(std::string(midway.what()).find("statement 2 of 3 failed") != std::string::npos);
  CHECK(scalar(*db, "SELECT GROUP_CONCAT(id ORDER BY id) FROM " + q(table)) == "5,11,12");
  // The server still holds that error for table-less statements (SELECT 1): it is not taken for theirs.
  CHECK_NOTHROW(db->execute_queries({"SELECT 1", "INSERT INTO " + q(table) + " VALUES (9)"}));
  CHECK(scalar(*db, "SELECT GROUP_CONCAT(id ORDER BY id) FROM " + q(table)) == "5,9,11,12");

  auto control = error_of([&] { db->execute_queries({"BEGIN", "INSERT INTO " + q(table) + " VALUES (7)", "COMMIT"}); });
  CHECK(control.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(control.what()).find("statement 1 of 3") != std::string::npos);
}

TEST_CASE("alter_table adds, drops, renames and retypes columns") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("alter");
  DropTable drop{*db, table};
  exec(*db, "CREATE TABLE " + q(table) + " (id INT NOT NULL, name VARCHAR(10))");
  db->alter_table({.table = table, .action = mageio::AlterAction::AddColumn, .column = "price", .type = "float64"});
  db->alter_table(
      {.table = table, .action = mageio::AlterAction::AddColumn, .column = "amount", .type = "decimal128(12, 2)"});
  db->alter_table(
      {.table = table, .action = mageio::AlterAction::AddColumn, .column = "seen", .type = "timestamp[us]"});
  db->alter_table({.table = table, .action = mageio::AlterAction::DropColumn, .column = "name"});
  db->alter_table(
      {.table = table, .action = mageio::AlterAction::RenameColumn, .column = "price", .new_name = "unit price"});
  db->alter_table({.table = table, .action = mageio::AlterAction::AlterColumnType, .column = "id", .type = "int64"});
  CHECK(column_types(*db, table) == std::vector<std::string>{"bigint(20)", "double", "decimal(12,2)", "datetime(6)"});
  CHECK(query(*db,
              "SELECT COLUMN_NAME, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = " +
                  lit(table) + " ORDER BY ORDINAL_POSITION") ==
        Rows{{"id", "NO"}, {"unit price", "YES"}, {"amount", "YES"}, {"seen", "YES"}});

  CHECK(error_of([&] {
          db->alter_table({.table = table, .action = mageio::AlterAction::DropColumn, .column = "nope"});
        }).status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(error_of([&] {
          db->alter_table({.table = table, .action = mageio::AlterAction::AddColumn, .column = "ID", .type = "utf8"});
        }).status() == MAGEIO_STATUS_ALREADY_EXISTS);
  CHECK(error_of([&] {
          db->alter_table(
              {.table = table, .action = mageio::AlterAction::RenameColumn, .column = "id", .new_name = "amount"});
        }).status() == MAGEIO_STATUS_ALREADY_EXISTS);
  CHECK(error_of([&] {
          db->alter_table({.table = "no_such_table_q", .action = mageio::AlterAction::DropColumn, .column = "x"});
        }).status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(error_of([&] {
          db->alter_table({.table = table, .action = mageio::AlterAction::AddColumn, .column = "x", .type = "varchar"});
        }).status() == MAGEIO_STATUS_INVALID_ARGUMENT);
}

TEST_CASE("table_exists asks information_schema: schemas, case, views") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("Exists");
  DropTable drop{*db, table}, drop_view{*db, table + "_v"};
  CHECK_FALSE(db->table_exists(table));
  exec(*db, "CREATE TABLE " + q(table) + " (x INT)");
  CHECK(db->table_exists(table));
  CHECK(db->table_exists(table, s->database));
  CHECK_FALSE(db->table_exists(table, "information_schema"));
  CHECK_FALSE(db->table_exists(table, "no_such_db_at_all"));
  if (scalar(*db, "SELECT @@lower_case_table_names") == "0") {
    std::string lower = table;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    CHECK_FALSE(db->table_exists(lower));  // case-sensitive names: 'exists_...' is another table
  }
  exec(*db, "DROP VIEW IF EXISTS " + q(table + "_v"));
  exec(*db, "CREATE VIEW " + q(table + "_v") + " AS SELECT x FROM " + q(table));
  CHECK(db->table_exists(table + "_v"));
  exec(*db, "DROP VIEW " + q(table + "_v"));
  CHECK(db->table_exists("it's a 'quoted' name; --") == false);
}

TEST_CASE("sample and limit: the first rows, in the query's order, without reading the rest") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("sample");
  DropTable drop{*db, table};
  exec(*db, "CREATE TABLE " + q(table) + " (id INT PRIMARY KEY, v INT)");
  fill_numbers(*db, table, "id, v", "n, n * 2", 100000);
  auto sample = db->sample(table, "", 5);
  CHECK(mageio::test::read_all_text(sample).size() == 5);
  CHECK(load_text(*db, {.query = "SELECT id FROM " + q(table) + " ORDER BY id DESC", .limit = 3}) ==
        Rows{{"100000"}, {"99999"}, {"99998"}});
  auto none = db->load({.table = table, .limit = 0});
  CHECK(none.schema().size() == 2);
  CHECK(mageio::test::read_all_text(none).empty());
  // The limit stopped a 100k-row query early; the connection is ready for the next statement.
  CHECK(scalar(*db, "SELECT COUNT(*) FROM " + q(table)) == "100000");
  // Also when the server had already sent everything: the KILL QUERY that stops the rest must not hit the
  // statement after it.
  for (int i = 0; i < 20; ++i) {
    CAPTURE(i);
    CHECK(load_text(*db, {.query = "SELECT id FROM " + q(table) + " WHERE id <= 3 ORDER BY id", .limit = 1}) ==
          Rows{{"1"}});
    CHECK(scalar(*db, "SELECT COUNT(*) FROM " + q(table) + " WHERE id <= 3") == "3");
  }
}

TEST_CASE("one result stream at a time; releasing a big stream early is quick") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("busy");
  DropTable drop{*db, table};
  exec(*db, "CREATE TABLE " + q(table) + " (id INT PRIMARY KEY, pad VARCHAR(100))");
  fill_numbers(*db, table, "id, pad", "n, REPEAT('x', 100)", 300000);
  {
    auto reader = db->load({.table = table, .batch_rows = 1000});
    sdk::OwnedArray batch;
    REQUIRE(reader.next(batch));
    auto error = error_of([&] { db->table_exists(table); });
    CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
    CHECK(std::string(error.what()).find("result stream from this connection is still open") != std::string::npos);
    const auto start = std::chrono::steady_clock::now();
    batch.reset();
    { auto gone = std::move(reader); }
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  }
  CHECK(db->table_exists(table));
  CHECK(scalar(*db, "SELECT COUNT(*) FROM " + q(table)) == "300000");
}

TEST_CASE("a connection killed mid-load fails the stream cleanly; the next call reconnects") {
  auto s = server();
  if (!s) return;
  LogCapture log;
  auto db = open(*s, log.host);
  auto killer = open(*s);
  const std::string table = unique_name("killed");
  DropTable drop{*killer, table};
  exec(*db, "CREATE TABLE " + q(table) + " (id INT PRIMARY KEY, pad VARCHAR(200))");
  fill_numbers(*db, table, "id, pad", "n, REPEAT('y', 200)", 300000);
  const std::string id = scalar(*db, "SELECT CONNECTION_ID()");

  auto reader = db->load({.table = table, .batch_rows = 1000});
  sdk::OwnedArray batch;
  REQUIRE(reader.next(batch));
  exec(*killer, "KILL " + id);
  auto error = error_of([&] {
    while (reader.next(batch)) {
    }
  });
  // A stream can only report an errno (EIO) through the C ABI; the host calls that IO. The message says
  // what happened.
  CHECK((error.status() == MAGEIO_STATUS_IO || error.status() == MAGEIO_STATUS_UNAVAILABLE));
  const std::string message = error.what();
  CHECK(message.find("the connection is gone") != std::string::npos);
  CHECK((message.find("error 2013") != std::string::npos || message.find("error 1927") != std::string::npos ||
         message.find("error 2006") != std::string::npos));
  { auto gone = std::move(reader); }

  CHECK(scalar(*db, "SELECT COUNT(*) FROM " + q(table)) == "300000");
  CHECK(scalar(*db, "SELECT CONNECTION_ID()") != id);
  CHECK(log.contains(MAGEIO_LOG_WARNING, "was lost; reconnecting"));
  CHECK(scalar(*db, "SELECT @@session.time_zone") == "+00:00");
}

// A statement that fails after 99999 rows were streamed (a scalar subquery returning two rows, error
// 1242): the host gets MariaDB's SQLSTATE and error number through the stream (ABI 1.1 stream_error),
// in process and isolated.
TEST_CASE("a load failing mid-stream keeps its SQLSTATE and vendor code, isolated or not") {
  auto s = server();
  if (!s) return;
  for (bool isolate : {false, true}) {
    CAPTURE(isolate);
    auto db = plugin()->open(config(*s), nullptr, {}, mageio::OpenOptions{.isolate = isolate});
    auto reader = db->load(
        {.query = "SELECT IF(seq < 100000, seq, (SELECT seq UNION ALL SELECT seq + 1)) AS x FROM seq_1_to_200000",
         .batch_rows = 1000});
    sdk::OwnedArray batch;
    REQUIRE(reader.next(batch));
    int64_t rows = batch.array.length;
    auto error = error_of([&] {
      while (reader.next(batch)) rows += batch.array.length;
    });
    INFO(error.what());
    CHECK(rows >= 1000);
    CHECK(rows < 100000);
    CHECK(error.sqlstate() == "21000");
    CHECK(error.vendor_code() == 1242);
    CHECK(std::string(error.what()).find("mysql load failed while reading a batch") != std::string::npos);
    CHECK(std::string(error.what()).find("SQLSTATE 21000") != std::string::npos);
    { auto gone = std::move(reader); }
    CHECK(scalar(*db, "SELECT 1") == "1");  // the connection is usable again
  }
}

TEST_CASE("cancelling kills a running statement and a running load") {
  auto s = server();
  if (!s) return;
  auto host = std::make_shared<mageio::HostCallbacks>();
  auto db = open(*s, host);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    host->cancel_requested = true;
  });
  const auto start = std::chrono::steady_clock::now();
  auto error = error_of([&] {
    auto outcome = db->execute("SELECT SLEEP(30) AS slept, COUNT(*) FROM information_schema.COLLATIONS");
    if (outcome.rows) mageio::test::read_all_text(*outcome.rows);
  });
  canceller.join();
  CHECK(error.status() == MAGEIO_STATUS_CANCELLED);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  host->cancel_requested = false;
  CHECK(scalar(*db, "SELECT 1") == "1");

  const std::string table = unique_name("cancel_load");
  DropTable drop{*db, table};
  exec(*db, "CREATE TABLE " + q(table) + " (id INT PRIMARY KEY)");
  fill_numbers(*db, table, "id", "n", 50000);
  auto reader = db->load({.table = table, .batch_rows = 1000});
  sdk::OwnedArray batch;
  REQUIRE(reader.next(batch));
  host->cancel_requested = true;
  auto cancelled = error_of([&] {
    while (reader.next(batch)) {
    }
  });
  CHECK(cancelled.status() == MAGEIO_STATUS_CANCELLED);
  { auto gone = std::move(reader); }
  host->cancel_requested = false;
  CHECK(scalar(*db, "SELECT COUNT(*) FROM " + q(table)) == "50000");
}
