// The mysql plugin's export against a real MariaDB, through the real host: every if_exists mode, both
// upsert methods, atomicity when row N of a large export is bad (the target and its rows survive, for
// fail/replace/append/upsert, on both write paths), cancellation, awkward identifiers, and the
// statement-size limit of the INSERT path.
#include "mysql_test_support.hpp"

#include <mageio/sdk/values.hpp>

#include <chrono>
#include <cmath>
#include <thread>

using namespace mytest;

namespace {

const sdk::Schema kIdName = {{"id", sdk::int64()}, {"name", sdk::utf8()}};
const std::vector<std::string> kMethods = {"insert", "load_data"};

mageio::test::OwnedStream id_name(std::vector<std::pair<int64_t, std::string>> rows) {
  return rows_stream(kIdName, static_cast<int64_t>(rows.size()), [rows](sdk::BatchBuilder& b, int64_t row) {
    b.column(0).append_int(rows[static_cast<size_t>(row)].first);
    b.column(1).append_string(rows[static_cast<size_t>(row)].second);
  });
}

using Rows = std::vector<std::vector<std::string>>;

Rows ordered(Connector& db, const std::string& table, const std::string& columns = "*") {
  return load_text(db, {.query = "SELECT " + columns + " FROM " + q(table) + " ORDER BY 1"});
}

}  // namespace

TEST_CASE("if_exists fail creates a new table and refuses an existing one, leaving it alone") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  for (const auto& method : kMethods) {
    CAPTURE(method);
    const std::string table = unique_name("fail_mode");
    DropTable drop{*db, table};
    auto first = id_name({{1, "one"}, {2, "two"}});
    CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Fail, .options = {{"method", method}}},
                          first.get()) == 2);
    CHECK(ordered(*db, table) == Rows{{"1", "one"}, {"2", "two"}});
    CHECK(leftovers(*db, table).empty());

    auto second = id_name({{3, "three"}});
    auto error = error_of([&] { db->export_data({.table = table, .options = {{"method", method}}}, second.get()); });
    CHECK(error.status() == MAGEIO_STATUS_ALREADY_EXISTS);
    CHECK(std::string(error.what()).find("already exists") != std::string::npos);
    CHECK(ordered(*db, table) == Rows{{"1", "one"}, {"2", "two"}});
  }
}

TEST_CASE("if_exists replace swaps in a new table with the new schema and rows") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  for (const auto& method : kMethods) {
    CAPTURE(method);
    const std::string table = unique_name("replace_mode");
    DropTable drop{*db, table};
    exec(*db, "CREATE TABLE " + q(table) + " (old_column INT, other VARCHAR(5))");
    exec(*db, "INSERT INTO " + q(table) + " VALUES (7, 'x'), (8, 'y')");
    auto input = id_name({{1, "one"}, {2, "two"}, {3, "three"}});
    CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Replace, .options = {{"method", method}}},
                          input.get()) == 3);
    CHECK(ordered(*db, table) == Rows{{"1", "one"}, {"2", "two"}, {"3", "three"}});
    CHECK(column_types(*db, table) == std::vector<std::string>{"bigint(20)", "longtext"});
    CHECK(scalar(*db,
                 "SELECT CONCAT(ENGINE, ' ', TABLE_COLLATION) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                 "DATABASE() AND TABLE_NAME = " +
                     lit(table))
              .starts_with("InnoDB utf8mb4_"));
    CHECK(leftovers(*db, table).empty());
    // Replacing a table that does not exist creates it.
    const std::string fresh = unique_name("replace_new");
    DropTable drop2{*db, fresh};
    auto again = id_name({{5, "five"}});
    CHECK(db->export_data({.table = fresh, .if_exists = mageio::IfExists::Replace, .options = {{"method", method}}},
                          again.get()) == 1);
    CHECK(ordered(*db, fresh) == Rows{{"5", "five"}});
  }
}

TEST_CASE("if_exists append adds rows to an existing table by column name, or creates a missing one") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  for (const auto& method : kMethods) {
    CAPTURE(method);
    const std::string table = unique_name("append_mode");
    DropTable drop{*db, table};
    exec(*db, "CREATE TABLE " + q(table) + " (extra VARCHAR(10) DEFAULT 'dflt', NAME VARCHAR(20), Id INT)");
    exec(*db, "INSERT INTO " + q(table) + " VALUES ('e', 'zero', 0)");
    auto input = id_name({{1, "one"}, {2, "two"}});
    CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Append, .options = {{"method", method}}},
                          input.get()) == 2);
    CHECK(load_text(*db, {.query = "SELECT Id, NAME, extra FROM " + q(table) + " ORDER BY Id"}) ==
          Rows{{"0", "zero", "e"}, {"1", "one", "dflt"}, {"2", "two", "dflt"}});

    auto unknown = rows_stream({{"id", sdk::int64()}, {"nope", sdk::utf8()}}, 1, [](sdk::BatchBuilder& b, int64_t) {
      b.column(0).append_int(9);
      b.column(1).append_string("x");
    });
    auto error =
        error_of([&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, unknown.get()); });
    CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
    CHECK(std::string(error.what()).find("input column \"nope\" is not in the table") != std::string::npos);

    const std::string fresh = unique_name("append_new");
    DropTable drop2{*db, fresh};
    auto again = id_name({{4, "four"}});
    CHECK(db->export_data({.table = fresh, .if_exists = mageio::IfExists::Append, .options = {{"method", method}}},
                          again.get()) == 1);
    CHECK(ordered(*db, fresh) == Rows{{"4", "four"}});
  }
}

TEST_CASE("append through LOAD DATA reaches BIT and JSON columns, and a duplicate key is an error, not a skip") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("append_bits");
  DropTable drop{*db, table};
  exec(*db, "CREATE TABLE " + q(table) + " (id INT PRIMARY KEY, flags BIT(12), doc JSON)");
  auto input = rows_stream({{"id", sdk::int32()}, {"flags", sdk::uint64()}, {"doc", sdk::utf8()}}, 2,
                           [](sdk::BatchBuilder& b, int64_t row) {
                             b.column(0).append_int(row + 1);
                             b.column(1).append_uint(row == 0 ? 2730 : 1);
                             b.column(2).append_string(row == 0 ? "{\"k\": \"\xF0\x9F\x98\x80\"}" : "[1, 2]");
                           });
  CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Append, .options = {{"method", "load_data"}}},
                        input.get()) == 2);
  CHECK(ordered(*db, table) == Rows{{"1", "2730", "{\"k\": \"\xF0\x9F\x98\x80\"}"}, {"2", "1", "[1, 2]"}});

  // LOAD DATA LOCAL turns a duplicate key into a warning and skips the row; the plugin fails instead.
  auto duplicate = rows_stream({{"id", sdk::int32()}}, 3,
                               [](sdk::BatchBuilder& b, int64_t row) { b.column(0).append_int(row + 2); });
  auto error = error_of([&] {
    db->export_data({.table = table, .if_exists = mageio::IfExists::Append, .options = {{"method", "load_data"}}},
                    duplicate.get());
  });
  CHECK(error.status() == MAGEIO_STATUS_BACKEND);
  CHECK(error.vendor_code() == 1062);
  CHECK(std::string(error.what()).find("Duplicate entry '2'") != std::string::npos);
  CHECK(scalar(*db, "SELECT COUNT(*) FROM " + q(table)) == "2");
}

TEST_CASE("upsert UPDATE and IGNORE on an existing table, single and composite keys") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const sdk::Schema schema = {{"id", sdk::int32()}, {"name", sdk::utf8()}, {"qty", sdk::int32()}};
  auto rows = [&](std::vector<std::tuple<int, std::string, int>> data) {
    return rows_stream(schema, static_cast<int64_t>(data.size()), [data](sdk::BatchBuilder& b, int64_t row) {
      const auto& [id, name, qty] = data[static_cast<size_t>(row)];
      b.column(0).append_int(id);
      b.column(1).append_string(name);
      b.column(2).append_int(qty);
    });
  };
  for (std::string method : {"UPDATE", "IGNORE"}) {
    CAPTURE(method);
    const std::string table = unique_name("upsert");
    DropTable drop{*db, table};
    exec(*db, "CREATE TABLE " + q(table) +
                  " (id INT PRIMARY KEY, name VARCHAR(20), qty INT, note VARCHAR(10) DEFAULT 'kept')");
    exec(*db, "INSERT INTO " + q(table) + " (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 2)");
    auto input = rows({{2, "B", 20}, {3, "c", 3}, {3, "C", 30}});
    CHECK(db->export_data({.table = table,
                           .if_exists = mageio::IfExists::Append,
                           .unique_constraints = {"id"},
                           .unique_conflict_method = mageio::sdk::parse_conflict_method(method)},
                          input.get()) == 3);
    if (method == "UPDATE")
      CHECK(ordered(*db, table) == Rows{{"1", "a", "1", "kept"}, {"2", "B", "20", "kept"}, {"3", "C", "30", "kept"}});
    else
      CHECK(ordered(*db, table) == Rows{{"1", "a", "1", "kept"}, {"2", "b", "2", "kept"}, {"3", "c", "3", "kept"}});

    const std::string composite = unique_name("upsert2");
    DropTable drop2{*db, composite};
    exec(*db, "CREATE TABLE " + q(composite) + " (id INT, name VARCHAR(20), qty INT, UNIQUE KEY (name, id))");
    exec(*db, "INSERT INTO " + q(composite) + " VALUES (1, 'a', 1), (1, 'b', 2)");
    auto input2 = rows({{1, "b", 20}, {2, "b", 3}});
    db->export_data({.table = composite,
                     .if_exists = mageio::IfExists::Append,
                     .unique_constraints = {"id", "NAME"},
                     .unique_conflict_method = mageio::sdk::parse_conflict_method(method)},
                    input2.get());
    CHECK(load_text(*db, {.query = "SELECT * FROM " + q(composite) + " ORDER BY id, name"}) ==
          (method == "UPDATE" ? Rows{{"1", "a", "1"}, {"1", "b", "20"}, {"2", "b", "3"}}
                              : Rows{{"1", "a", "1"}, {"1", "b", "2"}, {"2", "b", "3"}}));
  }
}

TEST_CASE("upsert into a new table creates a UNIQUE KEY; text keys compare exactly") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("upsert_new");
  DropTable drop{*db, table};
  auto input = id_name({{1, "k"}, {2, "K"}, {3, "k"}});
  // Key on the text column: 'k' and 'K' are different keys (utf8mb4_bin), the second 'k' updates the first.
  CHECK(db->export_data(
            {.table = table, .unique_constraints = {"name"}, .unique_conflict_method = mageio::ConflictMethod::Update},
            input.get()) == 3);
  CHECK(load_text(*db, {.query = "SELECT id, name FROM " + q(table) + " ORDER BY id"}) == Rows{{"2", "K"}, {"3", "k"}});
  CHECK(column_types(*db, table) == std::vector<std::string>{"bigint(20)", "varchar(768)"});
  CHECK(scalar(*db,
               "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = " +
                   lit(table) + " AND NON_UNIQUE = 0 AND COLUMN_NAME = 'name'") == "1");
  // A later upsert finds that key.
  auto more = id_name({{9, "K"}});
  db->export_data({.table = table, .if_exists = mageio::IfExists::Append, .unique_constraints = {"name"}}, more.get());
  CHECK(load_text(*db, {.query = "SELECT id, name FROM " + q(table) + " ORDER BY id"}) == Rows{{"3", "k"}, {"9", "K"}});
}

TEST_CASE("upsert needs a unique index on exactly the constraint columns, which must be input columns") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("upsert_nokey");
  DropTable drop{*db, table};
  exec(*db, "CREATE TABLE " + q(table) + " (id BIGINT, name VARCHAR(20), UNIQUE KEY (id, name))");
  auto input = id_name({{1, "x"}});
  auto error = error_of([&] {
    db->export_data({.table = table, .if_exists = mageio::IfExists::Append, .unique_constraints = {"id"}}, input.get());
  });
  CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(error.what()).find("no PRIMARY KEY or UNIQUE index on exactly (`id`)") != std::string::npos);
  auto input2 = id_name({{1, "x"}});
  auto missing = error_of([&] {
    db->export_data({.table = table, .if_exists = mageio::IfExists::Append, .unique_constraints = {"zzz"}},
                    input2.get());
  });
  CHECK(missing.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(scalar(*db, "SELECT COUNT(*) FROM " + q(table)) == "0");
}

TEST_CASE("a bad row N of a large export changes nothing: fail, replace, append, upsert; both write paths") {
  auto s = server();
  if (!s) return;
  LogCapture log;
  auto db = open(*s, log.host);
  const int64_t rows = 120000;
  const int64_t batch = 10000;
  const sdk::Schema schema = {{"id", sdk::int64()}, {"name", sdk::utf8()}, {"score", sdk::float64()}};
  enum class Bad { StreamFails, NaN, TooLong };
  // Upserts start with the original rows' keys (1 and 2), so a rollback must also undo updates.
  auto input = [&](Bad bad, int64_t first_id) {
    return rows_stream(
        schema, rows,
        [bad, first_id](sdk::BatchBuilder& b, int64_t row) {
          b.column(0).append_int(row + first_id);
          b.column(1).append_string(bad == Bad::TooLong && row == 100000 ? std::string(30, 'x')
                                                                         : "n" + std::to_string(row));
          b.column(2).append_double(bad == Bad::NaN && row == 100000 ? std::nan("") : row * 0.5);
        },
        batch, bad == Bad::StreamFails ? 10 : -1);
  };
  auto original_table = [&](const std::string& table) {
    exec(*db, "CREATE TABLE " + q(table) + " (id BIGINT PRIMARY KEY, name VARCHAR(10), score DOUBLE, keep_me INT)");
    exec(*db, "INSERT INTO " + q(table) + " VALUES (1, 'orig1', 1.5, 10), (2, 'orig2', 2.5, 20)");
  };
  const Rows original = {{"1", "orig1", "1.5", "10"}, {"2", "orig2", "2.5", "20"}};

  for (const auto& method : kMethods) {
    for (Bad bad : {Bad::StreamFails, Bad::NaN, Bad::TooLong}) {
      CAPTURE(method);
      CAPTURE(static_cast<int>(bad));
      struct Mode {
        std::string if_exists;
        bool upsert;
        bool existing;
      };
      for (const Mode& mode : {Mode{"fail", false, false}, Mode{"replace", false, true}, Mode{"append", false, true},
                               Mode{"append", true, true}}) {
        CAPTURE(mode.if_exists);
        CAPTURE(mode.upsert);
        if (bad == Bad::TooLong && (!mode.existing || mode.if_exists == "replace"))
          continue;                                          // new tables take any length
        if (mode.upsert && method == "load_data") continue;  // upserts always INSERT
        const std::string table = unique_name("atomic");
        DropTable drop{*db, table};
        if (mode.existing) original_table(table);
        auto stream = input(bad, mode.upsert ? 1 : 1000);
        mageio::ExportOptions options{
            .table = table, .if_exists = mageio::sdk::parse_if_exists(mode.if_exists), .options = {{"method", method}}};
        if (mode.upsert) options.unique_constraints = {"id"};
        auto error = error_of([&] { db->export_data(options, stream.get()); });
        CHECK(error.status() != MAGEIO_STATUS_OK);
        if (bad == Bad::StreamFails)
          CHECK(std::string(error.what()).find("test source fails at batch 10") != std::string::npos);
        if (bad == Bad::NaN) CHECK(std::string(error.what()).find("row 100001, column \"score\"") != std::string::npos);
        if (bad == Bad::TooLong) CHECK(std::string(error.what()).find("name") != std::string::npos);
        if (mode.existing)
          CHECK(ordered(*db, table) == original);
        else
          CHECK_FALSE(db->table_exists(table));
        CHECK(leftovers(*db, table).empty());
      }
    }
  }
}

TEST_CASE("a cancelled export changes nothing and says CANCELLED") {
  auto s = server();
  if (!s) return;
  auto host = std::make_shared<mageio::HostCallbacks>();
  auto db = open(*s, host);
  for (const auto& method : kMethods) {
    CAPTURE(method);
    const std::string table = unique_name("cancel_export");
    DropTable drop{*db, table};
    exec(*db, "CREATE TABLE " + q(table) + " (id BIGINT, name LONGTEXT)");
    exec(*db, "INSERT INTO " + q(table) + " VALUES (1, 'kept')");
    for (std::string mode : {"append", "replace"}) {
      CAPTURE(mode);
      host->cancel_requested = false;
      auto stream = rows_stream(
          kIdName, 100000,
          [](sdk::BatchBuilder& b, int64_t row) {
            b.column(0).append_int(row);
            b.column(1).append_string("row");
          },
          5000, -1,
          [&](int index) {
            if (index == 6) host->cancel_requested = true;
          });
      auto error = error_of([&] {
        db->export_data(
            {.table = table, .if_exists = mageio::sdk::parse_if_exists(mode), .options = {{"method", method}}},
            stream.get());
      });
      CHECK(error.status() == MAGEIO_STATUS_CANCELLED);
      host->cancel_requested = false;
      CHECK(ordered(*db, table) == Rows{{"1", "kept"}});
      CHECK(leftovers(*db, table).empty());
    }
  }
}

TEST_CASE("identifiers with backticks, spaces, reserved words and non-ASCII letters") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("we`ird tab le");
  DropTable drop{*db, table};
  const sdk::Schema schema = {
      {"select", sdk::int32()}, {"order by", sdk::utf8()}, {"a`b", sdk::float64()}, {"na\xC3\xAFve", sdk::bool_type()}};
  auto fill = [](sdk::BatchBuilder& b, int64_t row) {
    b.column(0).append_int(row);
    b.column(1).append_string("v" + std::to_string(row));
    b.column(2).append_double(row + 0.25);
    b.column(3).append_bool(row % 2 == 0);
  };
  for (const auto& method : kMethods) {
    CAPTURE(method);
    auto input = rows_stream(schema, 3, fill);
    CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Replace, .options = {{"method", method}}},
                          input.get()) == 3);
    auto reader = db->load({.table = table});
    std::vector<std::string> names;
    for (const auto& field : reader.schema()) names.push_back(field.name);
    CHECK(names == std::vector<std::string>{"select", "order by", "a`b", "na\xC3\xAFve"});
    CHECK(mageio::test::read_all_text(reader) ==
          Rows{{"0", "v0", "0.25", "true"}, {"1", "v1", "1.25", "false"}, {"2", "v2", "2.25", "true"}});
  }
  CHECK(db->table_exists(table));
  CHECK(db->table_exists(table, s->database));
  auto upsert = rows_stream(schema, 2, fill);
  db->export_data({.table = table, .if_exists = mageio::IfExists::Replace, .unique_constraints = {"select", "a`b"}},
                  upsert.get());
  auto update = rows_stream(schema, 1, [](sdk::BatchBuilder& b, int64_t) {
    b.column(0).append_int(1);
    b.column(1).append_string("updated");
    b.column(2).append_double(1.25);
    b.column(3).append_bool(true);
  });
  db->export_data({.table = table, .if_exists = mageio::IfExists::Append, .unique_constraints = {"select", "a`b"}},
                  update.get());
  CHECK(load_text(*db, {.query = "SELECT `order by` FROM " + q(table) + " ORDER BY `select`"}) ==
        Rows{{"v0"}, {"updated"}});
  db->alter_table(
      {.table = table, .action = mageio::AlterAction::RenameColumn, .column = "order by", .new_name = "group`by"});
  CHECK(load_text(*db, {.query = "SELECT `group``by` FROM " + q(table) + " ORDER BY 1"}) == Rows{{"updated"}, {"v0"}});
}

TEST_CASE("the INSERT path splits large exports into statements that fit max_allowed_packet") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("big_inserts");
  DropTable drop{*db, table};
  const int64_t rows = 30000;
  const std::string text(700, 'z');  // ~21 MB in all: several 4 MiB statements
  auto input = rows_stream(
      kIdName, rows,
      [&](sdk::BatchBuilder& b, int64_t row) {
        b.column(0).append_int(row);
        b.column(1).append_string(text + std::to_string(row));
      },
      7000);
  CHECK(db->export_data({.table = table, .options = {{"method", "insert"}}}, input.get()) == rows);
  int64_t bytes = 0;
  for (int64_t r = 0; r < rows; ++r) bytes += 700 + static_cast<int64_t>(std::to_string(r).size());
  CHECK(scalar(*db, "SELECT CONCAT(COUNT(*), ' ', SUM(LENGTH(name)), ' ', COUNT(DISTINCT id)) FROM " + q(table)) ==
        std::to_string(rows) + " " + std::to_string(bytes) + " " + std::to_string(rows));
}

TEST_CASE("export refuses what MySQL cannot hold before touching anything") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("refused");
  auto duplicate = rows_stream({{"a", sdk::int32()}, {"A", sdk::int32()}}, 1, [](sdk::BatchBuilder& b, int64_t) {
    b.column(0).append_int(1);
    b.column(1).append_int(2);
  });
  auto error = error_of([&] { db->export_data({.table = table}, duplicate.get()); });
  CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(error.what()).find("two columns named \"a\" and \"A\" (MySQL column names ignore case)") !=
        std::string::npos);
  auto path = id_name({{1, "x"}});
  CHECK(error_of([&] { db->export_data({.path = "/tmp/x.csv"}, path.get()); }).status() ==
        MAGEIO_STATUS_INVALID_ARGUMENT);
  auto bad_option = id_name({{1, "x"}});
  auto option_error = error_of([&] {
    db->export_data({.table = table, .options = {{"method", "copy"}}}, bad_option.get());
  });
  CHECK(option_error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK_FALSE(db->table_exists(table));
}

TEST_CASE("when LOAD DATA cannot be used, auto falls back to INSERT before writing anything") {
  auto s = server();
  if (!s) return;
  auto admin = open(*s);
  // A user allowed a single connection: the export's session gets it, its LOAD DATA connection cannot open.
  const std::string user = unique_name("one");
  const std::string account = "'" + user + "'@'" + s->host + "'";
  exec(*admin, "CREATE USER " + account + " IDENTIFIED BY 'pw-" + user + "' WITH MAX_USER_CONNECTIONS 1");
  struct DropUser {
    Connector& db;
    std::string account;
    ~DropUser() { db.execute("DROP USER IF EXISTS " + account); }
  } drop_user{*admin, account};
  exec(*admin, "GRANT ALL PRIVILEGES ON " + q(s->database) + ".* TO " + account);
  auto settings = config(*s);
  settings["MYSQL_USER"] = user;
  settings["MYSQL_PASSWORD"] = "pw-" + user;

  LogCapture log;
  const std::string table = unique_name("fallback");
  DropTable drop{*admin, table};
  int64_t written = 0;
  std::optional<mageio::Error> forced_error;
  {
    auto db = open(settings, log.host);
    auto input = id_name({{1, "one"}, {2, "two"}});
    written = db->export_data({.table = table}, input.get());
    auto again = id_name({{3, "three"}});
    forced_error = error_of([&] {
      db->export_data({.table = table, .if_exists = mageio::IfExists::Append, .options = {{"method", "load_data"}}},
                      again.get());
    });
  }
  CHECK(written == 2);
  CHECK(ordered(*admin, table) == Rows{{"1", "one"}, {"2", "two"}});
  CHECK(log.contains(MAGEIO_LOG_WARNING, "writing with INSERT statements instead"));
  REQUIRE(forced_error);
  CHECK(forced_error->status() == MAGEIO_STATUS_BACKEND);
  CHECK(forced_error->vendor_code() == 1226);  // ER_USER_LIMIT_REACHED
  CHECK(std::string(forced_error->what()).find("opening the connection for LOAD DATA LOCAL INFILE") !=
        std::string::npos);
  CHECK(std::string(forced_error->what()).find("pw-" + user) == std::string::npos);
}

TEST_CASE("without MYSQL_ALLOW_LOCAL_INFILE exports use INSERT, and load_data is refused with the reason") {
  auto s = server();
  if (!s) return;
  auto db = open(config(*s, false));
  const std::string table = unique_name("no_infile");
  DropTable drop{*db, table};
  auto input = id_name({{1, "one"}});
  CHECK(db->export_data({.table = table}, input.get()) == 1);
  auto again = id_name({{2, "two"}});
  auto error = error_of([&] {
    db->export_data({.table = table, .if_exists = mageio::IfExists::Append, .options = {{"method", "load_data"}}},
                    again.get());
  });
  CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(error.what()).find("MYSQL_ALLOW_LOCAL_INFILE") != std::string::npos);
  // The connection does not offer local infile to the server at all.
  auto refused = error_of([&] { db->execute("LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE " + q(table)); });
  CHECK(refused.status() == MAGEIO_STATUS_BACKEND);
  CHECK(ordered(*db, table) == Rows{{"1", "one"}});
}

TEST_CASE("LOAD DATA runs on its own connection with the session's variables (time zone, key checks)") {
  auto s = server();
  if (!s) return;
  auto db = open(*s);
  const std::string table = unique_name("mirrored");
  DropTable drop{*db, table};
  exec(*db, "CREATE TABLE " + q(table) + " (id BIGINT, name VARCHAR(64), tz VARCHAR(64), fk_checks INT)");
  // The trigger records the variables of the connection that inserts each row.
  exec(*db, "CREATE TRIGGER " + q(table + "_seen") + " BEFORE INSERT ON " + q(table) +
                " FOR EACH ROW SET NEW.tz = @@SESSION.time_zone, NEW.fk_checks = @@SESSION.foreign_key_checks");
  exec(*db, "SET SESSION time_zone = '+05:00', foreign_key_checks = 0");
  auto input = id_name({{1, "one"}});
  CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Append, .options = {{"method", "load_data"}}},
                        input.get()) == 1);
  CHECK(query(*db, "SELECT id, name, tz, fk_checks FROM " + q(table)) ==
        std::vector<std::vector<std::string>>{{"1", "one", "+05:00", "0"}});
}

TEST_CASE("LOAD DATA through a unix socket") {
  auto s = server();
  if (!s) return;
  auto settings = config(*s);
  settings.erase("MYSQL_HOST");
  settings.erase("MYSQL_PORT");
  settings["MYSQL_UNIX_SOCKET"] = s->socket;
  auto db = open(settings);
  const std::string table = unique_name("socket");
  DropTable drop{*db, table};
  auto input = id_name({{1, "one"}, {2, "two"}});
  CHECK(db->export_data({.table = table, .options = {{"method", "load_data"}}}, input.get()) == 2);
  CHECK(ordered(*db, table) == Rows{{"1", "one"}, {"2", "two"}});
}

TEST_CASE("cancelling an export whose LOAD DATA waits for a lock kills the LOAD DATA connection's statement") {
  auto s = server();
  if (!s) return;
  auto host = std::make_shared<mageio::HostCallbacks>();
  auto db = open(*s, host);
  auto locker = open(*s);
  const std::string table = unique_name("cancel_locked");
  DropTable drop{*locker, table};
  exec(*locker, "CREATE TABLE " + q(table) + " (id BIGINT, name VARCHAR(64))");
  exec(*locker, "INSERT INTO " + q(table) + " VALUES (1, 'kept')");
  exec(*locker, "LOCK TABLES " + q(table) + " WRITE");
  // Cancel once the LOAD DATA is on the server, waiting for the lock: only a KILL QUERY of the LOAD DATA
  // connection (not of the session) ends that wait.
  auto watcher = open(*s);
  std::thread canceller([&] {
    for (int wait = 0; wait < 600; ++wait) {
      if (scalar(*watcher,
                 "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE "
                 "'LOAD DATA LOCAL INFILE%' AND INFO LIKE '%" +
                     table + "%'") != "0")
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    host->cancel_requested = true;
  });
  auto input = id_name({{2, "two"}});
  auto error = error_of([&] {
    db->export_data({.table = table, .if_exists = mageio::IfExists::Append, .options = {{"method", "load_data"}}},
                    input.get());
  });
  canceller.join();
  exec(*locker, "UNLOCK TABLES");
  CHECK(error.status() == MAGEIO_STATUS_CANCELLED);
  host->cancel_requested = false;
  CHECK(ordered(*locker, table) == Rows{{"1", "kept"}});
}
