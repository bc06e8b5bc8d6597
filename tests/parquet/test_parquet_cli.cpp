// The parquet plugin (plugins/parquet, Rust) through the real CLI: PostgreSQL -> Parquet -> PostgreSQL and
// -> MariaDB with every type the plugin declares that those servers carry, projection and limit, the
// if_exists modes, compression options, and clear errors for a corrupt file and a missing path.
#include "parquet_test_support.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::describe;
using mageio::test::run_cli;

namespace {

CommandResult ok(const std::vector<std::string>& args, const fs::path& cwd = {}) {
  CommandResult r = run_cli(args, cwd);
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
  return r;
}

CommandResult fails(const std::vector<std::string>& args, const fs::path& cwd = {}) {
  CommandResult r = run_cli(args, cwd);
  INFO(describe(r));
  REQUIRE(r.exit_code != 0);
  return r;
}

// `mageio load parquet --path P --format csv` plus any extra arguments.
std::string load_csv(const fs::path& file, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"load", "parquet", "--quiet", "--path", file.string(), "--format", "csv"};
  args.insert(args.end(), extra.begin(), extra.end());
  return ok(args).out;
}

// A small Parquet file written from a CSV through the file plugin: id,name with `rows` rows.
void write_id_name(const fs::path& dir, const fs::path& file, int rows, const std::string& if_exists = "fail",
                   std::vector<std::string> extra = {}) {
  mageio::test::write_file(dir / "in.csv", mageio::test::id_name_csv(rows));
  std::vector<std::string> args = {
      "copy",      "file",        "parquet",     "--quiet", "--path", (dir / "in.csv").string(),
      "--to-path", file.string(), "--if-exists", if_exists};
  args.insert(args.end(), extra.begin(), extra.end());
  ok(args);
}

std::optional<std::string> test_config() {
  auto config = mageio::test::server_env("MAGEIO_TEST_IO_CONFIG");
  return config;
}

}  // namespace

TEST_CASE("parquet: a CSV copied to Parquet loads back with the same rows, projection and limit pushed down") {
  if (!parquet_test::plugin_built()) return;
  mageio::test::TempDir dir;
  const fs::path file = dir / "t.parquet";
  write_id_name(dir.path(), file, 1000);
  CHECK(load_csv(file) == mageio::test::id_name_csv(1000));
  CHECK(load_csv(file, {"--limit", "2"}) == "id,name\n0,name 0\n1,name 1\n");
  CHECK(load_csv(file, {"--option", "columns=name,id", "--limit", "1"}) == "name,id\nname 0,0\n");
  CHECK(load_csv(file, {"--option", "columns=name", "--limit", "1"}) == "name\nname 0\n");
  CommandResult missing = fails({"load", "parquet", "--path", file.string(), "--option", "columns=nope"});
  CHECK(missing.err.find("no column \"nope\"") != std::string::npos);
  CHECK(missing.err.find(file.string()) != std::string::npos);
}

TEST_CASE("parquet: if_exists fail, replace and append; compression and row-group options") {
  if (!parquet_test::plugin_built()) return;
  mageio::test::TempDir dir;
  const fs::path file = dir / "t.parquet";
  write_id_name(dir.path(), file, 3);
  CommandResult refused =
      fails({"copy", "file", "parquet", "--path", (dir / "in.csv").string(), "--to-path", file.string()});
  CHECK(refused.err.find("already exists") != std::string::npos);
  write_id_name(dir.path(), file, 2, "append");
  CHECK(load_csv(file) == "id,name\n0,name 0\n1,name 1\n2,name 2\n0,name 0\n1,name 1\n");
  write_id_name(dir.path(), file, 1, "replace");
  CHECK(load_csv(file) == "id,name\n0,name 0\n");
  // Only the target is left in the directory: no temporary file stays behind.
  CHECK(mageio::test::directory_entries(dir.path()) == std::vector<std::string>{"in.csv", "t.parquet"});

  std::map<std::string, uintmax_t> sizes;
  for (std::string codec : {"snappy", "zstd", "gzip", "none"}) {
    const fs::path out = dir / (codec + ".parquet");
    write_id_name(dir.path(), out, 20000, "fail",
                  {"--option", "to.compression=" + codec, "--option", "to.row_group_size=5000"});
    CHECK(load_csv(out) == mageio::test::id_name_csv(20000));
    sizes[codec] = fs::file_size(out);
  }
  CHECK(sizes["none"] > sizes["snappy"]);
  CHECK(sizes["none"] > sizes["zstd"]);
  CHECK(sizes["none"] > sizes["gzip"]);
  CommandResult bad = fails({"copy", "file", "parquet", "--path", (dir / "in.csv").string(), "--to-path",
                             (dir / "x.parquet").string(), "--option", "to.compression=lzo"});
  CHECK(bad.err.find("lzo") != std::string::npos);
  CHECK(bad.err.find("snappy") != std::string::npos);
  CHECK(!fs::exists(dir / "x.parquet"));
}

TEST_CASE("parquet: a corrupt or truncated file and a missing path are clear errors naming the path") {
  if (!parquet_test::plugin_built()) return;
  mageio::test::TempDir dir;
  const fs::path garbage = dir / "garbage.parquet";
  mageio::test::write_file(garbage, "this is not a parquet file at all, just text\n");
  CommandResult r = fails({"load", "parquet", "--path", garbage.string()});
  CHECK(r.err.find(garbage.string()) != std::string::npos);
  CHECK(r.err.find("not a readable Parquet file") != std::string::npos);
  CHECK(r.killed_by == 0);

  // A real file with its middle overwritten: the footer reads, the data pages do not.
  const fs::path file = dir / "t.parquet";
  write_id_name(dir.path(), file, 50000, "fail", {"--option", "to.compression=none"});
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 3));
    const std::string junk(4096, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  CommandResult corrupt = run_cli({"load", "parquet", "--path", file.string(), "--format", "null"});
  INFO(describe(corrupt));
  CHECK(corrupt.killed_by == 0);
  if (corrupt.exit_code != 0) CHECK(corrupt.err.find(file.string()) != std::string::npos);

  // Truncated: the footer is gone.
  const fs::path cut = dir / "cut.parquet";
  write_id_name(dir.path(), cut, 1000, "replace");
  fs::resize_file(cut, fs::file_size(cut) - 20);
  CommandResult truncated = fails({"load", "parquet", "--path", cut.string()});
  CHECK(truncated.err.find(cut.string()) != std::string::npos);

  const fs::path missing = dir / "no_such_dir" / "x.parquet";
  CommandResult m = fails({"load", "parquet", "--path", missing.string()});
  CHECK(m.err.find(missing.string()) != std::string::npos);
  CommandResult w =
      fails({"copy", "file", "parquet", "--path", (dir / "in.csv").string(), "--to-path", missing.string()});
  CHECK(w.err.find(missing.string()) != std::string::npos);
  CHECK(w.err.find("does not exist") != std::string::npos);
}

TEST_CASE("parquet: PostgreSQL -> Parquet -> PostgreSQL and -> MariaDB keep every value") {
  if (!parquet_test::plugin_built()) return;
  auto config = test_config();
  if (!config) return;
  mageio::test::TempDir dir;
  const std::string table = "pq_types_" + std::to_string(::getpid());
  const std::string back = table + "_back";
  std::vector<std::string> common = {"--quiet", "--config", *config};
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin() + 1, common.begin(), common.end());
    return ok(args);
  };
  cli({"exec", "postgres", "--sql", "DROP TABLE IF EXISTS " + table + ", " + back});
  cli({"exec", "postgres", "--sql",
       "CREATE TABLE " + table +
           " (id bigint PRIMARY KEY, b boolean, i2 smallint, i4 integer, f4 real, f8 double precision, "
           "d12 numeric(12,2), d38 numeric(38,10), t text, by bytea, day date, ts timestamp, tstz timestamptz, "
           "tm time)"});
  cli({"exec", "postgres", "--sql",
       "INSERT INTO " + table +
           " VALUES (1, true, -32768, 2147483647, 1.5, 1e300, -1234567890.12, "
           "1234567890123456789012345678.0123456789, 'emoji \xF0\x9F\x98\x80, \"q\", comma', '\\x00ff10'::bytea, "
           "'2024-02-29', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123456+00', '23:59:59.999999'), "
           "(2, false, 0, 0, -0.25, -2.5, 0.01, -0.0000000001, '', ''::bytea, '1970-01-01', '1970-01-01 00:00:00', "
           "'1999-12-31 23:59:59+00', '00:00:00'), "
           "(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"});
  const fs::path file = dir / "types.parquet";
  cli({"copy", "postgres", "parquet", "--table", table, "--to-path", file.string()});
  cli({"copy", "parquet", "postgres", "--path", file.string(), "--to-table", back});
  // The same rows, value for value (EXCEPT both ways is empty), and the same column types.
  const std::string diff = "SELECT count(*) AS n FROM ((SELECT * FROM " + table + " EXCEPT ALL SELECT * FROM " + back +
                           ") UNION ALL (SELECT * FROM " + back + " EXCEPT ALL SELECT * FROM " + table + ")) x";
  CHECK(cli({"load", "postgres", "--query", diff, "--format", "csv"}).out == "n\n0\n");
  const std::string types =
      "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS c "
      "FROM information_schema.columns WHERE table_name = ";
  CHECK(cli({"load", "postgres", "--query", types + "'" + table + "'", "--format", "csv"}).out ==
        cli({"load", "postgres", "--query", types + "'" + back + "'", "--format", "csv"}).out);

  // Parquet -> MariaDB: the values MariaDB keeps come back as PostgreSQL printed them.
  const std::string my = "pq_" + std::to_string(::getpid());
  cli({"exec", "mysql", "--sql", "DROP TABLE IF EXISTS " + my});
  const fs::path narrow = dir / "narrow.parquet";
  cli({"copy", "postgres", "parquet", "--query",
       "SELECT id, b, i2, i4, f8, d12, d38, t, day, ts FROM " + table + " ORDER BY id", "--to-path", narrow.string()});
  cli({"copy", "parquet", "mysql", "--path", narrow.string(), "--to-table", my});
  const std::string from_pg =
      cli({"load", "postgres", "--query",
           "SELECT id, b, i2, i4, f8, d12, d38, t, day, ts FROM " + table + " ORDER BY id", "--format", "csv"})
          .out;
  const std::string from_my =
      cli({"load", "mysql", "--query", "SELECT * FROM " + my + " ORDER BY id", "--format", "csv"}).out;
  CHECK(from_my == from_pg);
  CHECK(load_csv(narrow) == from_pg);
  cli({"exec", "mysql", "--sql", "DROP TABLE " + my});
  cli({"exec", "postgres", "--sql", "DROP TABLE " + table + ", " + back});
}
