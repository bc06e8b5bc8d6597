// The sqlite plugin through the real host: Registry -> Plugin -> Connector, over the C ABI.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>
#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/values.hpp>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace sdk = mageio::sdk;

namespace {

// --- Setup -----------------------------------------------------------------------------------------

using mageio::test::TempDir;

std::shared_ptr<const mageio::Plugin> sqlite_plugin() {
  static mageio::Registry registry = mageio::test::bundled_registry();
  return registry.find("sqlite");
}

struct Db {
  TempDir dir;
  std::string file = (dir / "test.db").string();
  std::shared_ptr<mageio::HostCallbacks> host = std::make_shared<mageio::HostCallbacks>();
  std::unique_ptr<mageio::Connector> conn = sqlite_plugin()->open(boost::json::object{{"SQLITE_DATABASE", file}}, host);
  mageio::Connector* operator->() { return conn.get(); }
  operator mageio::Connector&() { return *conn; }
};

// --- Input streams ---------------------------------------------------------------------------------

using Fill = std::function<void(sdk::BatchBuilder&)>;

// Exports `batches`; batch number `fail_at` (0-based) fails instead, and `on_batch` runs before each
// batch is produced (to flip the cancel flag mid-stream).
int64_t export_batches(mageio::Connector& db, const mageio::ExportOptions& options, const sdk::Schema& schema,
                       std::vector<Fill> batches, int fail_at = -1, std::function<void(int)> on_batch = {}) {
  auto fill = [batches, on_batch](sdk::BatchBuilder& builder, int index) {
    if (on_batch) on_batch(index);
    if (index >= static_cast<int>(batches.size())) return false;
    batches[static_cast<size_t>(index)](builder);
    return true;
  };
  mageio::test::OwnedStream input(mageio::test::make_source(schema, fill, fail_at));
  return db.export_data(options, input.get());
}

// Rows of (id int64, name utf8) as one batch.
Fill id_name_rows(std::vector<std::pair<int64_t, std::string>> rows) {
  return [rows](sdk::BatchBuilder& b) {
    for (const auto& [id, name] : rows) {
      b.column(0).append_int(id);
      b.column(1).append_string(name);
      b.end_row();
    }
  };
}
const sdk::Schema kIdName = {{"id", sdk::int64()}, {"name", sdk::utf8()}};

// --- Reading results -------------------------------------------------------------------------------

using Rows = std::vector<std::vector<std::string>>;

}  // namespace

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& row) {
    std::string out = "[";
    for (size_t i = 0; i < row.size(); ++i) out += (i ? ", " : "") + row[i];
    return (out + "]").c_str();
  }
};
template <>
struct StringMaker<Rows> {
  static String convert(const Rows& rows) {
    std::string out = "{";
    for (size_t i = 0; i < rows.size() && i < 20; ++i)
      out += (i ? " " : "") + std::string(StringMaker<std::vector<std::string>>::convert(rows[i]).c_str());
    return (out + (rows.size() > 20 ? " ...}" : "}")).c_str();
  }
};
}  // namespace doctest

namespace {

struct Result {
  sdk::Schema schema;
  Rows rows;
  int batches = 0;
  int64_t largest_batch = 0;
};

Result read_all(mageio::BatchReader& reader) {
  Result result{reader.schema(), {}, 0, 0};
  sdk::OwnedArray batch;
  while (reader.next(batch)) {
    sdk::BatchView view(batch.array, result.schema);
    ++result.batches;
    result.largest_batch = std::max(result.largest_batch, view.rows());
    for (int64_t r = 0; r < view.rows(); ++r) {
      std::vector<std::string> row;
      for (size_t c = 0; c < view.column_count(); ++c)
        row.push_back(view.column(c).is_null(r) ? "NULL" : view.column(c).to_text(r));
      result.rows.push_back(std::move(row));
    }
  }
  return result;
}

Result load(mageio::Connector& db, const mageio::LoadOptions& options) {
  auto reader = db.load(options);
  return read_all(reader);
}
Result query(mageio::Connector& db, const std::string& sql) { return load(db, {.query = sql}); }
Result table(mageio::Connector& db, const std::string& name, const std::string& schema = {}) {
  return load(db, {.table = name, .schema = schema});
}

std::vector<std::string> names(const sdk::Schema& schema) {
  std::vector<std::string> out;
  for (const auto& field : schema) out.push_back(field.name);
  return out;
}

// Runs `call`, which must fail with `status` and a message containing every one of `parts`.
template <typename Call>
void expect_error(Call&& call, MageioStatus status, std::vector<std::string> parts) {
  try {
    call();
  } catch (const sdk::Error& error) {
    const std::string message = error.what();
    INFO("message: " << message);
    CHECK(std::string(sdk::status_name(error.status())) == std::string(sdk::status_name(status)));
    for (const auto& part : parts) CHECK_MESSAGE(message.find(part) != std::string::npos, "missing: " << part);
    return;
  }
  FAIL("expected an error containing '" << (parts.empty() ? "" : parts[0]) << "'");
}

// A table t(id, name) holding (1, a), (2, b), (3, c), created by export.
void seed(mageio::Connector& db, const std::string& name = "t") {
  export_batches(db, {.table = name}, kIdName, {id_name_rows({{1, "a"}, {2, "b"}, {3, "c"}})});
}
const Rows kSeeded = {{"1", "a"}, {"2", "b"}, {"3", "c"}};

// --- Values for every supported type ---------------------------------------------------------------

sdk::int128 nines(int digits) {
  sdk::int128 value = 0;
  for (int i = 0; i < digits; ++i) value = value * 10 + 9;
  return value;
}

// Row 0: ordinary values; row 1: NULLs; row 2: the extremes.
void append_sample(sdk::ColumnBuilder& column, int row) {
  if (row == 1) return column.append_null();
  const bool first = row == 0;
  const sdk::DataType& type = column.type();
  switch (type.id) {
    case sdk::TypeId::Bool: return column.append_bool(first);
    case sdk::TypeId::Int8: return column.append_int(first ? INT8_MIN : INT8_MAX);
    case sdk::TypeId::Int16: return column.append_int(first ? INT16_MIN : INT16_MAX);
    case sdk::TypeId::Int32: return column.append_int(first ? INT32_MIN : INT32_MAX);
    case sdk::TypeId::Int64: return column.append_int(first ? INT64_MIN : INT64_MAX);
    case sdk::TypeId::UInt8: return column.append_uint(first ? 0 : UINT8_MAX);
    case sdk::TypeId::UInt16: return column.append_uint(first ? 0 : UINT16_MAX);
    case sdk::TypeId::UInt32: return column.append_uint(first ? 7 : UINT32_MAX);
    case sdk::TypeId::UInt64: return column.append_uint(first ? 0 : static_cast<uint64_t>(INT64_MAX));
    case sdk::TypeId::Float32:
      return column.append_double(first ? 1.5 : static_cast<double>(std::numeric_limits<float>::lowest()));
    case sdk::TypeId::Float64: return column.append_double(first ? 0.1 : -std::numeric_limits<double>::infinity());
    case sdk::TypeId::Decimal128: {
      sdk::int128 max = nines(type.precision);
      return column.append_decimal(first ? max : -max);
    }
    case sdk::TypeId::Utf8:
    case sdk::TypeId::LargeUtf8:
      return column.append_string(first ? "h\xC3\xA9llo \xF0\x9F\x98\x80 \xF0\x9D\x84\x9E \xE4\xB8\xAD 'q' \"dq\""
                                        : "");
    case sdk::TypeId::Binary:
    case sdk::TypeId::LargeBinary:
      return column.append_string(first ? std::string("\x00\x01\xFF\xFE", 4) : std::string());
    case sdk::TypeId::Date32:
      return column.append_date32(first ? sdk::days_from_civil(1, 1, 1) : sdk::days_from_civil(9999, 12, 31));
    case sdk::TypeId::Timestamp: return column.append_timestamp_us(first ? -1 : int64_t{253402300799999999});
    case sdk::TypeId::Time64: return column.append_time_us(first ? 0 : sdk::kMicrosPerDay - 1);
    default: FAIL("no sample for " << type.name());
  }
}

// Every type the plugin declares, plus those it round-trips but cannot declare yet (see info()).
std::vector<std::string> round_trip_types() {
  std::vector<std::string> types = sqlite_plugin()->supported_types();
  for (const char* extra : {"decimal128(12, 2)", "decimal128(38, 10)", "timestamp[us, UTC]"})
    if (std::find(types.begin(), types.end(), extra) == types.end()) types.emplace_back(extra);
  return types;
}

sdk::Schema supported_schema() {
  sdk::Schema schema;
  for (const auto& name : round_trip_types())
    schema.push_back({"c" + std::to_string(schema.size()) + " " + name, sdk::DataType::from_name(name)});
  return schema;
}

Fill sample_rows() {
  return [](sdk::BatchBuilder& b) {
    for (int row = 0; row < 3; ++row) {
      for (size_t c = 0; c < b.column_count(); ++c) append_sample(b.column(c), row);
      b.end_row();
    }
  };
}

// What the sample rows read as, computed from an Arrow batch built the same way.
Rows expected_sample(const sdk::Schema& schema) {
  sdk::BatchBuilder builder(schema);
  sample_rows()(builder);
  sdk::OwnedArray batch;
  builder.finish(&batch.array);
  sdk::BatchView view(batch.array, schema);
  Rows rows;
  for (int64_t r = 0; r < view.rows(); ++r) {
    std::vector<std::string> row;
    for (size_t c = 0; c < view.column_count(); ++c)
      row.push_back(view.column(c).is_null(r) ? "NULL" : view.column(c).to_text(r));
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

// ==================================================================================================

TEST_CASE("sqlite: describes itself") {
  auto plugin = sqlite_plugin();
  REQUIRE(plugin);
  CHECK(plugin->name() == "sqlite");
  CHECK(plugin->version() == "0.1.0");
  CHECK(!plugin->description().empty());
  for (uint64_t cap :
       {MAGEIO_CAP_LOAD, MAGEIO_CAP_EXPORT, MAGEIO_CAP_EXECUTE, MAGEIO_CAP_EXECUTE_QUERIES, MAGEIO_CAP_ALTER_TABLE,
        MAGEIO_CAP_TABLE_EXISTS, MAGEIO_CAP_UPSERT, MAGEIO_CAP_TRANSACTIONS, MAGEIO_CAP_LOAD_QUERY, MAGEIO_CAP_TABLES})
    CHECK(plugin->has(cap));
  CHECK(!plugin->has(MAGEIO_CAP_PATHS));
  CHECK(plugin->config_schema().section == "SQLite");
  REQUIRE(plugin->config_schema().keys.size() == 3);
  CHECK(plugin->config_schema().keys[0].name == "SQLITE_DATABASE");
  CHECK(plugin->config_schema().keys[0].alias == "database");
  CHECK(plugin->config_schema().keys[0].required);
  CHECK(plugin->config_schema().keys[1].name == "SQLITE_BUSY_TIMEOUT_MS");
  CHECK(plugin->config_schema().keys[2].name == "SQLITE_NAN_AS_NULL");
  const auto& types = plugin->supported_types();
  for (const char* name : {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "float32", "float64",
                           "utf8", "binary", "date32", "timestamp[us]", "time64[us]"})
    CHECK_MESSAGE(std::find(types.begin(), types.end(), name) != types.end(), name);
}

TEST_CASE("sqlite: open errors name the database") {
  TempDir dir;
  auto missing = (dir / "no" / "such" / "dir" / "x.db").string();
  expect_error(
      [&] {
        sqlite_plugin()->open(boost::json::object{{"SQLITE_DATABASE", missing}});
      },
      MAGEIO_STATUS_IO, {"cannot open database '" + missing + "'", "unable to open database file", "does not exist"});
  CHECK(!fs::exists(dir / "no"));  // never created

  auto garbage = (dir / "garbage.db").string();
  std::ofstream(garbage) << std::string(4096, 'x');
  expect_error(
      [&] {
        sqlite_plugin()->open(boost::json::object{{"SQLITE_DATABASE", garbage}});
      },
      MAGEIO_STATUS_IO, {"garbage.db", "not a database"});

  expect_error([&] { sqlite_plugin()->open(boost::json::object{}); }, MAGEIO_STATUS_INVALID_ARGUMENT,
               {"SQLITE_DATABASE"});

  // :memory: works, and the file is created on demand.
  auto memory = sqlite_plugin()->open(boost::json::object{{"SQLITE_DATABASE", ":memory:"}});
  CHECK(query(*memory, "SELECT 41 + 1 AS answer").rows == Rows{{"42"}});
  Db db;
  CHECK(fs::exists(db.file));
}

TEST_CASE("sqlite: every supported type round-trips, with NULLs and 4-byte UTF-8") {
  Db db;
  const sdk::Schema schema = supported_schema();
  CHECK(export_batches(db, {.table = "all_types"}, schema, {sample_rows()}) == 3);

  const Rows expected = expected_sample(schema);
  REQUIRE(expected.size() == 3);
  // The column of a given type, by name.
  auto column_of = [&](const std::string& type) -> size_t {
    for (size_t c = 0; c < schema.size(); ++c)
      if (schema[c].type.name() == type) return c;
    FAIL("no column of type " << type);
    return 0;
  };
  CHECK(expected[0][column_of("utf8")].find("\xF0\x9F\x98\x80") != std::string::npos);  // the emoji is there

  for (const Result& loaded : {table(db, "all_types"), query(db, "SELECT * FROM all_types;")}) {
    REQUIRE(loaded.schema.size() == schema.size());
    for (size_t c = 0; c < schema.size(); ++c) {
      INFO("column " << schema[c].name);
      CHECK(loaded.schema[c].name == schema[c].name);
      CHECK(loaded.schema[c].type.name() == schema[c].type.name());
      CHECK(loaded.schema[c].type == schema[c].type);
    }
    REQUIRE(loaded.rows.size() == 3);
    for (size_t r = 0; r < 3; ++r)
      for (size_t c = 0; c < schema.size(); ++c) {
        INFO("row " << r << " column " << schema[c].name);
        CHECK(loaded.rows[r][c] == expected[r][c]);
      }
  }

  // The values are stored as SQLite users would expect them: decimals, dates and times as exact text.
  auto quoted = [&](const std::string& type) { return "\"" + schema[column_of(type)].name + "\""; };
  auto stored = query(db, "SELECT typeof(" + quoted("decimal128(12, 2)") + "), " + quoted("decimal128(12, 2)") +
                              ", typeof(" + quoted("date32") + "), " + quoted("date32") + ", typeof(" + quoted("bool") +
                              "), " + quoted("bool") + " + 0 FROM all_types LIMIT 1");
  CHECK(stored.rows == Rows{{"text", "9999999999.99", "text", "0001-01-01", "integer", "1"}});
}

TEST_CASE("sqlite: an empty input creates an empty table with the exact types") {
  Db db;
  const sdk::Schema schema = supported_schema();
  CHECK(export_batches(db, {.table = "empty"}, schema, {}) == 0);
  CHECK(db->table_exists("empty"));
  auto loaded = table(db, "empty");
  CHECK(loaded.rows.empty());
  REQUIRE(loaded.schema.size() == schema.size());
  for (size_t c = 0; c < schema.size(); ++c) CHECK(loaded.schema[c].type == schema[c].type);

  // An empty batch is the same as none.
  CHECK(export_batches(db, {.table = "empty2"}, kIdName, {id_name_rows({})}) == 0);
  CHECK(table(db, "empty2").schema.size() == 2);
}

TEST_CASE("sqlite: identifiers with quotes, spaces, mixed case and reserved words") {
  Db db;
  const sdk::Schema schema = {
      {"select", sdk::int64()}, {"odd name", sdk::utf8()}, {"Mixed\"Quote", sdk::int32()}, {"from", sdk::bool_type()}};
  Fill rows = [](sdk::BatchBuilder& b) {
    b.column(0).append_int(1);
    b.column(1).append_string("x");
    b.column(2).append_int(2);
    b.column(3).append_bool(true);
    b.end_row();
  };
  for (const std::string name : {"select", "odd \"name\"", "MixedCase Table"}) {
    INFO(name);
    CHECK(export_batches(db, {.table = name}, schema, {rows}) == 1);
    CHECK(db->table_exists(name));
    auto loaded = table(db, name);
    CHECK(names(loaded.schema) == std::vector<std::string>{"select", "odd name", "Mixed\"Quote", "from"});
    CHECK(loaded.rows == Rows{{"1", "x", "2", "true"}});
    // Append again with the explicit default schema.
    CHECK(export_batches(db, {.table = name, .schema = "main", .if_exists = mageio::IfExists::Append}, schema,
                         {rows}) == 1);
    CHECK(table(db, name, "main").rows.size() == 2);
  }
  // SQLite identifiers are case-insensitive.
  CHECK(db->table_exists("mixedcase table"));
  CHECK(!db->table_exists("mixedcase"));
  CHECK(query(db, "SELECT \"select\" FROM \"odd \"\"name\"\"\"").rows == Rows{{"1"}, {"1"}});
}

TEST_CASE("sqlite: if_exists fail, replace and append") {
  Db db;
  seed(db);

  SUBCASE("fail leaves the table alone") {
    expect_error(
        [&] {
          export_batches(db, {.table = "t"}, kIdName, {id_name_rows({{9, "z"}})});
        },
        MAGEIO_STATUS_ALREADY_EXISTS, {"main.t", "already exists"});
    CHECK(table(db, "t").rows == kSeeded);
  }
  SUBCASE("replace swaps rows and columns") {
    const sdk::Schema other = {{"x", sdk::float64()}};
    Fill row = [](sdk::BatchBuilder& b) {
      b.column(0).append_double(2.5);
      b.end_row();
    };
    CHECK(export_batches(db, {.table = "t", .if_exists = mageio::IfExists::Replace}, other, {row}) == 1);
    auto loaded = table(db, "t");
    CHECK(names(loaded.schema) == std::vector<std::string>{"x"});
    CHECK(loaded.rows == Rows{{"2.5"}});
  }
  SUBCASE("append adds rows, matching columns by name in any order and case") {
    const sdk::Schema swapped = {{"NAME", sdk::utf8()}, {"Id", sdk::int64()}};
    Fill row = [](sdk::BatchBuilder& b) {
      b.column(0).append_string("d");
      b.column(1).append_int(4);
      b.end_row();
    };
    CHECK(export_batches(db, {.table = "t", .if_exists = mageio::IfExists::Append}, swapped, {row}) == 1);
    auto loaded = table(db, "t");
    CHECK(names(loaded.schema) == std::vector<std::string>{"id", "name"});
    CHECK(loaded.rows == Rows{{"1", "a"}, {"2", "b"}, {"3", "c"}, {"4", "d"}});
  }
  SUBCASE("append fewer columns leaves the others NULL") {
    const sdk::Schema only_id = {{"id", sdk::int64()}};
    Fill row = [](sdk::BatchBuilder& b) {
      b.column(0).append_int(4);
      b.end_row();
    };
    CHECK(export_batches(db, {.table = "t", .if_exists = mageio::IfExists::Append}, only_id, {row}) == 1);
    CHECK(table(db, "t").rows.back() == std::vector<std::string>{"4", "NULL"});
  }
  SUBCASE("append with a column the table lacks is an error naming it") {
    const sdk::Schema extra = {{"id", sdk::int64()}, {"name", sdk::utf8()}, {"extra", sdk::int64()}};
    Fill row = [](sdk::BatchBuilder& b) {
      b.column(0).append_int(4);
      b.column(1).append_string("d");
      b.column(2).append_int(5);
      b.end_row();
    };
    expect_error([&] { export_batches(db, {.table = "t", .if_exists = mageio::IfExists::Append}, extra, {row}); },
                 MAGEIO_STATUS_INVALID_ARGUMENT, {"\"extra\"", "main.t", "id, name"});
    CHECK(table(db, "t").rows == kSeeded);
  }
  SUBCASE("append to a missing table creates it") {
    CHECK(export_batches(db, {.table = "fresh", .if_exists = mageio::IfExists::Append}, kIdName,
                         {id_name_rows({{1, "x"}})}) == 1);
    CHECK(table(db, "fresh").rows == Rows{{"1", "x"}});
  }
}

TEST_CASE("sqlite: upsert with UPDATE and IGNORE") {
  Db db;
  const mageio::ExportOptions create{.table = "u", .unique_constraints = {"id"}};
  CHECK(export_batches(db, create, kIdName, {id_name_rows({{1, "a"}, {2, "b"}})}) == 2);

  SUBCASE("UPDATE overwrites the conflicting rows") {
    mageio::ExportOptions upsert{.table = "u",
                                 .if_exists = mageio::IfExists::Append,
                                 .unique_constraints = {"id"},
                                 .unique_conflict_method = mageio::ConflictMethod::Update};
    CHECK(export_batches(db, upsert, kIdName, {id_name_rows({{2, "B"}, {3, "c"}})}) == 2);
    CHECK(query(db, "SELECT * FROM u ORDER BY id").rows == Rows{{"1", "a"}, {"2", "B"}, {"3", "c"}});
  }
  SUBCASE("IGNORE keeps the existing rows") {
    mageio::ExportOptions upsert{.table = "u",
                                 .if_exists = mageio::IfExists::Append,
                                 .unique_constraints = {"id"},
                                 .unique_conflict_method = mageio::ConflictMethod::Ignore};
    CHECK(export_batches(db, upsert, kIdName, {id_name_rows({{2, "B"}, {3, "c"}})}) == 1);
    CHECK(query(db, "SELECT * FROM u ORDER BY id").rows == Rows{{"1", "a"}, {"2", "b"}, {"3", "c"}});
  }
  SUBCASE("the key must have a unique index") {
    seed(db, "plain");
    mageio::ExportOptions upsert{.table = "plain", .if_exists = mageio::IfExists::Append, .unique_constraints = {"id"}};
    expect_error(
        [&] {
          export_batches(db, upsert, kIdName, {id_name_rows({{2, "B"}})});
        },
        MAGEIO_STATUS_INVALID_ARGUMENT, {"main.plain", "UNIQUE", "id"});
    CHECK(table(db, "plain").rows == kSeeded);
    // With a unique index the same upsert works.
    db->execute("CREATE UNIQUE INDEX plain_id ON plain (id)");
    CHECK(export_batches(db, upsert, kIdName, {id_name_rows({{2, "B"}})}) == 1);
    CHECK(query(db, "SELECT name FROM plain WHERE id = 2").rows == Rows{{"B"}});
  }
  SUBCASE("a key that is not an input column is an error") {
    mageio::ExportOptions upsert{.table = "u", .if_exists = mageio::IfExists::Append, .unique_constraints = {"nope"}};
    expect_error(
        [&] {
          export_batches(db, upsert, kIdName, {id_name_rows({{2, "B"}})});
        },
        MAGEIO_STATUS_INVALID_ARGUMENT, {"\"nope\""});
  }
}

TEST_CASE("sqlite: a failing export leaves the table exactly as it was") {
  // Previous table: (id int64, name utf8, old int64) with 3 rows and a unique index on id.
  const sdk::Schema input = {{"id", sdk::int64()}, {"name", sdk::utf8()}, {"n", sdk::uint64()}};
  auto good = [](int64_t first) -> Fill {
    return [first](sdk::BatchBuilder& b) {
      for (int64_t id = first; id < first + 2; ++id) {
        b.column(0).append_int(id);
        b.column(1).append_string("new");
        b.column(2).append_uint(static_cast<uint64_t>(id));
        b.end_row();
      }
    };
  };
  Fill too_big = [](sdk::BatchBuilder& b) {  // uint64 above 2^63-1: SQLite's INTEGER cannot hold it
    b.column(0).append_int(100);
    b.column(1).append_string("bad");
    b.column(2).append_uint(UINT64_MAX);
    b.end_row();
  };
  Fill null_name = [](sdk::BatchBuilder& b) {  // violates NOT NULL
    b.column(0).append_int(101);
    b.column(1).append_null();
    b.column(2).append_uint(1);
    b.end_row();
  };
  const std::vector<mageio::ExportOptions> modes = {
      {.table = "t", .if_exists = mageio::IfExists::Replace},
      {.table = "t", .if_exists = mageio::IfExists::Append},
      {.table = "t",
       .if_exists = mageio::IfExists::Append,
       .unique_constraints = {"id"},
       .unique_conflict_method = mageio::ConflictMethod::Update},
      {.table = "t",
       .if_exists = mageio::IfExists::Replace,
       .unique_constraints = {"id"},
       .unique_conflict_method = mageio::ConflictMethod::Ignore},
  };
  for (const auto& mode : modes) {
    for (int failure = 0; failure < 4; ++failure) {
      CAPTURE(mode.if_exists);
      CAPTURE(mode.unique_constraints.size());
      CAPTURE(failure);
      Db db;
      db->execute("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL, n UBIGINT, old TEXT)");
      db->execute("INSERT INTO t VALUES (1, 'a', 1, 'x'), (2, 'b', 2, 'y'), (3, 'c', 3, 'z')");
      const Rows before = {{"1", "a", "1", "x"}, {"2", "b", "2", "y"}, {"3", "c", "3", "z"}};
      // An upsert's first batch updates existing rows (1, 2): the rollback must undo updates too.
      const int64_t first = mode.unique_constraints.empty() ? 10 : 1;
      const auto before_schema = table(db, "t").schema;

      if (failure == 0) {  // the stream itself fails at its 3rd batch
        expect_error(
            [&] {
              export_batches(db, mode, input, {good(first), good(20), good(30)}, 2);
            },
            MAGEIO_STATUS_INVALID_ARGUMENT, {"test source fails at batch 2", "rolled back"});
      } else if (failure == 1) {  // the 3rd batch holds a value SQLite cannot store
        expect_error(
            [&] {
              export_batches(db, mode, input, {good(first), good(20), too_big});
            },
            MAGEIO_STATUS_INVALID_ARGUMENT, {"\"n\"", "row 5", "18446744073709551615", "rolled back"});
      } else if (failure == 2) {  // the 3rd batch breaks a constraint of the existing table (append only)
        if (mode.if_exists == mageio::IfExists::Replace) continue;
        expect_error(
            [&] {
              export_batches(db, mode, input, {good(first), good(20), null_name});
            },
            MAGEIO_STATUS_BACKEND, {"row 5", "NOT NULL", "rolled back"});
      } else {  // the host cancels while the 3rd batch is being produced
        auto* host = db.host.get();
        expect_error(
            [&] {
              export_batches(db, mode, input, {good(first), good(20), good(30)}, -1,
                             [host](int batch) { host->cancel_requested = batch == 2; });
            },
            MAGEIO_STATUS_CANCELLED, {"cancel"});
        host->cancel_requested = false;
      }
      auto after = table(db, "t");
      CHECK(after.rows == before);
      CHECK(names(after.schema) == names(before_schema));
      CHECK(query(db, "SELECT sql FROM sqlite_master WHERE name = 't'").rows ==
            Rows{{"CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL, n UBIGINT, old TEXT)"}});
    }
  }
}

TEST_CASE("sqlite: an append that breaks a constraint midway names the row") {
  Db db;
  seed(db);
  db->execute("CREATE UNIQUE INDEX t_id ON t (id)");
  expect_error(
      [&] {
        export_batches(db, {.table = "t", .if_exists = mageio::IfExists::Append}, kIdName,
                       {id_name_rows({{4, "d"}, {2, "dup"}})});
      },
      MAGEIO_STATUS_BACKEND, {"row 2", "main.t", "UNIQUE constraint failed"});
  CHECK(table(db, "t").rows == kSeeded);
}

TEST_CASE("sqlite: execute with and without rows") {
  Db db;
  auto created = db->execute("CREATE TABLE e (id INTEGER PRIMARY KEY, v TEXT)");
  CHECK(created.rows_affected == -1);
  CHECK(!created.rows);

  auto inserted = db->execute("INSERT INTO e (v) VALUES ('a'), ('b'), ('c')");
  CHECK(inserted.rows_affected == 3);
  CHECK(!inserted.rows);

  auto updated = db->execute("UPDATE e SET v = 'z' WHERE id > 1;");
  CHECK(updated.rows_affected == 2);
  CHECK(db->execute("DELETE FROM e WHERE 0").rows_affected == 0);

  auto selected = db->execute("SELECT id, v FROM e ORDER BY id");
  REQUIRE(selected.rows);
  auto result = read_all(*selected.rows);
  CHECK(names(result.schema) == std::vector<std::string>{"id", "v"});
  CHECK(result.schema[0].type == sdk::int64());
  CHECK(result.rows == Rows{{"1", "a"}, {"2", "z"}, {"3", "z"}});

  // RETURNING runs even when the rows are never read.
  { auto returned = db->execute("INSERT INTO e (v) VALUES ('r') RETURNING id"); }
  CHECK(query(db, "SELECT count(*) FROM e WHERE v = 'r'").rows == Rows{{"1"}});

  expect_error([&] { db->execute("INSERT INTO e (v) VALUES ('x'); INSERT INTO e (v) VALUES ('y')"); },
               MAGEIO_STATUS_INVALID_ARGUMENT, {"more than one statement", "execute_queries"});
  CHECK(query(db, "SELECT count(*) FROM e WHERE v IN ('x', 'y')").rows == Rows{{"0"}});
  // A trailing comment or semicolon is not a second statement.
  CHECK(db->execute("DELETE FROM e WHERE v = 'r'; -- done").rows_affected == 1);
}

TEST_CASE("sqlite: execute_queries is all or nothing") {
  Db db;
  seed(db);
  expect_error(
      [&] {
        db->execute_queries({"INSERT INTO t VALUES (10, 'ten')", "INSERT INTO missing VALUES (1)",
                             "INSERT INTO t VALUES (11, 'eleven')"});
      },
      MAGEIO_STATUS_NOT_FOUND, {"statement 2 of 3 failed: no such table: missing"});
  CHECK(table(db, "t").rows == kSeeded);

  expect_error(
      [&] {
        db->execute_queries({"INSERT INTO t VALUES (10, 'ten')", "COMMIT", "DELETE FROM t"});
      },
      MAGEIO_STATUS_INVALID_ARGUMENT, {"statement 2 of 3 failed", "transaction"});
  CHECK(table(db, "t").rows == kSeeded);

  CHECK(db->execute_queries({"INSERT INTO t VALUES (10, 'ten')", "CREATE TABLE other (x INT)",
                             "UPDATE t SET name = upper(name) WHERE id < 3; DELETE FROM t WHERE id = 3"}) == 4);
  CHECK(table(db, "t").rows == Rows{{"1", "A"}, {"2", "B"}, {"10", "ten"}});
  CHECK(db->table_exists("other"));

  // Inside a transaction the user opened, it nests (a savepoint) and still undoes its own work.
  db->execute("BEGIN");
  db->execute("INSERT INTO t VALUES (20, 'mine')");
  expect_error(
      [&] {
        db->execute_queries({"DELETE FROM t", "SELECT * FROM nope"});
      },
      MAGEIO_STATUS_NOT_FOUND, {"statement 2 of 2"});
  db->execute("COMMIT");
  CHECK(query(db, "SELECT count(*) FROM t").rows == Rows{{"4"}});
}

TEST_CASE("sqlite: alter_table") {
  Db db;
  seed(db);
  db->alter_table(
      {.table = "t", .action = mageio::AlterAction::AddColumn, .column = "price", .type = "decimal128(10, 3)"});
  db->alter_table(
      {.table = "t", .action = mageio::AlterAction::AddColumn, .column = "when", .type = "timestamp[us, UTC]"});
  db->execute("UPDATE t SET price = '1.500', \"when\" = '2024-01-02 03:04:05+00:00' WHERE id = 1");
  auto loaded = table(db, "t");
  REQUIRE(loaded.schema.size() == 4);
  CHECK(loaded.schema[2].type == sdk::decimal128(10, 3));
  CHECK(loaded.schema[3].type == sdk::timestamp_us("UTC"));
  CHECK(loaded.rows[0] == std::vector<std::string>{"1", "a", "1.500", "2024-01-02 03:04:05+00:00"});

  db->alter_table({.table = "t", .action = mageio::AlterAction::RenameColumn, .column = "name", .new_name = "label"});
  db->alter_table({.table = "t", .action = mageio::AlterAction::DropColumn, .column = "when"});
  CHECK(names(table(db, "t").schema) == std::vector<std::string>{"id", "label", "price"});

  expect_error(
      [&] {
        db->alter_table({.table = "t", .action = mageio::AlterAction::AlterColumnType, .column = "id", .type = "utf8"});
      },
      MAGEIO_STATUS_NOT_IMPLEMENTED, {"ALTER COLUMN TYPE", "\"id\""});
  expect_error([&] { db->alter_table({.table = "t", .action = mageio::AlterAction::DropColumn, .column = "nope"}); },
               MAGEIO_STATUS_NOT_FOUND, {"\"nope\"", "id, label, price"});
  expect_error(
      [&] {
        db->alter_table({.table = "t", .action = mageio::AlterAction::AddColumn, .column = "ID", .type = "int64"});
      },
      MAGEIO_STATUS_ALREADY_EXISTS, {"\"ID\""});
  expect_error(
      [&] {
        db->alter_table(
            {.table = "t", .action = mageio::AlterAction::RenameColumn, .column = "id", .new_name = "label"});
      },
      MAGEIO_STATUS_ALREADY_EXISTS, {"\"label\""});
  expect_error([&] { db->alter_table({.table = "nope", .action = mageio::AlterAction::DropColumn, .column = "x"}); },
               MAGEIO_STATUS_NOT_FOUND, {"main.nope"});
  CHECK(names(table(db, "t").schema) == std::vector<std::string>{"id", "label", "price"});
}

TEST_CASE("sqlite: table_exists") {
  Db db;
  CHECK(!db->table_exists("t"));
  seed(db);
  CHECK(db->table_exists("t"));
  CHECK(db->table_exists("T"));
  CHECK(db->table_exists("t", "main"));
  CHECK(!db->table_exists("t", "temp"));
  CHECK(!db->table_exists("t", "not_attached"));
  db->execute("CREATE VIEW v AS SELECT id FROM t");
  CHECK(db->table_exists("v"));
  db->execute("CREATE INDEX t_name ON t (name)");
  CHECK(!db->table_exists("t_name"));  // an index is not a table
}

TEST_CASE("sqlite: attached databases are schemas") {
  Db db;
  auto other = (db.dir / "other.db").string();
  db->execute("ATTACH DATABASE '" + other + "' AS aux");
  CHECK(export_batches(db, {.table = "t", .schema = "aux"}, kIdName, {id_name_rows({{1, "x"}})}) == 1);
  CHECK(db->table_exists("t", "aux"));
  CHECK(!db->table_exists("t"));
  CHECK(table(db, "t", "aux").rows == Rows{{"1", "x"}});
  expect_error(
      [&] {
        export_batches(db, {.table = "t", .schema = "nope"}, kIdName, {id_name_rows({{1, "x"}})});
      },
      MAGEIO_STATUS_NOT_FOUND, {"'nope'", "main"});
}

TEST_CASE("sqlite: load with a limit") {
  Db db;
  db->execute("CREATE TABLE n (x INTEGER, y TEXT, z BLOB)");
  db->execute(
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) INSERT INTO n (x) SELECT x FROM "
      "c");

  auto top = load(db, {.query = "SELECT x FROM n ORDER BY x DESC;  \n", .limit = 3});
  CHECK(top.rows == Rows{{"100"}, {"99"}, {"98"}});
  CHECK(top.schema[0].type == sdk::int64());

  CHECK(load(db, {.query = "SELECT x FROM n -- trailing comment", .limit = 2}).rows == Rows{{"1"}, {"2"}});
  CHECK(load(db, {.table = "n", .limit = 4}).rows.size() == 4);
  auto none = load(db, {.query = "SELECT x, x * 2 AS twice FROM n", .limit = 0});
  CHECK(none.rows.empty());
  CHECK(names(none.schema) == std::vector<std::string>{"x", "twice"});
  // A statement that cannot be a subquery still honours the limit.
  CHECK(load(db, {.query = "PRAGMA table_info(n)"}).rows.size() == 3);
  CHECK(load(db, {.query = "PRAGMA table_info(n)", .limit = 1}).rows.size() == 1);
  CHECK(load(db, {.query = "VALUES (1), (2), (3)", .limit = 2}).rows.size() == 2);
}

TEST_CASE("sqlite: a large load streams in bounded batches") {
  Db db;
  std::atomic<int64_t> last_progress{0};
  db.host->on_progress = [&](int64_t rows, int64_t, int64_t) { last_progress = rows; };
  db->execute("CREATE TABLE big (id INTEGER PRIMARY KEY, label TEXT, score DOUBLE)");
  db->execute(
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) "
      "INSERT INTO big SELECT x, 'row ' || x, x / 4.0 FROM c");

  auto reader = db->load({.table = "big", .batch_rows = 30000});
  sdk::OwnedArray batch;
  int batches = 0;
  int64_t rows = 0, id_sum = 0, largest = 0;
  while (reader.next(batch)) {
    sdk::BatchView view(batch.array, reader.schema());
    ++batches;
    largest = std::max(largest, view.rows());
    for (int64_t r = 0; r < view.rows(); ++r) id_sum += view.column(0).get_int(r);
    rows += view.rows();
  }
  CHECK(rows == 200000);
  CHECK(id_sum == int64_t{200000} * 200001 / 2);
  CHECK(batches == 7);
  CHECK(largest == 30000);
  CHECK(last_progress == 200000);

  // Expressions (inferred types) with the default batch size.
  auto inferred = load(db, {.query = "SELECT id * 2 AS twice, label || '!' AS shout FROM big"});
  CHECK(inferred.rows.size() == 200000);
  CHECK(inferred.batches >= 4);
  CHECK(inferred.largest_batch <= sdk::kDefaultBatchRows);
  CHECK(inferred.schema[0].type == sdk::int64());
  CHECK(inferred.schema[1].type == sdk::utf8());
  CHECK(inferred.rows[199999] == std::vector<std::string>{"400000", "row 200000!"});
}

TEST_CASE("sqlite: batches are bounded in bytes too") {
  Db db;
  db->execute("CREATE TABLE blobs (id INTEGER, data BLOB)");
  db->execute(
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40) "
      "INSERT INTO blobs SELECT x, zeroblob(1000000) FROM c");
  auto reader = db->load({.table = "blobs"});
  sdk::OwnedArray batch;
  int batches = 0;
  int64_t rows = 0;
  while (reader.next(batch)) {
    sdk::BatchView view(batch.array, reader.schema());
    ++batches;
    rows += view.rows();
    CHECK(view.rows() <= 17);  // about kDefaultBatchBytes (16 MiB) of 1 MB values
  }
  CHECK(rows == 40);
  CHECK(batches >= 3);
}

TEST_CASE("sqlite: a lock held by another connection fails after the busy timeout") {
  Db db;
  seed(db);
  auto other =
      sqlite_plugin()->open(boost::json::object{{"SQLITE_DATABASE", db.file}, {"SQLITE_BUSY_TIMEOUT_MS", "50"}});
  db->execute("BEGIN IMMEDIATE");
  expect_error(
      [&] {
        export_batches(*other, {.table = "t", .if_exists = mageio::IfExists::Append}, kIdName,
                       {id_name_rows({{9, "z"}})});
      },
      MAGEIO_STATUS_UNAVAILABLE, {"locked", db.file, "SQLITE_BUSY_TIMEOUT_MS = 50 ms"});
  db->execute("ROLLBACK");
  CHECK(export_batches(*other, {.table = "t", .if_exists = mageio::IfExists::Append}, kIdName,
                       {id_name_rows({{9, "z"}})}) == 1);
  CHECK(table(db, "t").rows.size() == 4);
  expect_error(
      [&] {
        sqlite_plugin()->open(boost::json::object{{"SQLITE_DATABASE", db.file}, {"SQLITE_BUSY_TIMEOUT_MS", "-1"}});
      },
      MAGEIO_STATUS_INVALID_ARGUMENT, {"SQLITE_BUSY_TIMEOUT_MS"});
}

TEST_CASE("sqlite: a database file created by a connection that wrote nothing is removed when it closes") {
  TempDir dir;
  const std::string file = (dir / "new.db").string();
  auto open = [&] { return sqlite_plugin()->open(boost::json::object{{"SQLITE_DATABASE", file}}); };

  // A failed first export: the file it created goes with it.
  {
    auto db = open();
    CHECK(fs::exists(file));
    expect_error(
        [&] {
          export_batches(*db, {.table = "t"}, kIdName, {id_name_rows({{1, "a"}}), {}}, 1);
        },
        MAGEIO_STATUS_INVALID_ARGUMENT, {"rolled back"});
  }
  CHECK(!fs::exists(file));
  // A load from a missing file too.
  {
    auto db = open();
    expect_error([&] { table(*db, "t"); }, MAGEIO_STATUS_NOT_FOUND, {"does not exist"});
  }
  CHECK(!fs::exists(file));
  // A file that was there before, even empty, stays.
  { std::ofstream touch(file); }
  {
    auto db = open();
    expect_error(
        [&] {
          export_batches(*db, {.table = "t"}, kIdName, {id_name_rows({{1, "a"}}), {}}, 1);
        },
        MAGEIO_STATUS_INVALID_ARGUMENT, {"rolled back"});
  }
  CHECK(fs::exists(file));
  fs::remove(file);
  // A successful export keeps it.
  {
    auto db = open();
    CHECK(export_batches(*db, {.table = "t"}, kIdName, {id_name_rows({{1, "a"}})}) == 1);
  }
  CHECK(fs::exists(file));
  fs::remove(file);

  // A second connection that opened the new file before the first one removed it fails when it
  // exports, instead of writing into a removed file.
  auto creator = open();
  auto second = open();
  creator.reset();
  CHECK(!fs::exists(file));
  expect_error(
      [&] {
        export_batches(*second, {.table = "t"}, kIdName, {id_name_rows({{1, "a"}})});
      },
      MAGEIO_STATUS_IO, {file, "was removed", "run it again"});
}

TEST_CASE("sqlite: errors for bad SQL and missing tables") {
  Db db;
  expect_error([&] { query(db, "SELEC 1"); }, MAGEIO_STATUS_BACKEND, {"sqlite", "syntax error", "SELEC"});
  expect_error([&] { db->execute("CREATE TABLE ("); }, MAGEIO_STATUS_BACKEND, {"syntax error"});
  expect_error([&] { table(db, "missing"); }, MAGEIO_STATUS_NOT_FOUND, {"main.missing", "does not exist"});
  expect_error([&] { query(db, "SELECT * FROM missing"); }, MAGEIO_STATUS_NOT_FOUND, {"no such table: missing"});
  expect_error([&] { query(db, "CREATE TABLE made_by_load (x INT)"); }, MAGEIO_STATUS_INVALID_ARGUMENT,
               {"returns no columns"});
  CHECK(!db->table_exists("made_by_load"));
  expect_error(
      [&] {
        load(db, {.query = "SELECT 1", .options = {{"bogus", 1}}});
      },
      MAGEIO_STATUS_INVALID_ARGUMENT, {"bogus"});
}

TEST_CASE("sqlite: values that do not fit their column are errors, never NULLs") {
  Db db;
  db->execute("CREATE TABLE bad (ok INTEGER, n INTEGER, small TINYINT, d DATE, flag BOOLEAN, m DECIMAL_TEXT(5,2))");
  db->execute("INSERT INTO bad (ok, n) VALUES (1, 2), (2, 'abc')");
  expect_error([&] { table(db, "bad"); }, MAGEIO_STATUS_INVALID_ARGUMENT,
               {"column \"n\"", "declared INTEGER", "row 2", "'abc'", "int64"});
  db->execute("DELETE FROM bad");
  db->execute("INSERT INTO bad (small) VALUES (300)");
  expect_error([&] { table(db, "bad"); }, MAGEIO_STATUS_INVALID_ARGUMENT, {"\"small\"", "row 1", "300", "int8"});
  db->execute("UPDATE bad SET small = 1, d = '2024-13-45'");
  expect_error([&] { table(db, "bad"); }, MAGEIO_STATUS_INVALID_ARGUMENT, {"\"d\"", "2024-13-45", "date32"});
  db->execute("UPDATE bad SET d = '2024-02-29', flag = 2");
  expect_error([&] { table(db, "bad"); }, MAGEIO_STATUS_INVALID_ARGUMENT, {"\"flag\"", "integer 2", "bool"});
  db->execute("UPDATE bad SET flag = 1, m = '123.456'");
  expect_error([&] { table(db, "bad"); }, MAGEIO_STATUS_INVALID_ARGUMENT, {"\"m\"", "123.456", "decimal128(5, 2)"});
  db->execute("UPDATE bad SET m = '-123.45', n = 1.5");
  expect_error([&] { table(db, "bad"); }, MAGEIO_STATUS_INVALID_ARGUMENT, {"\"n\"", "real 1.5", "int64"});
  db->execute("UPDATE bad SET n = NULL");
  CHECK(table(db, "bad").rows == Rows{{"NULL", "NULL", "1", "2024-02-29", "true", "-123.45"}});
}

TEST_CASE("sqlite: types of columns without a usable declared type") {
  Db db;
  db->execute("CREATE TABLE loose (a, b NUMERIC, c VARCHAR(10), d REAL, e BLOB, f INT, g DECIMAL(10,2), h JSON)");
  db->execute("INSERT INTO loose VALUES (1, 2.5, 'x', 1, x'00ff', 7, 3.14159, '{\"k\": 1}')");
  auto loaded = table(db, "loose");
  std::vector<std::string> types;
  for (const auto& field : loaded.schema) types.push_back(field.type.name());
  CHECK(types == std::vector<std::string>{"int64", "float64", "utf8", "float64", "binary", "int64", "decimal128(10, 2)",
                                          "utf8"});
  CHECK(loaded.rows == Rows{{"1", "2.5", "x", "1", "\\x00ff", "7", "3.14", "{\"k\": 1}"}});

  // Mixed storage classes in the first batch widen; an all-NULL expression is utf8.
  auto mixed = query(db, "SELECT 1 AS i UNION ALL SELECT 2.5 UNION ALL SELECT NULL");
  CHECK(mixed.schema[0].type == sdk::float64());
  CHECK(mixed.rows == Rows{{"1"}, {"2.5"}, {"NULL"}});
  CHECK(query(db, "SELECT NULL AS empty").schema[0].type == sdk::utf8());

  // A later batch converts when it can do so exactly...
  CHECK(load(db, {.query = "SELECT 1 AS v UNION ALL SELECT 2.0", .batch_rows = 1}).rows == Rows{{"1"}, {"2"}});
  // ...and is a clear error otherwise.
  expect_error([&] { load(db, {.query = "SELECT 1 AS v UNION ALL SELECT 'text'", .batch_rows = 1}); },
               MAGEIO_STATUS_INVALID_ARGUMENT, {"\"v\"", "row 2", "inferred", "CAST"});
}

TEST_CASE("sqlite: NaN is an error naming column and row, unless SQLITE_NAN_AS_NULL") {
  const sdk::Schema schema = {{"x", sdk::float64()}};
  Fill rows = [](sdk::BatchBuilder& b) {
    b.column(0).append_double(1.25);
    b.end_row();
    b.column(0).append_double(std::nan(""));
    b.end_row();
  };
  {
    Db db;
    expect_error([&] { export_batches(db, {.table = "f"}, schema, {rows}); }, MAGEIO_STATUS_INVALID_ARGUMENT,
                 {"column \"x\"", "row 2", "NaN", "SQLITE_NAN_AS_NULL", "rolled back"});
    CHECK(!db->table_exists("f"));
  }
  {
    TempDir dir;
    auto host = std::make_shared<mageio::HostCallbacks>();
    std::vector<std::string> warnings;
    host->on_log = [&](int32_t level, const std::string& message) {
      if (level == MAGEIO_LOG_WARNING) warnings.push_back(message);
    };
    auto db = sqlite_plugin()->open(
        boost::json::object{{"SQLITE_DATABASE", (dir / "nan.db").string()}, {"SQLITE_NAN_AS_NULL", true}}, host);
    CHECK(export_batches(*db, {.table = "f"}, schema, {rows}) == 2);
    CHECK(table(*db, "f").rows == Rows{{"1.25"}, {"NULL"}});
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("NaN") != std::string::npos);
  }
}

TEST_CASE("sqlite: negative zero and infinities in floats") {
  Db db;
  const sdk::Schema schema = {{"x", sdk::float64()}, {"y", sdk::float32()}};
  const double values[] = {-0.0, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  Fill rows = [&](sdk::BatchBuilder& b) {
    for (double value : values) {
      b.column(0).append_double(value);
      b.column(1).append_double(value);
      b.end_row();
    }
  };
  CHECK(export_batches(db, {.table = "z"}, schema, {rows}) == 3);
  auto reader = db->load({.table = "z"});
  sdk::OwnedArray batch;
  REQUIRE(reader.next(batch));
  sdk::BatchView view(batch.array, reader.schema());
  REQUIRE(view.rows() == 3);
  for (size_t c = 0; c < 2; ++c) {
    CAPTURE(c);
    // SQLite drops the sign of zero: a REAL column stores a whole-number value as an integer on disk,
    // and -0.0 == 0 (documented in the plugin README).
    CHECK(view.column(c).get_double(0) == 0.0);
    CHECK(!std::signbit(view.column(c).get_double(0)));
    CHECK(view.column(c).get_double(1) == std::numeric_limits<double>::infinity());
    CHECK(view.column(c).get_double(2) == -std::numeric_limits<double>::infinity());
  }
}

namespace {

// Days and microseconds for a proleptic Gregorian date (astronomical years: 0 is 1 BC).
int32_t days_of(int64_t year, unsigned month, unsigned day) { return sdk::days_from_civil(year, month, day); }
int64_t micros_of(int64_t year, unsigned month, unsigned day, int64_t micros_of_day = 0) {
  return int64_t{days_of(year, month, day)} * sdk::kMicrosPerDay + micros_of_day;
}

}  // namespace

TEST_CASE("sqlite: every date and timestamp reads back as written, infinities and years outside 0-9999 too") {
  constexpr int32_t kMaxDays = std::numeric_limits<int32_t>::max();
  constexpr int32_t kMinDays = std::numeric_limits<int32_t>::min();
  constexpr int64_t kMaxMicros = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMinMicros = std::numeric_limits<int64_t>::min();
  const int64_t last_micro_of_day = sdk::kMicrosPerDay - 1;
  const std::vector<int32_t> days = {kMinDays,
                                     kMinDays + 1,
                                     days_of(-4713, 11, 24),
                                     days_of(-43, 3, 15),
                                     days_of(-1, 12, 31),
                                     days_of(0, 1, 1),
                                     days_of(0, 2, 29),
                                     days_of(1, 1, 1),
                                     0,
                                     days_of(9999, 12, 31),
                                     days_of(10000, 1, 1),
                                     kMaxDays - 1,
                                     kMaxDays};
  const std::vector<int64_t> micros = {
      kMinMicros, kMinMicros + 1, micros_of(-4713, 11, 24, 12 * 3600 * sdk::kMicrosPerSecond), micros_of(-43, 3, 15, 1),
      micros_of(0, 1, 1), micros_of(0, 12, 31, last_micro_of_day), -1, 0, micros_of(9999, 12, 31, last_micro_of_day),
      micros_of(10000, 1, 1), kMaxMicros - 1, kMaxMicros,
      // filler rows, so both columns have as many rows as `days`
      micros_of(2024, 2, 29)};
  REQUIRE(days.size() == micros.size());
  const sdk::Schema schema = {{"d", sdk::date32()}, {"ts", sdk::timestamp_us()}, {"tz", sdk::timestamp_us("UTC")}};
  Fill rows = [&](sdk::BatchBuilder& b) {
    for (size_t i = 0; i < days.size(); ++i) {
      b.column(0).append_date32(days[i]);
      b.column(1).append_timestamp_us(micros[i]);
      b.column(2).append_timestamp_us(micros[i]);
      b.end_row();
    }
  };
  Db db;
  CHECK(export_batches(db, {.table = "dates"}, schema, {rows}) == static_cast<int64_t>(days.size()));

  auto reader = db->load({.table = "dates"});
  CHECK(reader.schema()[0].type == sdk::date32());
  CHECK(reader.schema()[1].type == sdk::timestamp_us());
  CHECK(reader.schema()[2].type == sdk::timestamp_us("UTC"));
  sdk::OwnedArray batch;
  REQUIRE(reader.next(batch));
  sdk::BatchView view(batch.array, reader.schema());
  REQUIRE(view.rows() == static_cast<int64_t>(days.size()));
  for (size_t i = 0; i < days.size(); ++i) {
    CAPTURE(i);
    CHECK(view.column(0).get_date32(static_cast<int64_t>(i)) == days[i]);
    CHECK(view.column(1).get_timestamp_us(static_cast<int64_t>(i)) == micros[i]);
    CHECK(view.column(2).get_timestamp_us(static_cast<int64_t>(i)) == micros[i]);
  }

  // The spelling: PostgreSQL's infinities, ISO 8601 expanded years (astronomical: -0043 is 44 BC).
  auto text = query(db, "SELECT d || '', ts || '', tz || '' FROM dates").rows;
  CHECK(text[0] == std::vector<std::string>{"-infinity", "-infinity", "-infinity"});
  CHECK(text[2] == std::vector<std::string>{"-4713-11-24", "-4713-11-24 12:00:00", "-4713-11-24 12:00:00+00:00"});
  CHECK(text[3] ==
        std::vector<std::string>{"-0043-03-15", "-0043-03-15 00:00:00.000001", "-0043-03-15 00:00:00.000001+00:00"});
  CHECK(text[5][0] == "0000-01-01");
  CHECK(text[9] == std::vector<std::string>{"9999-12-31", "+10000-01-01 00:00:00", "+10000-01-01 00:00:00+00:00"});
  CHECK(text[10] == std::vector<std::string>{"+10000-01-01", "+294247-01-10 04:00:54.775806",
                                             "+294247-01-10 04:00:54.775806+00:00"});
  CHECK(text[12] == std::vector<std::string>{"infinity", "2024-02-29 00:00:00", "2024-02-29 00:00:00+00:00"});

  // Text written by others: the same spellings are read; beyond the range of the type is an error.
  db->execute("CREATE TABLE typed (d DATE, ts TIMESTAMP)");
  db->execute("INSERT INTO typed VALUES ('-Infinity', '+infinity'), ('+2024-01-02', '-0001-12-31T23:59:59Z')");
  {
    auto typed = db->load({.table = "typed"});
    REQUIRE(typed.next(batch));
    sdk::BatchView back(batch.array, typed.schema());
    CHECK(back.column(0).get_date32(0) == kMinDays);
    CHECK(back.column(1).get_timestamp_us(0) == kMaxMicros);
    CHECK(back.column(0).get_date32(1) == days_of(2024, 1, 2));
    CHECK(back.column(1).get_timestamp_us(1) == micros_of(-1, 12, 31, last_micro_of_day - 999999));
  }
  db->execute("INSERT INTO typed VALUES (NULL, '+294247-01-10 04:00:54.775808')");
  expect_error([&] { table(db, "typed"); }, MAGEIO_STATUS_INVALID_ARGUMENT, {"\"ts\"", "row 3", "timestamp"});
  db->execute("UPDATE typed SET ts = NULL WHERE d IS NULL");
  db->execute("INSERT INTO typed VALUES ('-5877642-01-01', NULL)");
  expect_error([&] { table(db, "typed"); }, MAGEIO_STATUS_INVALID_ARGUMENT, {"\"d\"", "row 4", "date32"});
  db->execute("DELETE FROM typed WHERE d = '-5877642-01-01'");
  for (const char* bad : {"-043-03-15", "+-0043-03-15", "-0043-13-01", "infinity!", "10000-01-01"}) {
    CAPTURE(bad);
    db->execute(std::string("UPDATE typed SET d = '") + bad + "' WHERE d IS NULL");
    expect_error([&] { table(db, "typed"); }, MAGEIO_STATUS_INVALID_ARGUMENT, {"\"d\"", bad});
    db->execute(std::string("UPDATE typed SET d = NULL WHERE d = '") + bad + "'");
  }
}

TEST_CASE("sqlite: a copy within one database file completes, reading and writing through two connections") {
  // Two connections of one process on one file: the writer cannot spill pages into the file while the
  // reader holds its lock, and used to wait out the busy timeout each time its page cache filled.
  for (const bool wal : {false, true}) {
    CAPTURE(wal);
    Db source;
    if (wal) source->execute("PRAGMA journal_mode = WAL");
    source->execute("CREATE TABLE a (id INTEGER PRIMARY KEY, label TEXT)");
    source->execute(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 150000) "
        "INSERT INTO a SELECT x, printf('%0100d', x) FROM c");  // ~16 MiB: many times SQLite's page cache
    auto host = std::make_shared<mageio::HostCallbacks>();
    std::vector<std::string> warnings;
    host->on_log = [&](int32_t level, const std::string& message) {
      if (level == MAGEIO_LOG_WARNING) warnings.push_back(message);
    };
    auto dest = sqlite_plugin()->open(boost::json::object{{"SQLITE_DATABASE", source.file}}, host);

    auto reader = source->load({.table = "a"});
    CHECK(dest->export_data({.table = "b"}, reader.stream()) == 150000);
    CHECK(table(source, "b").rows == table(source, "a").rows);
    if (wal) {
      CHECK(warnings.empty());
    } else {
      REQUIRE(warnings.size() == 1);
      CHECK(warnings[0].find("WAL") != std::string::npos);
    }

    // The read ended with its stream: later exports into the file are ordinary again.
    warnings.clear();
    CHECK(export_batches(*dest, {.table = "c"}, kIdName, {id_name_rows({{1, "one"}})}) == 1);
    CHECK(warnings.empty());
  }
}

TEST_CASE("sqlite: a table another connection re-created is read as it is now, not as this connection last saw it") {
  // A connection keeps the schema it last read and notices another connection's change only when its
  // statement first steps (SQLite then prepares it again): columns described before that step were the
  // old table's.
  Db a;
  auto b = sqlite_plugin()->open(boost::json::object{{"SQLITE_DATABASE", a.file}}, a.host);
  a->execute("CREATE TABLE t (id INTEGER, k INTEGER, s TEXT)");
  a->execute("INSERT INTO t VALUES (1, 2, 'x')");
  CHECK(query(a, "SELECT * FROM t").rows == Rows{{"1", "2", "x"}});
  b->execute("DROP TABLE t");
  b->execute("CREATE TABLE t (id TEXT, s INTEGER)");
  b->execute("INSERT INTO t VALUES ('one', 7)");
  for (const bool by_query : {true, false}) {
    CAPTURE(by_query);
    Result now = by_query ? query(a, "SELECT * FROM t") : table(a, "t");
    CHECK(names(now.schema) == std::vector<std::string>{"id", "s"});
    CHECK(now.schema[0].type == sdk::utf8());
    CHECK(now.schema[1].type == sdk::int64());
    CHECK(now.rows == Rows{{"one", "7"}});
  }
  // The same with no rows and with a limit of 0: the description still comes from the table as it is.
  b->execute("DROP TABLE t");
  b->execute("CREATE TABLE t (z REAL)");
  CHECK(names(query(a, "SELECT * FROM t").schema) == std::vector<std::string>{"z"});
  b->execute("DROP TABLE t");
  b->execute("CREATE TABLE t (w BLOB)");
  CHECK(names(load(a, {.query = "SELECT * FROM t", .limit = 0}).schema) == std::vector<std::string>{"w"});
}
