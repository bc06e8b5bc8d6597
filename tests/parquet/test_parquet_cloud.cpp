// The parquet plugin on Azure Blob (az://, against Azurite) and Google Cloud Storage (gs://, against
// fake-gcs-server), both started by tools/with-test-servers.sh: PostgreSQL -> Parquet in the store ->
// PostgreSQL, datasets under a prefix, and errors that name the path and carry the store's message, with
// the secrets never printed. fake-gcs-server has no XML API object upload (the one object_store's GCS
// client writes with), so on GCS the Parquet objects are uploaded through its JSON API and the plugin's
// reads, listings and errors are what is tested (plugins/parquet/README.md says so).
#include "parquet_test_support.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::describe;
using mageio::test::run_cli;

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

CommandResult cli(std::vector<std::string> args, const std::vector<std::string>& sets, bool expect_ok = true) {
  args.insert(args.begin() + 1, sets.begin(), sets.end());
  CommandResult r = run_cli(args);
  INFO(describe(r));
  if (expect_ok) {
    REQUIRE(r.exit_code == 0);
  } else {
    REQUIRE(r.exit_code != 0);
    CHECK(r.killed_by == 0);
    // No secret is ever printed.
    for (const char* name : {"MAGEIO_TEST_AZURE_KEY", "MAGEIO_TEST_GCS_KEY", "MAGEIO_TEST_WRONG_KEY"}) {
      const std::string secret = env_or_empty(name);
      if (!secret.empty()) CHECK(r.out.find(secret) == std::string::npos);
      if (!secret.empty()) CHECK(r.err.find(secret) == std::string::npos);
    }
  }
  return r;
}

std::vector<std::string> with_config(std::vector<std::string> sets, const std::string& config) {
  sets.insert(sets.begin(), {"--quiet", "--config", config});
  return sets;
}

// A PostgreSQL table of `rows` rows with a few types, named for this process.
std::string make_table(const std::string& config, const std::string& what, int rows) {
  const std::string table = "pq_" + what + "_" + std::to_string(::getpid());
  const std::vector<std::string> db = {"--quiet", "--config", config};
  cli({"exec", "postgres", "--sql", "DROP TABLE IF EXISTS " + table}, db);
  cli({"exec", "postgres", "--sql",
       "CREATE TABLE " + table +
           " AS SELECT g AS id, 'row ' || g AS label, (g * 0.25)::numeric(12, 2) AS quarter, g * 0.5::float8 AS half, "
           "(g % 3 = 0) AS third, "
           "TIMESTAMP '2024-01-01 00:00:00' + g * INTERVAL '1 minute' AS at FROM generate_series(1, " +
           std::to_string(rows) + ") g"},
      db);
  return table;
}

// The rows of `a` and `b` differ nowhere (EXCEPT ALL both ways is empty).
void check_same(const std::string& config, const std::string& a, const std::string& b) {
  const std::string diff = "SELECT count(*) AS n FROM ((SELECT * FROM " + a + " EXCEPT ALL SELECT * FROM " + b +
                           ") UNION ALL (SELECT * FROM " + b + " EXCEPT ALL SELECT * FROM " + a + ")) x";
  CHECK(cli({"load", "postgres", "--query", diff, "--format", "csv"}, {"--quiet", "--config", config}).out == "n\n0\n");
}

std::optional<std::vector<std::string>> azure_sets() {
  auto endpoint = mageio::test::server_env("MAGEIO_TEST_AZURE_ENDPOINT");
  if (!endpoint) return std::nullopt;
  return std::vector<std::string>{"--set", "AZURE_ENDPOINT=" + *endpoint,
                                  "--set", "AZURE_STORAGE_ACCOUNT_NAME=env:MAGEIO_TEST_AZURE_ACCOUNT",
                                  "--set", "AZURE_STORAGE_ACCOUNT_KEY=env:MAGEIO_TEST_AZURE_KEY"};
}

void create_container(const std::string& name) {
  CommandResult r = mageio::test::run_program(
      {"python3", std::string(MAGEIO_SOURCE_DIR) + "/tests/parquet/azure_blob.py", "create-container", name});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
}

std::optional<std::string> gcs_endpoint() { return mageio::test::server_env("MAGEIO_TEST_GCS_ENDPOINT"); }

std::vector<std::string> gcs_sets(const std::string& endpoint) {
  // A service account key for the emulator: no OAuth, so no real key is needed; passed as a secret.
  ::setenv("MAGEIO_TEST_GCS_KEY",
           R"({"disable_oauth": true, "client_email": "mageio-test@example.invalid", "private_key": "", )"
           R"("private_key_id": "mageio-test-key-id"})",
           1);
  return {"--set", "GOOGLE_ENDPOINT=" + endpoint, "--set", "GOOGLE_SERVICE_ACC_KEY=env:MAGEIO_TEST_GCS_KEY"};
}

// fake-gcs-server's JSON API: create a bucket, upload an object (media upload).
void gcs_request(const std::string& endpoint, const std::string& bucket, const std::string& object = "",
                 const fs::path& file = {}) {
  CommandResult r = mageio::test::run_program(
      {"python3", "-c",
       "import json, sys, urllib.parse, urllib.request\n"
       "endpoint, bucket, name, path = sys.argv[1:5]\n"
       "if not name:\n"
       "    req = urllib.request.Request(endpoint + '/storage/v1/b?project=mageio', method='POST',\n"
       "        data=json.dumps({'name': bucket}).encode(), headers={'Content-Type': 'application/json'})\n"
       "else:\n"
       "    url = endpoint + '/upload/storage/v1/b/' + bucket + '/o?uploadType=media&name=' + "
       "urllib.parse.quote(name, safe='')\n"
       "    req = urllib.request.Request(url, method='POST', data=open(path, 'rb').read(),\n"
       "        headers={'Content-Type': 'application/octet-stream'})\n"
       "urllib.request.urlopen(req, timeout=30)",
       endpoint, bucket, object, file.string()});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("parquet on Azure Blob: PostgreSQL -> az:// Parquet (a file and a dataset) -> PostgreSQL") {
  if (!parquet_test::plugin_built()) return;
  auto az = azure_sets();
  if (!az) return;
  auto config = mageio::test::server_env("MAGEIO_TEST_IO_CONFIG");
  if (!config) return;
  const std::string container = "mageio-rt-" + std::to_string(::getpid());
  create_container(container);
  const std::vector<std::string> sets = with_config(*az, *config);
  const std::string table = make_table(*config, "az", 30000);
  const std::string back = table + "_back";
  const std::string ds_back = table + "_ds";

  const std::string url = "az://" + container + "/dir/" + table + ".parquet";
  cli({"copy", "postgres", "parquet", "--table", table, "--to-path", url}, sets);
  cli({"copy", "parquet", "postgres", "--path", url, "--to-table", back}, sets);
  check_same(*config, table, back);
  CHECK(cli({"load", "parquet", "--path", url, "--format", "csv", "--limit", "1", "--option", "columns=label,id"}, sets)
            .out == "label,id\nrow 1,1\n");
  CommandResult refused = cli({"copy", "postgres", "parquet", "--table", table, "--to-path", url}, sets, false);
  CHECK(refused.err.find("already exists") != std::string::npos);

  // A dataset: parts of 7000 rows under a prefix, _SUCCESS last; read back through the prefix.
  const std::string ds = "az://" + container + "/ds/" + table;
  cli({"copy", "postgres", "parquet", "--table", table, "--to-path", ds, "--option", "to.max_rows_per_file=7000"},
      sets);
  CHECK(cli({"load", "parquet", "--path", ds + "/part-00004.parquet", "--format", "null"}, sets).out.find("2000") !=
        std::string::npos);
  cli({"copy", "parquet", "postgres", "--path", ds, "--to-table", ds_back}, sets);
  check_same(*config, table, ds_back);
  CHECK(cli({"load", "parquet", "--path", "az://" + container + "/ds/**/*.parquet", "--format", "null"}, sets)
            .out.find("30000") != std::string::npos);
  // Hadoop's abfss://container@ACCOUNT.dfs.core.windows.net/key names the same blobs (the account from the URL).
  const std::string abfss = "abfss://" + container + "@" + env_or_empty("MAGEIO_TEST_AZURE_ACCOUNT") +
                            ".dfs.core.windows.net/ds/" + table + "/part-00000.parquet";
  CHECK(cli({"load", "parquet", "--path", abfss, "--format", "null"}, sets).out.find("7000") != std::string::npos);

  cli({"exec", "postgres", "--sql", "DROP TABLE " + table + ", " + back + ", " + ds_back},
      {"--quiet", "--config", *config});
}

TEST_CASE("parquet on Azure Blob: a missing container or blob and a wrong key are errors naming the path") {
  if (!parquet_test::plugin_built()) return;
  auto az = azure_sets();
  if (!az) return;
  mageio::test::TempDir dir;
  mageio::test::write_file(dir / "in.csv", mageio::test::id_name_csv(3));
  const std::string missing = "az://mageio-none-" + std::to_string(::getpid()) + "/x.parquet";
  CommandResult r = cli({"load", "parquet", "--path", missing}, *az, false);
  CHECK(r.err.find(missing) != std::string::npos);
  CHECK(r.err.find("ContainerNotFound") != std::string::npos);  // the store's own message
  CommandResult w =
      cli({"copy", "file", "parquet", "--path", (dir / "in.csv").string(), "--to-path", missing}, *az, false);
  CHECK(w.err.find(missing) != std::string::npos);
  CHECK(w.err.find("ContainerNotFound") != std::string::npos);

  const std::string container = "mageio-err-" + std::to_string(::getpid());
  create_container(container);
  const std::string absent = "az://" + container + "/absent.parquet";
  CommandResult o = cli({"load", "parquet", "--path", absent}, *az, false);
  CHECK(o.err.find(absent) != std::string::npos);
  CHECK(o.err.find("no such object") != std::string::npos);

  // A key the emulator does not know (valid base64, wrong bytes): refused, and neither key is printed.
  ::setenv("MAGEIO_TEST_WRONG_KEY", "bWFnZWlvLXdyb25nLWtleS1tYWdlaW8td3Jvbmcta2V5LTEyMzQ=", 1);
  std::vector<std::string> wrong = *az;
  wrong.back() = "AZURE_STORAGE_ACCOUNT_KEY=env:MAGEIO_TEST_WRONG_KEY";
  CommandResult denied = cli(
      {"copy", "file", "parquet", "--path", (dir / "in.csv").string(), "--to-path", "az://" + container + "/x.parquet"},
      wrong, false);
  CHECK(denied.err.find("az://" + container + "/x.parquet") != std::string::npos);
  CHECK(denied.err.find("403 Forbidden") != std::string::npos);  // the store's answer
  CHECK(denied.err.find("privileges") != std::string::npos);
}

TEST_CASE("parquet on GCS: Parquet objects -> PostgreSQL, a hive dataset under a prefix, errors naming the path") {
  if (!parquet_test::plugin_built()) return;
  auto endpoint = gcs_endpoint();
  if (!endpoint) return;
  auto config = mageio::test::server_env("MAGEIO_TEST_IO_CONFIG");
  if (!config) return;
  const std::vector<std::string> sets = with_config(gcs_sets(*endpoint), *config);
  const std::string bucket = "mageio-gcs-" + std::to_string(::getpid());
  gcs_request(*endpoint, bucket);
  const std::string table = make_table(*config, "gcs", 20000);
  const std::string back = table + "_back";
  mageio::test::TempDir dir;

  // PostgreSQL -> a Parquet file -> the bucket -> PostgreSQL through gs://.
  const fs::path file = dir / "t.parquet";
  cli({"copy", "postgres", "parquet", "--table", table, "--to-path", file.string()}, {"--quiet", "--config", *config});
  gcs_request(*endpoint, bucket, "dir/t.parquet", file);
  const std::string url = "gs://" + bucket + "/dir/t.parquet";
  cli({"copy", "parquet", "postgres", "--path", url, "--to-table", back}, sets);
  check_same(*config, table, back);
  CHECK(
      cli({"load", "parquet", "--path", url, "--format", "csv", "--limit", "2", "--option", "columns=id"}, sets).out ==
      "id\n1\n2\n");

  // A hive-partitioned dataset of two objects, read through the prefix (sorted by key).
  const fs::path a = dir / "a.parquet";
  const fs::path b = dir / "b.parquet";
  cli({"copy", "postgres", "parquet", "--query", "SELECT id FROM " + table + " WHERE id <= 2 ORDER BY id", "--to-path",
       a.string()},
      {"--quiet", "--config", *config});
  cli({"copy", "postgres", "parquet", "--query", "SELECT id FROM " + table + " WHERE id = 3", "--to-path", b.string()},
      {"--quiet", "--config", *config});
  gcs_request(*endpoint, bucket, "ds/part=b/0.parquet", b);
  gcs_request(*endpoint, bucket, "ds/part=a/0.parquet", a);
  CHECK(cli({"load", "parquet", "--path", "gs://" + bucket + "/ds/", "--format", "csv"}, sets).out ==
        "id,part\n1,a\n2,a\n3,b\n");
  CHECK(
      cli({"load", "parquet", "--path", "gs://" + bucket + "/ds", "--format", "csv", "--option", "columns=part"}, sets)
          .out == "part\na\na\nb\n");

  // Errors: a missing bucket and a missing object name the path.
  const std::string missing = "gs://mageio-none-" + std::to_string(::getpid()) + "/x.parquet";
  CommandResult r = cli({"load", "parquet", "--path", missing}, sets, false);
  CHECK(r.err.find(missing) != std::string::npos);
  CHECK(r.err.find("no such") != std::string::npos);
  CommandResult o = cli({"load", "parquet", "--path", "gs://" + bucket + "/absent.parquet"}, sets, false);
  CHECK(o.err.find("gs://" + bucket + "/absent.parquet") != std::string::npos);

  cli({"exec", "postgres", "--sql", "DROP TABLE " + table + ", " + back}, {"--quiet", "--config", *config});
}
