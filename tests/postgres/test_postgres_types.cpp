// Every type of the map (plugins/postgres/pg_types.hpp) through the real host against a real server:
// PostgreSQL -> Arrow (schema and values, NULLs, infinities, NaN), Arrow -> PostgreSQL -> Arrow, and
// PostgreSQL -> CSV -> PostgreSQL through the CLI.
#include "pg_test_support.hpp"

#include <mageio/sdk/arrow_reader.hpp>

#include <cmath>
#include <limits>

using namespace mageio;
using pgtest::q;

namespace {

const char* kAllTypes = R"SQL(
  id integer PRIMARY KEY,
  b boolean, i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision,
  n12 numeric(12,2), n38 numeric(38,10), nfree numeric,
  t text, vc varchar(20), ch char(5), nm name, by bytea,
  d date, ts timestamp, tstz timestamptz, tm time,
  u uuid, j json, jb jsonb, iv interval, arr integer[], tarr text[], e %ENUM%, inet_col inet, tz timetz, mon money
)SQL";

std::string all_types_table(Connector& db, const std::string& table, const std::string& enum_type) {
  std::string columns = kAllTypes;
  columns.replace(columns.find("%ENUM%"), 6, q(enum_type));
  pgtest::exec(db, "CREATE TYPE " + q(enum_type) + " AS ENUM ('small', 'large')");
  pgtest::exec(db, "CREATE TABLE " + q(table) + " (" + columns + ")");
  pgtest::exec(db, "INSERT INTO " + q(table) + R"SQL( VALUES
    (1, true, -32768, -2147483648, -9223372036854775808, 1.5, -2.25,
     -1234567890.12, 1234567890123456789012345678.0123456789, 3.14159265358979323846264338327950288419716939937510,
     'hello ünïcödé ✓', 'varchar', 'ab', 'a name', '\x00ff10',
     '2024-02-29', '2024-02-29 13:45:56.123456', '2024-02-29 13:45:56.123456+00', '23:59:59.999999',
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{"b": {"c": null}}', '1 year 2 mons 3 days 04:05:06.789',
     '{1,NULL,3}', '{"x y","z\"q"}', 'large', '192.168.0.1/24', '10:00:00+02', 12.34),
    (2, false, 32767, 2147483647, 9223372036854775807, 'NaN', 'Infinity',
     0, -0.0000000001, 'NaN',
     '', '', '', '', '',
     'infinity', 'infinity', '-infinity', '00:00:00',
     NULL, 'null', '[]', '-1 days', '{}', NULL, 'small', '::1', NULL, -1),
    (3, NULL, NULL, NULL, NULL, '-Infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     '-infinity', '-infinity', 'infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (4, true, 0, 0, 0, 0, '-0', 0.01, 0, -123456789012345678901234567890.123456789,
     'line1
line2	"quoted", comma', 'x', 'abcde', 'n', '\x',
     '0001-01-01', '1900-01-01 00:00:00', '1970-01-01 00:00:00+00', '24:00:00',
     '00000000-0000-0000-0000-000000000000', '"s"', '1', '0', '{{1,2},{3,4}}', '{}', 'small', '10.0.0.0/8', '00:00:00-08', 0)
  )SQL");
  return table;
}

}  // namespace

TEST_CASE("postgres load: every type maps to its Arrow type, with NULLs, infinities and NaN") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = pgtest::unique_name("types");
  all_types_table(*db, table, table + "_size");

  auto reader = db->load({.table = table});
  const auto& schema = reader.schema();
  std::map<std::string, std::string> types;
  for (const auto& field : schema) types[field.name] = field.type.name();
  CHECK(types["b"] == "bool");
  CHECK(types["i2"] == "int16");
  CHECK(types["i4"] == "int32");
  CHECK(types["i8"] == "int64");
  CHECK(types["f4"] == "float32");
  CHECK(types["f8"] == "float64");
  CHECK(types["n12"] == "decimal128(12, 2)");
  CHECK(types["n38"] == "decimal128(38, 10)");
  CHECK(types["nfree"] == "utf8");
  for (const char* text : {"t", "vc", "ch", "nm", "u", "j", "jb", "iv", "arr", "tarr", "e", "inet_col", "tz", "mon"})
    CHECK_MESSAGE(types[text] == "utf8", text);
  CHECK(types["by"] == "binary");
  CHECK(types["d"] == "date32");
  CHECK(types["ts"] == "timestamp[us]");
  CHECK(types["tstz"] == "timestamp[us, UTC]");
  CHECK(types["tm"] == "time64[us]");

  // Raw values, checked in the Arrow arrays themselves.
  sdk::OwnedArray batch;
  std::vector<std::map<std::string, std::string>> text_rows;
  std::map<int, std::map<std::string, int64_t>> raw;
  std::map<int, std::map<std::string, double>> floats;
  while (reader.next(batch)) {
    sdk::BatchView view(batch.array, schema);
    for (int64_t r = 0; r < view.rows(); ++r) {
      std::map<std::string, std::string> row;
      int id = static_cast<int>(view.column(0).get_int(r));
      for (size_t c = 0; c < schema.size(); ++c) {
        const auto& column = view.column(c);
        row[schema[c].name] = pgtest::cell_text(column, r);
        if (column.is_null(r)) continue;
        if (schema[c].name == "d") raw[id]["d"] = column.get_date32(r);
        if (schema[c].name == "ts" || schema[c].name == "tstz") raw[id][schema[c].name] = column.get_timestamp_us(r);
        if (schema[c].name == "f4" || schema[c].name == "f8") floats[id][schema[c].name] = column.get_double(r);
      }
      text_rows.push_back(row);
    }
  }
  REQUIRE(text_rows.size() == 4);
  std::sort(text_rows.begin(), text_rows.end(),
            [](auto& a, auto& b) { return std::stoi(a["id"]) < std::stoi(b["id"]); });
  auto& r1 = text_rows[0];
  CHECK(r1["b"] == "true");
  CHECK(r1["i2"] == "-32768");
  CHECK(r1["i4"] == "-2147483648");
  CHECK(r1["i8"] == "-9223372036854775808");
  CHECK(r1["f4"] == "1.5");
  CHECK(r1["f8"] == "-2.25");
  CHECK(r1["n12"] == "-1234567890.12");
  CHECK(r1["n38"] == "1234567890123456789012345678.0123456789");
  CHECK(r1["nfree"] == "3.14159265358979323846264338327950288419716939937510");
  CHECK(r1["t"] == "hello ünïcödé ✓");
  CHECK(r1["vc"] == "varchar");
  CHECK(r1["ch"] == "ab   ");  // char(n) keeps its padding, as PostgreSQL prints it
  CHECK(r1["nm"] == "a name");
  CHECK(r1["by"] == "\\x00ff10");
  CHECK(r1["d"] == "2024-02-29");
  CHECK(r1["ts"] == "2024-02-29 13:45:56.123456");
  CHECK(r1["tstz"] == "2024-02-29 13:45:56.123456+00:00");
  CHECK(r1["tm"] == "23:59:59.999999");
  CHECK(r1["u"] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  CHECK(r1["j"] == "{\"a\": [1, 2]}");
  CHECK(r1["jb"] == "{\"b\": {\"c\": null}}");
  CHECK(r1["iv"] == "1 year 2 mons 3 days 04:05:06.789");
  CHECK(r1["arr"] == "{1,NULL,3}");
  CHECK(r1["tarr"] == "{\"x y\",\"z\\\"q\"}");
  CHECK(r1["e"] == "large");
  CHECK(r1["inet_col"] == "192.168.0.1/24");
  CHECK(r1["tz"] == "10:00:00+02");
  CHECK(r1["mon"] == "$12.34");

  auto& r2 = text_rows[1];
  CHECK(std::isnan(floats[2]["f4"]));
  CHECK(floats[2]["f8"] == std::numeric_limits<double>::infinity());
  CHECK(r2["n12"] == "0.00");
  CHECK(r2["n38"] == "-0.0000000001");
  CHECK(r2["nfree"] == "NaN");
  CHECK(r2["t"] == "");
  CHECK(r2["ch"] == "     ");
  CHECK(r2["by"] == "\\x");
  CHECK(r2["d"] == "infinity");
  CHECK(raw[2]["d"] == std::numeric_limits<int32_t>::max());     // date 'infinity'
  CHECK(raw[2]["ts"] == std::numeric_limits<int64_t>::max());    // timestamp 'infinity'
  CHECK(raw[2]["tstz"] == std::numeric_limits<int64_t>::min());  // timestamptz '-infinity'
  CHECK(r2["u"] == "NULL");
  CHECK(r2["j"] == "null");
  CHECK(r2["jb"] == "[]");

  auto& r3 = text_rows[2];
  CHECK(floats[3]["f4"] == -std::numeric_limits<double>::infinity());
  CHECK(raw[3]["d"] == std::numeric_limits<int32_t>::min());
  CHECK(raw[3]["ts"] == std::numeric_limits<int64_t>::min());
  CHECK(raw[3]["tstz"] == std::numeric_limits<int64_t>::max());
  for (const char* column : {"b", "i2", "i4", "i8", "f8", "n12", "n38", "nfree", "t", "by", "tm", "u", "arr", "e"})
    CHECK_MESSAGE(r3[column] == "NULL", column);

  auto& r4 = text_rows[3];
  CHECK(r4["nfree"] == "-123456789012345678901234567890.123456789");
  CHECK(r4["t"] == "line1\nline2\t\"quoted\", comma");
  CHECK(r4["d"] == "0001-01-01");
  CHECK(r4["ts"] == "1900-01-01 00:00:00");
  CHECK(r4["tstz"] == "1970-01-01 00:00:00+00:00");
  CHECK(r4["tm"] == "24:00:00");
  CHECK(r4["u"] == "00000000-0000-0000-0000-000000000000");
  CHECK(r4["arr"] == "{{1,2},{3,4}}");
  CHECK(std::signbit(floats[4]["f8"]));  // -0.0 keeps its sign

  pgtest::exec(*db, "DROP TABLE " + q(table));
  pgtest::exec(*db, "DROP TYPE " + q(table + "_size"));
}

TEST_CASE("postgres round trip: PostgreSQL -> Arrow -> PostgreSQL keeps every value") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string source = pgtest::unique_name("rt_src");
  const std::string copy = pgtest::unique_name("rt_copy");
  all_types_table(*db, source, source + "_size");

  {
    auto reader = db->load({.query = "SELECT * FROM " + q(source) + " ORDER BY id;"});
    CHECK(db->export_data({.table = copy}, reader.stream()) == 4);
  }
  // Loading the copy gives the same Arrow schema and the same values.
  auto original = db->load({.query = "SELECT * FROM " + q(source) + " ORDER BY id"});
  auto copied = db->load({.query = "SELECT * FROM " + q(copy) + " ORDER BY id"});
  CHECK(original.schema().size() == copied.schema().size());
  for (size_t i = 0; i < original.schema().size() && i < copied.schema().size(); ++i) {
    CHECK(original.schema()[i].name == copied.schema()[i].name);
    CHECK(original.schema()[i].type == copied.schema()[i].type);
  }
  CHECK(pgtest::all_rows(original) == pgtest::all_rows(copied));

  // The typed columns came back exactly in PostgreSQL too (infinities and NaN included).
  const std::string same =
      "SELECT count(*) FROM " + q(source) + " s JOIN " + q(copy) +
      " c USING (id) WHERE s.b IS NOT DISTINCT FROM c.b AND s.i2 IS NOT DISTINCT FROM c.i2 AND "
      "s.i8 IS NOT DISTINCT FROM c.i8 AND s.f4 IS NOT DISTINCT FROM c.f4 AND s.f8 IS NOT DISTINCT FROM c.f8 AND "
      "s.n12 IS NOT DISTINCT FROM c.n12 AND s.n38 IS NOT DISTINCT FROM c.n38 AND s.nfree::text IS NOT DISTINCT FROM "
      "c.nfree "
      "AND s.by IS NOT DISTINCT FROM c.by AND s.d IS NOT DISTINCT FROM c.d AND s.ts IS NOT DISTINCT FROM c.ts AND "
      "s.tstz IS NOT DISTINCT FROM c.tstz AND s.tm IS NOT DISTINCT FROM c.tm AND s.u::text IS NOT DISTINCT FROM c.u "
      "AND "
      "s.jb::text IS NOT DISTINCT FROM c.jb AND s.iv::text IS NOT DISTINCT FROM c.iv";
  CHECK(pgtest::scalar(*db, same) == "4");
  CHECK(pgtest::scalar(*db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '" + q(copy) +
                                "'::regclass AND attname = 'n38'") == "numeric(38,10)");
  CHECK(pgtest::scalar(*db, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '" + q(copy) +
                                "'::regclass AND attname = 'tstz'") == "timestamp with time zone");

  // Appending the Arrow rows into the original table's own types (uuid, jsonb, enum, interval, inet,
  // arrays, money ... from utf8) also works: direct binary where possible, a server-side cast otherwise.
  {
    auto reader =
        db->load({.query = "SELECT id + 100 AS id, b, i2, i4, i8, f4, f8, n12, n38, nfree, t, vc, ch, nm, by, d, ts, "
                           "tstz, tm, u, j, jb, iv, arr, tarr, e, inet_col, tz, mon FROM " +
                           q(source)});
    CHECK(db->export_data({.table = source, .if_exists = mageio::IfExists::Append}, reader.stream()) == 4);
  }
  const std::string columns =
      "b, i2, i4, i8, f4, f8, n12, n38, nfree, t, vc, ch, nm, by, d, ts, tstz, tm, u, j::text, jb, "
      "iv, arr, tarr, e, inet_col, tz, mon";
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM (SELECT " + columns + " FROM " + q(source) +
                                " WHERE id < 100 EXCEPT SELECT " + columns + " FROM " + q(source) +
                                " WHERE id > 100) x") == "0");
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(source)) == "8");

  pgtest::exec(*db, "DROP TABLE " + q(source) + ", " + q(copy));
  pgtest::exec(*db, "DROP TYPE " + q(source + "_size"));
}

TEST_CASE("postgres export creates tables with the inverse type map") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = pgtest::unique_name("arrow_types");
  sdk::Schema schema = {{"i8", sdk::int8()},
                        {"i16", sdk::int16()},
                        {"i32", sdk::int32()},
                        {"i64", sdk::int64()},
                        {"u8", sdk::uint8()},
                        {"u16", sdk::uint16()},
                        {"u32", sdk::uint32()},
                        {"u64", sdk::uint64()},
                        {"f32", sdk::float32()},
                        {"f64", sdk::float64()},
                        {"dec", sdk::decimal128(12, 2)},
                        {"s", sdk::utf8()},
                        {"ls", sdk::large_utf8()},
                        {"bin", sdk::binary()},
                        {"d", sdk::date32()},
                        {"ts", sdk::timestamp_us()},
                        {"tstz", sdk::timestamp_us("UTC")},
                        {"t", sdk::time64_us()},
                        {"flag", sdk::bool_type()},
                        {"nothing", sdk::null_type()},
                        {"req", sdk::int32(), false}};
  auto input = pgtest::rows_stream(schema, 3, [](sdk::BatchBuilder& b, int64_t row) {
    int c = 0;
    for (int i = 0; i < 3; ++i) b.column(c++).append_int(row == 2 ? -100 + i : 100 + i);
    b.column(c++).append_int(row == 2 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max());
    b.column(c++).append_uint(255);
    b.column(c++).append_uint(65535);
    b.column(c++).append_uint(4294967295u);
    b.column(c++).append_uint(std::numeric_limits<uint64_t>::max());
    b.column(c++).append_double(0.1);
    b.column(c++).append_double(1e308);
    b.column(c++).append_decimal(row == 1 ? -999999999999 : 12345);
    b.column(c++).append_string("s" + std::to_string(row));
    b.column(c++).append_string("large");
    b.column(c++).append_string(std::string("\0\1\2", 3));
    b.column(c++).append_date32(19000 + static_cast<int32_t>(row));
    b.column(c++).append_timestamp_us(1700000000123456 + row);
    b.column(c++).append_timestamp_us(-1);
    b.column(c++).append_time_us(1);
    if (row == 0)
      b.column(c++).append_null();
    else
      b.column(c++).append_bool(row == 1);
    b.column(c++).append_null();
    b.column(c++).append_int(row);
  });
  CHECK(db->export_data({.table = table}, input.get()) == 3);

  auto rows = pgtest::query(
      *db, "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute WHERE attrelid = '" +
               q(table) + "'::regclass AND attnum > 0 ORDER BY attnum");
  std::vector<std::string> declared;
  for (auto& row : rows) declared.push_back(row[0] + " " + row[1] + (row[2] == "true" ? " NOT NULL" : ""));
  CHECK(declared == std::vector<std::string>{"i8 smallint",
                                             "i16 smallint",
                                             "i32 integer",
                                             "i64 bigint",
                                             "u8 smallint",
                                             "u16 integer",
                                             "u32 bigint",
                                             "u64 numeric(20,0)",
                                             "f32 real",
                                             "f64 double precision",
                                             "dec numeric(12,2)",
                                             "s text",
                                             "ls text",
                                             "bin bytea",
                                             "d date",
                                             "ts timestamp without time zone",
                                             "tstz timestamp with time zone",
                                             "t time without time zone",
                                             "flag boolean",
                                             "nothing text",
                                             "req integer NOT NULL"});
  CHECK(pgtest::query(
            *db,
            "SELECT i64::text, u64::text, f32::text, dec::text, bin::text, d::text, ts::text, tstz AT TIME ZONE 'UTC', "
            "t::text, flag::text, nothing FROM " +
                q(table) + " ORDER BY req") ==
        std::vector<std::vector<std::string>>{
            {"9223372036854775807", "18446744073709551615", "0.1", "123.45", "\\x000102", "2022-01-08",
             "2023-11-14 22:13:20.123456", "1969-12-31 23:59:59.999999", "00:00:00.000001", "NULL", "NULL"},
            {"9223372036854775807", "18446744073709551615", "0.1", "-9999999999.99", "\\x000102", "2022-01-09",
             "2023-11-14 22:13:20.123457", "1969-12-31 23:59:59.999999", "00:00:00.000001", "true", "NULL"},
            {"-9223372036854775808", "18446744073709551615", "0.1", "123.45", "\\x000102", "2022-01-10",
             "2023-11-14 22:13:20.123458", "1969-12-31 23:59:59.999999", "00:00:00.000001", "false", "NULL"}});
  pgtest::exec(*db, "DROP TABLE " + q(table));
}

TEST_CASE("postgres load: numeric NaN in a decimal column fails naming column and row, unless loaded as text") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string query = "SELECT x::numeric(10,2) AS amount FROM (VALUES (1.5), (2), ('NaN')) v(x)";
  auto error = pgtest::error_of([&] {
    auto reader = db->load({.query = query});
    test::read_all_text(reader);
  });
  CHECK(std::string(error.what()).find("column \"amount\", row 3") != std::string::npos);
  CHECK(std::string(error.what()).find("NaN") != std::string::npos);
  CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  // The connection is still good afterwards.
  CHECK(pgtest::scalar(*db, "SELECT 1") == "1");

  LoadOptions as_text{.query = query};
  as_text.options["numeric_as_text"] = true;
  CHECK(pgtest::load_text(*db, as_text) == std::vector<std::vector<std::string>>{{"1.50"}, {"2.00"}, {"NaN"}});
}

TEST_CASE("postgres load: limit on any query, trailing semicolons, comments and schema-qualified tables") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  CHECK(pgtest::load_text(*db, {.query = "SELECT g FROM generate_series(1, 10) g ORDER BY g DESC ;; ", .limit = 3}) ==
        std::vector<std::vector<std::string>>{{"10"}, {"9"}, {"8"}});
  CHECK(pgtest::load_text(*db, {.query = "SELECT 1 AS a, 2 AS a -- two columns with one name", .limit = 5}) ==
        std::vector<std::vector<std::string>>{{"1", "2"}});
  CHECK(pgtest::load_text(*db, {.query = "VALUES (1), (2)", .limit = 0}).empty());

  const std::string schema = pgtest::unique_name("Mixed Schema");
  const std::string table = "Table \"quoted\"";
  pgtest::exec(*db, "CREATE SCHEMA " + q(schema));
  pgtest::exec(*db,
               "CREATE TABLE " + q(schema) + "." + q(table) + " AS SELECT g AS \"Value\" FROM generate_series(1, 5) g");
  CHECK(pgtest::load_text(*db, {.table = table, .schema = schema, .limit = 2}).size() == 2);
  CHECK(db->sample(table, schema, 4).schema()[0].name == "Value");
  auto missing = pgtest::error_of([&] { db->load({.table = "no_such_table_here"}); });
  CHECK(missing.status() == MAGEIO_STATUS_NOT_FOUND);
  CHECK(missing.sqlstate() == "42P01");
  auto missing_schema = pgtest::error_of([&] { db->load({.table = "t", .schema = "no_such_schema_here"}); });
  CHECK(missing_schema.status() == MAGEIO_STATUS_NOT_FOUND);
  pgtest::exec(*db, "DROP SCHEMA " + q(schema) + " CASCADE");
}

TEST_CASE("postgres load: batches are bounded by batch_rows and progress is reported") {
  auto server = pgtest::server();
  if (!server) return;
  auto host = std::make_shared<HostCallbacks>();
  int64_t last_rows = 0, last_bytes = 0, calls = 0;
  host->on_progress = [&](int64_t rows, int64_t bytes, int64_t) {
    last_rows = rows;
    last_bytes = bytes;
    ++calls;
  };
  auto db = pgtest::open(*server, host);
  auto reader = db->load({.query = "SELECT g, repeat('x', 10) FROM generate_series(1, 25000) g", .batch_rows = 10000});
  sdk::OwnedArray batch;
  std::vector<int64_t> sizes;
  while (reader.next(batch)) sizes.push_back(batch.array.length);
  CHECK(sizes == std::vector<int64_t>{10000, 10000, 5000});
  CHECK(last_rows == 25000);
  CHECK(last_bytes > 25000 * 14);
  CHECK(calls == 3);
}

TEST_CASE("postgres round trip through the CLI: PostgreSQL -> CSV -> PostgreSQL") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  test::TempDir dir;
  test::write_file(dir / "io_config.yaml",
                   "version: 0.1.1\ndefault:\n  POSTGRES_HOST: " + server->host + "\n  POSTGRES_PORT: " + server->port +
                       "\n  POSTGRES_USER: " + server->user + "\n  POSTGRES_PASSWORD: " + server->password +
                       "\n  POSTGRES_DBNAME: " + server->dbname + "\n  POSTGRES_SCHEMA: public\n");
  const std::string source = pgtest::unique_name("csv_src");
  const std::string target = pgtest::unique_name("csv_dst");
  pgtest::exec(*db, "CREATE TABLE " + q(source) +
                        " (id bigint, amount numeric(12,2), name text, flag boolean, day date, at timestamp, score "
                        "double precision)");
  pgtest::exec(*db, "INSERT INTO " + q(source) + R"SQL( VALUES
      (1, 12.50, 'plain', true, '2024-01-02', '2024-01-02 03:04:05.000006', 1.25),
      (2, -0.01, 'comma, "quote" and
newline', false, '1999-12-31', '1999-12-31 23:59:59', -1e-300),
      (3, NULL, NULL, NULL, NULL, NULL, NULL))SQL");

  const std::string config = (dir / "io_config.yaml").string();
  const std::string csv = (dir / "rows.csv").string();
  auto out = test::run_cli({"copy", "postgres", "file", "--table", source, "--to-path", csv, "--config", config});
  INFO(out.out, out.err);
  REQUIRE(out.exit_code == 0);
  CHECK(test::read_file(csv).find("comma, \"\"quote\"\" and") != std::string::npos);
  // CSV carries no types (the file plugin infers float64 for 12.50): append into a table of the source's
  // types, which makes the way back exact (numeric(12,2) from float64 goes through a server-side cast).
  pgtest::exec(*db, "CREATE TABLE " + q(target) + " (LIKE " + q(source) + ")");
  auto in = test::run_cli(
      {"copy", "file", "postgres", "--path", csv, "--to-table", target, "--if-exists", "append", "--config", config});
  INFO(in.out, in.err);
  REQUIRE(in.exit_code == 0);
  const std::string compare =
      "SELECT count(*) FROM (SELECT id, amount::text, name, flag, day::text, at::text, score::text FROM " + q(source) +
      " EXCEPT SELECT id, amount::text, name, flag, day::text, at::text, score::text FROM " + q(target) + ") x";
  CHECK(pgtest::scalar(*db, compare) == "0");
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(target)) == "3");
  // The password never shows in what the CLI prints.
  CHECK(out.err.find(server->password) == std::string::npos);
  pgtest::exec(*db, "DROP TABLE " + q(source) + ", " + q(target));
}

TEST_CASE("postgres: large values cross both ways, and values the target column refuses are named") {
  auto server = pgtest::server();
  if (!server) return;
  auto db = pgtest::open(*server);
  const std::string table = pgtest::unique_name("large");
  pgtest::exec(*db,
               "CREATE TABLE " + q(table) + " (id int, blob bytea, body text, doc jsonb, code varchar(3), u uuid)");
  sdk::Schema schema = {{"id", sdk::int32()}, {"blob", sdk::binary()}, {"body", sdk::large_utf8()},
                        {"doc", sdk::utf8()}, {"code", sdk::utf8()},   {"u", sdk::utf8()}};
  std::string blob(3 << 20, '\0');
  for (size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>(i * 7 % 251);
  const std::string body(1 << 20, 'b');
  const std::string doc = "{\"k\": \"" + std::string(400000, 'v') + "\"}";
  auto input = pgtest::rows_stream(
      schema, 3,
      [&](sdk::BatchBuilder& b, int64_t i) {
        b.column(0).append_int(i);
        b.column(1).append_string(i == 1 ? std::string_view(blob) : std::string_view("small"));
        b.column(2).append_string(i == 1 ? std::string_view(body) : std::string_view("tiny"));
        b.column(3).append_string(i == 1 ? std::string_view(doc) : std::string_view("{\"n\": 1}"));
        b.column(4).append_string("abc");
        b.column(5).append_string(i == 0 ? "{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}"
                                         : "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
      },
      2);
  CHECK(db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, input.get()) == 3);
  CHECK(pgtest::query(*db, "SELECT id, length(blob), length(body), length(doc->>'k'), u::text FROM " + q(table) +
                               " ORDER BY id")[1] == std::vector<std::string>{"1", std::to_string(blob.size()),
                                                                              std::to_string(body.size()), "400000",
                                                                              "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"});
  CHECK(pgtest::scalar(*db, "SELECT u::text FROM " + q(table) + " WHERE id = 0") ==
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  auto reader = db->load({.query = "SELECT blob, body, doc FROM " + q(table) + " WHERE id = 1"});
  sdk::OwnedArray batch;
  REQUIRE(reader.next(batch));
  sdk::BatchView view(batch.array, reader.schema());
  CHECK(view.column(0).get_string(0) == blob);
  CHECK(view.column(1).get_string(0) == body);
  CHECK(view.column(2).get_string(0) == doc);

  auto too_long = pgtest::rows_stream(schema, 1, [](sdk::BatchBuilder& b, int64_t) {
    b.column(0).append_int(9);
    b.column(1).append_null();
    b.column(2).append_null();
    b.column(3).append_null();
    b.column(4).append_string("abcd");
    b.column(5).append_null();
  });
  auto error = pgtest::error_of(
      [&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, too_long.get()); });
  CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(error.sqlstate() == "22001");
  auto bad_uuid = pgtest::rows_stream(schema, 1, [](sdk::BatchBuilder& b, int64_t) {
    b.column(0).append_int(9);
    b.column(1).append_null();
    b.column(2).append_null();
    b.column(3).append_null();
    b.column(4).append_null();
    b.column(5).append_string("not-a-uuid");
  });
  error = pgtest::error_of(
      [&] { db->export_data({.table = table, .if_exists = mageio::IfExists::Append}, bad_uuid.get()); });
  CHECK(error.status() == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(std::string(error.what()).find("column \"u\", row 1: 'not-a-uuid' is not a uuid") != std::string::npos);
  CHECK(pgtest::scalar(*db, "SELECT count(*) FROM " + q(table)) == "3");
  pgtest::exec(*db, "DROP TABLE " + q(table));
}
