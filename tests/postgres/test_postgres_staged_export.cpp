// Staged exports of the postgres plugin (ABI 1.1, MAGEIO_CAP_STAGED_EXPORT) against the real server:
// several writers fill one stage that is put in place once, at the end; and the partitioned copy that
// uses them (N readers, N writers) through the host API and the CLI. Nothing reaches the target before
// the finish; a failing writer, a discarded stage or a refused finish leaves the target exactly as it
// was and no stage behind.
#include "pg_test_support.hpp"

#include <doctest/doctest.h>

#include <mageio/core/partitioned_copy.hpp>

#include <mutex>
#include <thread>

namespace {

using mageio::ExportOptions;
using mageio::IfExists;
using Rows = std::vector<std::vector<std::string>>;

// A table of `rows` rows: id 1..rows, a bigint, a numeric, text with NULLs, a timestamptz.
std::string make_source(mageio::Connector& db, int rows) {
  const std::string table = pgtest::unique_name("stage_src");
  pgtest::exec(db, "CREATE TABLE " + pgtest::q(table) +
                       " AS SELECT i AS id, i::bigint * 3 AS v, (i * 1.25)::numeric(12,2) AS n, "
                       "CASE WHEN i % 5 = 0 THEN NULL ELSE 'row ' || i END AS s, "
                       "timestamptz '2024-03-31 01:59:59.999999+02' + i * interval '17 minutes' AS tz "
                       "FROM generate_series(1, " +
                       std::to_string(rows) + ") AS i");
  pgtest::exec(db, "ALTER TABLE " + pgtest::q(table) + " ADD PRIMARY KEY (id)");
  return table;
}

Rows ordered(mageio::Connector& db, const std::string& table) {
  return pgtest::query(db, "SELECT * FROM " + pgtest::q(table) + " ORDER BY id");
}

int64_t stages_left(mageio::Connector& db) {
  return std::stoll(pgtest::scalar(db, "SELECT count(*) FROM pg_class WHERE relname LIKE 'mageio\\_stage\\_%'"));
}

using Logs = mageio::test::HostLogs;

bool exists(mageio::Connector& db, const std::string& table) { return db.table_exists(table); }

// The schema of a load's stream, as the host passes it to stage_begin.
struct StreamSchema {
  mageio::sdk::OwnedSchema owned;
  explicit StreamSchema(mageio::BatchReader& reader) {
    ArrowArrayStream* stream = reader.stream();
    REQUIRE(stream->get_schema(stream, &owned.schema) == 0);
  }
};

int64_t copy(const pgtest::Server& server, const std::string& source, const std::string& target, IfExists mode,
             int64_t partitions, const std::string& partition_on = {},
             std::shared_ptr<mageio::HostCallbacks> destination_host = nullptr, const std::string& query = {}) {
  return mageio::test::copy_within(
      [&](auto host) { return pgtest::open(server, std::move(host)); },
      {.table = query.empty() ? source : "", .query = query, .partitions = partitions, .partition_on = partition_on},
      {.table = target, .if_exists = mode}, std::move(destination_host));
}

}  // namespace

TEST_CASE("postgres staged export: writers on other connections fill a stage that appears only at the finish") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  REQUIRE(db->can_stage());
  const std::string source = make_source(*db, 3000);
  const std::string target = pgtest::unique_name("staged");
  const int64_t stages_before = stages_left(*db);

  auto first = db->load({.query = "SELECT * FROM " + pgtest::q(source) + " WHERE id <= 1000"});
  StreamSchema schema(first);
  const std::string stage = db->stage_begin({.table = target}, schema.owned.schema);
  INFO(stage);
  CHECK(stage.find("\"kind\":\"stage\"") != std::string::npos);
  CHECK(stage.find(server->password) == std::string::npos);

  // Two more connections write at the same time as the first.
  auto writer_a = pgtest::open(*server);
  auto writer_b = pgtest::open(*server);
  auto second = writer_a->load({.query = "SELECT * FROM " + pgtest::q(source) + " WHERE id > 1000 AND id <= 2000"});
  auto third = writer_b->load({.query = "SELECT * FROM " + pgtest::q(source) + " WHERE id > 2000"});
  int64_t rows_a = 0, rows_b = 0;
  std::thread a([&] { rows_a = pgtest::open(*server)->stage_write(stage, second); });
  std::thread b([&] { rows_b = pgtest::open(*server)->stage_write(stage, third); });
  const int64_t rows_first = pgtest::open(*server)->stage_write(stage, first);
  a.join();
  b.join();
  CHECK(rows_first + rows_a + rows_b == 3000);
  CHECK_FALSE(exists(*db, target));  // nothing at the target before the finish

  CHECK(db->stage_finish(stage, true, 3000) == 3000);
  CHECK(ordered(*db, target) == ordered(*db, source));
  CHECK(stages_left(*db) == stages_before);
  // The stage is gone: writing into it again is NOT_FOUND, naming it.
  auto late = db->load({.table = source});
  try {
    db->stage_write(stage, late);
    FAIL("a write into a finished stage succeeded");
  } catch (const mageio::Error& e) {
    CHECK(e.status() == MAGEIO_STATUS_NOT_FOUND);
    CHECK(std::string(e.what()).find("is gone") != std::string::npos);
  }
  pgtest::exec(*db, "DROP TABLE " + pgtest::q(source) + ", " + pgtest::q(target));
}

TEST_CASE("postgres staged export: discarding, a wrong row count and fail on an existing table leave the target") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string source = make_source(*db, 500);
  const std::string target = pgtest::unique_name("staged");
  pgtest::exec(*db, "CREATE TABLE " + pgtest::q(target) + " AS SELECT * FROM " + pgtest::q(source) + " WHERE id <= 7");
  const Rows before = ordered(*db, target);
  const int64_t stages_before = stages_left(*db);

  SUBCASE("fail on an existing table is refused at the begin") {
    auto reader = db->load({.table = source});
    StreamSchema schema(reader);
    try {
      db->stage_begin({.table = target, .if_exists = IfExists::Fail}, schema.owned.schema);
      FAIL("stage_begin accepted if_exists=fail on an existing table");
    } catch (const mageio::Error& e) {
      CHECK(e.status() == MAGEIO_STATUS_ALREADY_EXISTS);
    }
  }
  SUBCASE("discarded") {
    auto reader = db->load({.table = source});
    StreamSchema schema(reader);
    const std::string stage = db->stage_begin({.table = target, .if_exists = IfExists::Replace}, schema.owned.schema);
    CHECK(stages_left(*db) == stages_before + 1);
    CHECK(pgtest::open(*server)->stage_write(stage, reader) == 500);
    CHECK(db->stage_finish(stage, false) == 0);
  }
  SUBCASE("the stage holds other rows than the writers reported (a writer ran twice)") {
    auto reader = db->load({.table = source});
    StreamSchema schema(reader);
    const std::string stage = db->stage_begin({.table = target, .if_exists = IfExists::Append}, schema.owned.schema);
    CHECK(pgtest::open(*server)->stage_write(stage, reader) == 500);
    try {
      db->stage_finish(stage, true, 499);
      FAIL("a finish with a wrong row count succeeded");
    } catch (const mageio::Error& e) {
      CHECK(std::string(e.what()).find("the stage holds 500 rows but the writers wrote 499") != std::string::npos);
    }
  }
  CHECK(ordered(*db, target) == before);
  CHECK(stages_left(*db) == stages_before);
  pgtest::exec(*db, "DROP TABLE " + pgtest::q(source) + ", " + pgtest::q(target));
}

TEST_CASE("postgres partitioned copy: N readers and N writers equal the source for replace, fail and append") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string source = make_source(*db, 20000);
  const std::string target = pgtest::unique_name("pcopy");
  const int64_t stages_before = stages_left(*db);

  // A new table: four writers into a stage that is renamed into place.
  Logs logs;
  CHECK(copy(*server, source, target, IfExists::Fail, 4, {}, logs.callbacks()) == 20000);
  CHECK_FALSE(logs.has("one writer"));
  CHECK(ordered(*db, target) == ordered(*db, source));
  // replace of a table of another shape: staged, then DROP + rename.
  const std::string other = pgtest::unique_name("pcopy_other");
  pgtest::exec(*db, "CREATE TABLE " + pgtest::q(other) + " (id text)");
  CHECK(copy(*server, source, other, IfExists::Replace, 4, {}, logs.callbacks()) == 20000);
  CHECK_FALSE(logs.has("one writer"));
  CHECK(ordered(*db, other) == ordered(*db, source));
  // replace of a table of the same shape keeps it (its OID, so grants and indexes) and swaps the rows;
  // a stage would write every row twice, so the plugin asks for one writer.
  pgtest::exec(*db, "DELETE FROM " + pgtest::q(target) + " WHERE id > 100");
  const std::string oid = pgtest::scalar(*db, "SELECT oid::text FROM pg_class WHERE relname = '" + target + "'");
  CHECK(copy(*server, source, target, IfExists::Replace, 3, "id", logs.callbacks()) == 20000);
  CHECK(logs.has("the partitions feed one writer (postgres export: a stage would write every row twice"));
  CHECK(ordered(*db, target) == ordered(*db, source));
  CHECK(pgtest::scalar(*db, "SELECT oid::text FROM pg_class WHERE relname = '" + target + "'") == oid);
  // append into a table of other column types: one writer too; the server casts (bigint -> integer,
  // numeric -> text).
  const std::string narrow = pgtest::unique_name("pcopy_narrow");
  pgtest::exec(*db, "CREATE TABLE " + pgtest::q(narrow) +
                        " (id integer PRIMARY KEY, v integer, n text, s text, tz timestamptz, extra text DEFAULT 'd')");
  CHECK(copy(*server, source, narrow, IfExists::Append, 4) == 20000);
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM (SELECT id, v, n::numeric(12,2), s, tz FROM " + pgtest::q(narrow) +
                                " EXCEPT SELECT * FROM " + pgtest::q(source) + ") AS x") == "0");
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + pgtest::q(narrow) + " WHERE extra = 'd'") == "20000");
  CHECK(stages_left(*db) == stages_before);
  pgtest::exec(*db, "DROP TABLE " + pgtest::q(source) + ", " + pgtest::q(target) + ", " + pgtest::q(narrow) + ", " +
                        pgtest::q(other));
}

TEST_CASE("postgres partitioned copy: a failing partition leaves the target as it was and no stage") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string source = make_source(*db, 20000);
  const std::string target = pgtest::unique_name("pcopy_fail");
  pgtest::exec(*db, "CREATE TABLE " + pgtest::q(target) + " (id integer PRIMARY KEY, v smallint)");
  pgtest::exec(*db, "INSERT INTO " + pgtest::q(target) + " VALUES (-1, 1), (-2, 2)");
  const Rows before = ordered(*db, target);
  const int64_t stages_before = stages_left(*db);
  // replace (staged: the target has other column types): partition 3 of 4 fails mid-way at the source.
  try {
    copy(*server, source, target, IfExists::Replace, 4, "id", nullptr,
         "SELECT id, CASE WHEN id = 15000 THEN 1 / (id - 15000) ELSE v END AS v FROM " + pgtest::q(source));
    FAIL("the copy succeeded");
  } catch (const mageio::Error& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("division by zero") != std::string::npos);
    CHECK(message.find("(partition 3 of 4); " + target + " was left as it was") != std::string::npos);
  }
  CHECK(ordered(*db, target) == before);
  CHECK(stages_left(*db) == stages_before);
  // append (one writer): v = id * 3 does not fit in smallint from id 10923 on.
  try {
    copy(*server, source, target, IfExists::Append, 4, "id", nullptr, "SELECT id, v FROM " + pgtest::q(source));
    FAIL("the copy succeeded");
  } catch (const mageio::Error& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find("does not fit in smallint") != std::string::npos);
  }
  CHECK(ordered(*db, target) == before);
  CHECK(stages_left(*db) == stages_before);
  pgtest::exec(*db, "DROP TABLE " + pgtest::q(source) + ", " + pgtest::q(target));
}

TEST_CASE("postgres partitioned copy: a destination without staged exports gets one writer, said in a log line") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string source = make_source(*db, 3000);
  mageio::test::TempDir work;
  auto sqlite = mageio::test::bundled_registry().find("sqlite");
  CHECK_FALSE(sqlite->has(MAGEIO_CAP_STAGED_EXPORT));
  auto open_sqlite = [&] { return sqlite->open(boost::json::object{{"SQLITE_DATABASE", (work / "one.db").string()}}); };
  std::vector<std::string> logs;
  auto host = std::make_shared<mageio::HostCallbacks>();
  host->on_log = [&](int32_t, const std::string& line) { logs.push_back(line); };
  auto destination = open_sqlite();
  destination->callbacks().on_log = host->on_log;
  mageio::PartitionedLoadOptions load{.plan = {.load = {.table = source}, .partitions = 3}};
  CHECK(mageio::partitioned_copy({.source = pgtest::open(*server),
                                  .open_source = [&] { return pgtest::open(*server); },
                                  .destination = std::move(destination),
                                  .open_destination = open_sqlite},
                                 load, ExportOptions{.table = "t"}) == 3000);
  bool said = false;
  for (const auto& line : logs) said = said || line.find("the partitions feed one writer") != std::string::npos;
  CHECK(said);
  pgtest::exec(*db, "DROP TABLE " + pgtest::q(source));
}

TEST_CASE("postgres partitioned copy through the CLI: copy postgres postgres --partitions 4") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string source = make_source(*db, 20000);
  const std::string target = pgtest::unique_name("pcopy_cli");
  mageio::test::TempDir work;
  std::vector<std::string> args = {"copy",       "postgres", "postgres",     "--table", source,
                                   "--to-table", target,     "--partitions", "4"};
  for (const auto& [key, value] : pgtest::config(*server)) {
    args.push_back("--set");
    args.push_back(std::string(key) + "=" + std::string(value.as_string()));
  }
  auto r = mageio::test::run_cli(args, work.path());
  INFO("exit " << r.exit_code << "\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("copied 20000 rows") != std::string::npos);
  CHECK(ordered(*db, target) == ordered(*db, source));
  pgtest::exec(*db, "DROP TABLE " + pgtest::q(source) + ", " + pgtest::q(target));
}
