// The parquet plugin on S3, against moto in server mode (tools/with-test-servers.sh starts it):
// round trips through s3://bucket/key, the if_exists modes per object, PostgreSQL -> Parquet on S3 ->
// MariaDB through `mageio copy`, and errors that name the path and carry the store's message.
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

struct S3 {
  std::string endpoint;
  // The --set arguments of the S3 keys; the secret comes from the environment (never on a command line).
  std::vector<std::string> sets() const {
    return {"--set", "AWS_ENDPOINT=" + endpoint,
            "--set", "AWS_ACCESS_KEY_ID=env:MAGEIO_TEST_S3_ACCESS_KEY_ID",
            "--set", "AWS_SECRET_ACCESS_KEY=env:MAGEIO_TEST_S3_SECRET_ACCESS_KEY",
            "--set", "AWS_REGION=env:MAGEIO_TEST_S3_REGION"};
  }
};

std::optional<S3> s3() {
  auto endpoint = mageio::test::server_env("MAGEIO_TEST_S3_ENDPOINT");
  if (!endpoint) return std::nullopt;
  return S3{*endpoint};
}

// Creates a bucket (moto accepts an unsigned CreateBucket).
void create_bucket(const S3& s, const std::string& bucket) {
  CommandResult r = mageio::test::run_program(
      {"python3", "-c",
       "import sys, urllib.request\n"
       "urllib.request.urlopen(urllib.request.Request(sys.argv[1], method='PUT'), timeout=30)",
       s.endpoint + "/" + bucket});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
}

CommandResult cli(const S3& s, std::vector<std::string> args, bool expect_ok = true) {
  std::vector<std::string> sets = s.sets();
  args.insert(args.begin() + 1, sets.begin(), sets.end());
  CommandResult r = run_cli(args);
  INFO(describe(r));
  if (expect_ok) {
    REQUIRE(r.exit_code == 0);
  } else {
    REQUIRE(r.exit_code != 0);
    CHECK(r.killed_by == 0);
    // The secret is never printed.
    const char* secret = std::getenv("MAGEIO_TEST_S3_SECRET_ACCESS_KEY");
    if (secret != nullptr) CHECK(r.err.find(secret) == std::string::npos);
  }
  return r;
}

std::string bucket_name(const std::string& what) { return "mageio-" + what + "-" + std::to_string(::getpid()); }

}  // namespace

TEST_CASE("parquet on S3: export, load with projection and limit, if_exists per object") {
  if (!parquet_test::plugin_built()) return;
  auto s = s3();
  if (!s) return;
  const std::string bucket = bucket_name("rt");
  create_bucket(*s, bucket);
  mageio::test::TempDir dir;
  mageio::test::write_file(dir / "in.csv", mageio::test::id_name_csv(5000));
  const std::string url = "s3://" + bucket + "/some dir/t.parquet";
  cli(*s, {"copy", "file", "parquet", "--quiet", "--path", (dir / "in.csv").string(), "--to-path", url});
  CHECK(cli(*s, {"load", "parquet", "--quiet", "--path", url, "--format", "csv"}).out ==
        mageio::test::id_name_csv(5000));
  CHECK(cli(*s, {"load", "parquet", "--quiet", "--path", url, "--format", "csv", "--limit", "1", "--option",
                 "columns=name"})
            .out == "name\nname 0\n");

  CommandResult refused =
      cli(*s, {"copy", "file", "parquet", "--path", (dir / "in.csv").string(), "--to-path", url}, false);
  CHECK(refused.err.find("already exists") != std::string::npos);
  CHECK(refused.err.find(url) != std::string::npos);

  mageio::test::write_file(dir / "two.csv", mageio::test::id_name_csv(2));
  cli(*s, {"copy", "file", "parquet", "--quiet", "--path", (dir / "two.csv").string(), "--to-path", url, "--if-exists",
           "append"});
  CHECK(cli(*s, {"load", "parquet", "--quiet", "--path", url, "--format", "null"}).out.find("5002") !=
        std::string::npos);
  cli(*s, {"copy", "file", "parquet", "--quiet", "--path", (dir / "two.csv").string(), "--to-path", url, "--if-exists",
           "replace", "--option", "to.compression=zstd"});
  CHECK(cli(*s, {"load", "parquet", "--quiet", "--path", url, "--format", "csv"}).out == mageio::test::id_name_csv(2));

  // A failed export (the input has a bad row) leaves the object as it was.
  mageio::test::write_file(dir / "bad.csv", "id,name\n1,a\nnot a number,b\n");
  cli(*s,
      {"copy", "file", "parquet", "--path", (dir / "bad.csv").string(), "--to-path", url, "--if-exists", "replace",
       "--column-type", "id=int64"},
      false);
  CHECK(cli(*s, {"load", "parquet", "--quiet", "--path", url, "--format", "csv"}).out == mageio::test::id_name_csv(2));
}

TEST_CASE("parquet on S3: a missing bucket or object and a corrupt object are errors naming the path") {
  if (!parquet_test::plugin_built()) return;
  auto s = s3();
  if (!s) return;
  const std::string missing = "s3://" + bucket_name("none") + "/x.parquet";
  CommandResult r = cli(*s, {"load", "parquet", "--path", missing}, false);
  CHECK(r.err.find(missing) != std::string::npos);
  CHECK(r.err.find("no such") != std::string::npos);

  mageio::test::TempDir dir;
  mageio::test::write_file(dir / "in.csv", mageio::test::id_name_csv(3));
  CommandResult w =
      cli(*s, {"copy", "file", "parquet", "--path", (dir / "in.csv").string(), "--to-path", missing}, false);
  CHECK(w.err.find(missing) != std::string::npos);
  CHECK(w.err.find("NoSuchBucket") != std::string::npos);  // the store's own message

  const std::string bucket = bucket_name("err");
  create_bucket(*s, bucket);
  CommandResult o = cli(*s, {"load", "parquet", "--path", "s3://" + bucket + "/absent.parquet"}, false);
  CHECK(o.err.find("s3://" + bucket + "/absent.parquet") != std::string::npos);

  // A CSV stored under a .parquet key: not a Parquet file.
  const std::string csv_url = "s3://" + bucket + "/not.parquet";
  CommandResult put = mageio::test::run_program(
      {"python3", "-c",
       "import sys, urllib.request\n"
       "urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b'id,name\\n1,a\\n', method='PUT'), "
       "timeout=30)",
       s->endpoint + "/" + bucket + "/not.parquet"});
  REQUIRE(put.exit_code == 0);
  CommandResult c = cli(*s, {"load", "parquet", "--path", csv_url}, false);
  CHECK(c.err.find(csv_url) != std::string::npos);
  CHECK(c.err.find("not a readable Parquet file") != std::string::npos);
}

TEST_CASE("parquet on S3: PostgreSQL -> Parquet on S3 -> MariaDB through mageio copy") {
  if (!parquet_test::plugin_built()) return;
  auto s = s3();
  if (!s) return;
  auto config = mageio::test::server_env("MAGEIO_TEST_IO_CONFIG");
  if (!config) return;
  const std::string bucket = bucket_name("copy");
  create_bucket(*s, bucket);
  const std::string table = "pq_s3_" + std::to_string(::getpid());
  auto db = [&](std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--quiet", "--config", *config});
    CommandResult r = run_cli(args);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return r;
  };
  db({"exec", "postgres", "--sql", "DROP TABLE IF EXISTS " + table});
  db({"exec", "postgres", "--sql",
      "CREATE TABLE " + table +
          " AS SELECT g AS id, 'row ' || g AS label, g * 0.5 AS half, "
          "DATE '2024-01-01' + g AS day FROM generate_series(1, 20000) g"});
  db({"exec", "mysql", "--sql", "DROP TABLE IF EXISTS " + table});
  const std::string url = "s3://" + bucket + "/" + table + ".parquet";
  std::vector<std::string> sets = s->sets();
  std::vector<std::string> to_s3 = {"copy", "postgres", "parquet", "--table", table, "--to-path", url};
  to_s3.insert(to_s3.end(), sets.begin(), sets.end());
  db(to_s3);
  std::vector<std::string> from_s3 = {"copy", "parquet", "mysql", "--path", url, "--to-table", table};
  from_s3.insert(from_s3.end(), sets.begin(), sets.end());
  db(from_s3);
  const std::string q = "SELECT id, label, half, day FROM " + table + " ORDER BY id";
  CHECK(db({"load", "mysql", "--query", q, "--format", "csv"}).out ==
        db({"load", "postgres", "--query", q, "--format", "csv"}).out);
  db({"exec", "mysql", "--sql", "DROP TABLE " + table});
  db({"exec", "postgres", "--sql", "DROP TABLE " + table});
}

// Against the second moto of tools/with-test-servers.sh, which checks credentials (IAM emulation on):
// the right key works, a wrong secret and an unknown key id are refused with an error naming the path and
// the store's answer (403 Forbidden: a HEAD has no body to carry S3's error code), and no secret is printed.
TEST_CASE("parquet on S3: a wrong secret or an unknown access key is refused, naming the path, no secret shown") {
  if (!parquet_test::plugin_built()) return;
  auto endpoint = mageio::test::server_env("MAGEIO_TEST_S3_AUTH_ENDPOINT");
  if (!endpoint) return;
  const std::string url = "s3://mageio-auth/t-" + std::to_string(::getpid()) + ".parquet";
  ::setenv("MAGEIO_TEST_WRONG_SECRET", "mageio-wrong-secret-0123456789abcdef", 1);
  auto run = [&](const std::string& key_id, const std::string& secret_env, std::vector<std::string> args) {
    std::vector<std::string> sets = {"--set", "AWS_ENDPOINT=" + *endpoint,
                                     "--set", "AWS_ACCESS_KEY_ID=" + key_id,
                                     "--set", "AWS_SECRET_ACCESS_KEY=env:" + secret_env,
                                     "--set", "AWS_REGION=us-east-1"};
    args.insert(args.begin() + 1, sets.begin(), sets.end());
    return run_cli(args);
  };
  mageio::test::TempDir dir;
  mageio::test::write_file(dir / "in.csv", mageio::test::id_name_csv(100));
  const std::string good_id = "env:MAGEIO_TEST_S3_AUTH_KEY_ID";
  // The right key: the store is usable, so the failures below are the credentials'.
  CommandResult ok = run(good_id, "MAGEIO_TEST_S3_AUTH_SECRET",
                         {"copy", "file", "parquet", "--quiet", "--path", (dir / "in.csv").string(), "--to-path", url});
  INFO(describe(ok));
  REQUIRE(ok.exit_code == 0);
  CHECK(run(good_id, "MAGEIO_TEST_S3_AUTH_SECRET", {"load", "parquet", "--quiet", "--path", url, "--format", "csv"})
            .out == mageio::test::id_name_csv(100));
  const std::string secrets[] = {*mageio::test::server_env("MAGEIO_TEST_S3_AUTH_SECRET"),
                                 "mageio-wrong-secret-0123456789abcdef"};
  for (const std::string& key_id : {good_id, std::string("AKIAMAGEIOUNKNOWN000")}) {
    CAPTURE(key_id);
    for (const char* verb : {"load", "export"}) {
      CAPTURE(verb);
      CommandResult r =
          std::string(verb) == "load"
              ? run(key_id, "MAGEIO_TEST_WRONG_SECRET", {"load", "parquet", "--path", url, "--format", "csv"})
              : run(key_id, "MAGEIO_TEST_WRONG_SECRET",
                    {"copy", "file", "parquet", "--quiet", "--path", (dir / "in.csv").string(), "--to-path", url,
                     "--if-exists", "replace"});
      INFO(describe(r));
      CHECK(r.exit_code != 0);
      CHECK(r.killed_by == 0);
      CHECK(r.err.find(url) != std::string::npos);
      CHECK(r.err.find("403 Forbidden") != std::string::npos);
      for (const std::string& secret : secrets) CHECK(r.err.find(secret) == std::string::npos);
    }
  }
}
