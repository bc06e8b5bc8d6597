// MariaDB <-> SQLite / CSV / PostgreSQL through the real CLI (`mageio copy`, `export`, `load`), with a
// Mage-style io_config.yaml: the rows that come back are the rows that went out.
#include "mysql_test_support.hpp"

#include <cstdlib>
#include <thread>

using namespace mytest;
using Rows = std::vector<std::vector<std::string>>;
using mageio::test::run_cli;

namespace {

struct Setup {
  Server server;
  mageio::test::TempDir dir;
  std::string config = (dir / "io_config.yaml").string();
  bool postgres = false;
};

// The io_config.yaml for the CLI: the MariaDB of the test servers, a private SQLite file, and PostgreSQL
// when its test server runs too.
std::unique_ptr<Setup> setup() {
  auto s = server();
  if (!s) return nullptr;
  auto out = std::make_unique<Setup>();
  out->server = *s;
  std::string yaml = "version: 0.1.1\ndefault:\n";
  yaml += "  MYSQL_HOST: " + s->host + "\n  MYSQL_PORT: " + s->port + "\n  MYSQL_USER: " + s->user +
          "\n  MYSQL_PASSWORD: \"{{ env_var('MAGEIO_TEST_MYSQL_PASSWORD') }}\"\n  MYSQL_DATABASE: " + s->database +
          "\n  MYSQL_ALLOW_LOCAL_INFILE: true\n";
  yaml += "  SQLITE_DATABASE: " + (out->dir / "copy.sqlite").string() + "\n";
  if (std::getenv("MAGEIO_TEST_PG_HOST") != nullptr) {
    out->postgres = true;
    yaml += std::string("  POSTGRES_HOST: ") + std::getenv("MAGEIO_TEST_PG_HOST") +
            "\n  POSTGRES_PORT: " + std::getenv("MAGEIO_TEST_PG_PORT") +
            "\n  POSTGRES_USER: " + std::getenv("MAGEIO_TEST_PG_USER") +
            "\n  POSTGRES_PASSWORD: \"{{ env_var('MAGEIO_TEST_PG_PASSWORD') }}\"\n  POSTGRES_DBNAME: " +
            std::getenv("MAGEIO_TEST_PG_DBNAME") + "\n  POSTGRES_SCHEMA: public\n";
  }
  mageio::test::write_file(out->config, yaml);
  return out;
}

// A MariaDB table of the types every destination keeps: integers, doubles, decimals, text with 4-byte
// UTF-8 and CSV-hostile characters, booleans, dates, timestamps and NULLs.
void create_source(Connector& db, const std::string& table) {
  exec(db, "CREATE TABLE " + q(table) +
               " (id BIGINT PRIMARY KEY, qty INT, price DOUBLE, amount DECIMAL(12,2), "
               "label VARCHAR(64), active BOOLEAN, day DATE, created_at DATETIME(6))");
  exec(db, "INSERT INTO " + q(table) +
               " VALUES "
               "(1, -5, 0.1, -1234567890.12, 'plain', TRUE, '2024-02-29', '2024-01-02 03:04:05.123456'), "
               "(2, 2147483647, 1e300, 0.01, 'emoji \xF0\x9F\x98\x80, \"quoted\", comma', FALSE, '1970-01-01', "
               "'1999-12-31 23:59:59'), "
               "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
               "(4, 0, -2.5, 99.99, 'line\nbreak and tab\t', TRUE, '9999-12-31', '2038-01-19 03:14:08')");
}

void check_ok(const mageio::test::CommandResult& result) {
  CAPTURE(result.out);
  CAPTURE(result.err);
  REQUIRE(result.exit_code == 0);
}

}  // namespace

TEST_CASE("mageio copy mysql -> sqlite -> mysql brings back the same rows") {
  auto setup_ = setup();
  if (!setup_) return;
  auto& t = *setup_;
  auto db = open(t.server);
  const std::string source = unique_name("cli_src");
  const std::string back = unique_name("cli_back");
  DropTable drop1{*db, source}, drop2{*db, back};
  create_source(*db, source);

  check_ok(run_cli({"copy", "mysql", "sqlite", "--table", source, "--to-table", "copied", "--config", t.config}));
  auto result = run_cli({"copy", "sqlite", "mysql", "--table", "copied", "--to-table", back, "--if-exists", "replace",
                         "--config", t.config});
  check_ok(result);
  CHECK(result.err.find("4 rows") != std::string::npos);
  CHECK(load_text(*db, {.query = "SELECT * FROM " + q(back) + " ORDER BY id"}) ==
        load_text(*db, {.query = "SELECT * FROM " + q(source) + " ORDER BY id"}));
}

TEST_CASE("mageio copy mysql -> CSV -> mysql, and mageio export/load with every if_exists mode") {
  auto setup_ = setup();
  if (!setup_) return;
  auto& t = *setup_;
  auto db = open(t.server);
  const std::string source = unique_name("csv_src");
  const std::string back = unique_name("csv_back");
  DropTable drop1{*db, source}, drop2{*db, back};
  create_source(*db, source);
  const std::string csv = (t.dir / "rows.csv").string();

  check_ok(run_cli({"copy", "mysql", "file", "--table", source, "--to-path", csv, "--config", t.config}));
  const std::vector<std::string> types = {
      "--column-type", "id=int64",      "--column-type", "qty=int32",
      "--column-type", "price=float64", "--column-type", "amount=decimal128(12, 2)",
      "--column-type", "label=utf8",    "--column-type", "active=bool",
      "--column-type", "day=date32",    "--column-type", "created_at=timestamp[us]"};
  std::vector<std::string> args = {"export", "mysql", "--input", csv, "--table", back, "--config", t.config};
  args.insert(args.end(), types.begin(), types.end());
  check_ok(run_cli(args));
  const auto expected = load_text(*db, {.query = "SELECT * FROM " + q(source) + " ORDER BY id"});
  CHECK(load_text(*db, {.query = "SELECT * FROM " + q(back) + " ORDER BY id"}) == expected);

  // fail: the table exists now.
  auto refused = run_cli(args);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("already exists") != std::string::npos);
  // append: twice the rows (id is not a key in the exported table).
  auto append = args;
  append.insert(append.end(), {"--if-exists", "append"});
  check_ok(run_cli(append));
  CHECK(scalar(*db, "SELECT COUNT(*) FROM " + q(back)) == "8");
  // replace: back to one copy.
  auto replace = args;
  replace.insert(replace.end(), {"--if-exists", "replace"});
  check_ok(run_cli(replace));
  CHECK(load_text(*db, {.query = "SELECT * FROM " + q(back) + " ORDER BY id"}) == expected);
  // upsert through the CLI.
  auto upsert = args;
  upsert.insert(upsert.end(),
                {"--if-exists", "append", "--unique-constraints", "id", "--unique-conflict-method", "update"});
  exec(*db, "ALTER TABLE " + q(back) + " ADD PRIMARY KEY (id)");
  exec(*db, "UPDATE " + q(back) + " SET label = 'changed'");
  check_ok(run_cli(upsert));
  CHECK(load_text(*db, {.query = "SELECT * FROM " + q(back) + " ORDER BY id"}) == expected);

  auto loaded = run_cli({"load", "mysql", "--query", "SELECT id, label FROM " + q(back) + " WHERE id = 2", "--format",
                         "csv", "--config", t.config});
  check_ok(loaded);
  CHECK(loaded.out.find("emoji \xF0\x9F\x98\x80") != std::string::npos);
  auto counted = run_cli({"load", "mysql", "--table", back, "--format", "null", "--config", t.config});
  check_ok(counted);
  CHECK(counted.out.find("4 rows") != std::string::npos);
}

TEST_CASE("mageio copy mysql <-> postgres keeps the rows") {
  auto setup_ = setup();
  if (!setup_) return;
  auto& t = *setup_;
  if (!t.postgres) {
    MESSAGE("PostgreSQL test server not running (tools/with-test-servers.sh --only mysql); mysql <-> postgres skipped");
    return;
  }
  auto db = open(t.server);
  const std::string source = unique_name("pg_src");
  const std::string back = unique_name("pg_back");
  const std::string pg_table = unique_name("from_mysql");
  DropTable drop1{*db, source}, drop2{*db, back};
  create_source(*db, source);
  check_ok(run_cli({"copy", "mysql", "postgres", "--table", source, "--to-table", pg_table, "--config", t.config}));
  check_ok(run_cli({"copy", "postgres", "mysql", "--table", pg_table, "--to-table", back, "--config", t.config}));
  CHECK(load_text(*db, {.query = "SELECT * FROM " + q(back) + " ORDER BY id"}) ==
        load_text(*db, {.query = "SELECT * FROM " + q(source) + " ORDER BY id"}));
  run_cli({"exec", "postgres", "--sql", "DROP TABLE IF EXISTS \"" + pg_table + "\"", "--config", t.config});
}

TEST_CASE("the CLI never prints the MySQL password") {
  auto setup_ = setup();
  if (!setup_) return;
  auto& t = *setup_;
  auto result = run_cli(
      {"load", "mysql", "--query", "SELECT 1", "--config", t.config, "--set", "MYSQL_PASSWORD=Wr0ng-Pa55word-cli"});
  CHECK(result.exit_code == 1);
  CHECK(result.err.find("Access denied") != std::string::npos);
  CHECK(result.err.find("Wr0ng-Pa55word-cli") == std::string::npos);
  auto shown = run_cli({"config", "show", "--config", t.config});
  CHECK(shown.out.find(t.server.password) == std::string::npos);
}

TEST_CASE("two exports at once into a missing table both succeed: append keeps every row, replace one copy") {
  auto setup_ = setup();
  if (!setup_) return;
  auto& t = *setup_;
  auto db = open(t.server);
  constexpr int kRows = 2000;
  std::vector<std::string> csv;
  for (int process = 0; process < 2; ++process) {
    std::string text = "id,label\n";
    for (int i = 0; i < kRows; ++i)
      text +=
          std::to_string(process * kRows + i) + ",row " + std::to_string(i) + " of " + std::to_string(process) + "\n";
    csv.push_back((t.dir / ("rows" + std::to_string(process) + ".csv")).string());
    mageio::test::write_file(csv.back(), text);
  }
  for (std::string mode : {"append", "replace"}) {
    for (int round = 0; round < 4; ++round) {
      CAPTURE(mode);
      CAPTURE(round);
      const std::string table = unique_name("race");
      DropTable drop{*db, table};
      std::vector<mageio::test::CommandResult> results(2);
      std::vector<std::thread> processes;
      for (int process = 0; process < 2; ++process)
        processes.emplace_back([&, process] {
          results[static_cast<size_t>(process)] =
              run_cli({"export", "mysql", "--input", csv[static_cast<size_t>(process)], "--table", table, "--if-exists",
                       mode, "--column-type", "id=int64", "--config", t.config});
        });
      for (auto& process : processes) process.join();
      for (const auto& result : results) check_ok(result);
      const std::string count = scalar(*db, "SELECT COUNT(*) FROM " + q(table));
      if (mode == "append") {
        CHECK(count == std::to_string(2 * kRows));
        CHECK(scalar(*db, "SELECT COUNT(DISTINCT id) FROM " + q(table)) == std::to_string(2 * kRows));
      } else {
        CHECK(count == std::to_string(kRows));
      }
      CHECK(leftovers(*db, table).empty());
    }
  }
}

TEST_CASE("copy and load of a query failing mid-stream report MariaDB's SQLSTATE and exit 1") {
  auto setup_ = setup();
  if (!setup_) return;
  auto& t = *setup_;
  const std::string query =
      "SELECT IF(seq < 100000, seq, (SELECT seq UNION ALL SELECT seq + 1)) AS x FROM "
      "seq_1_to_200000";
  const std::vector<std::vector<std::string>> commands = {
      {"copy", "mysql", "sqlite", "--query", query, "--to-table", "midstream", "--if-exists", "replace"},
      {"load", "mysql", "--query", query, "--format", "csv", "--output", (t.dir / "load.csv").string()},
  };
  for (const auto& command : commands) {
    for (bool isolate : {false, true}) {
      std::vector<std::string> args = command;
      args.insert(args.end(), {"--config", t.config});
      if (isolate) args.push_back("--isolate");
      CAPTURE(command[0]);
      CAPTURE(isolate);
      auto result = run_cli(args);
      CAPTURE(result.err);
      CHECK(result.exit_code == 1);
      CHECK(result.err.find("Subquery returns more than 1 row") != std::string::npos);
      CHECK(result.err.find("SQLSTATE 21000") != std::string::npos);
    }
  }
}
