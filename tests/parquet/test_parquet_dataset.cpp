// Parquet datasets through the CLI (plugins/parquet/src/dataset/): a directory, a glob or an S3 prefix
// read as one stream in path order with hive key=value columns, differing schemas refused naming both
// files, an export split into part files with _SUCCESS written last (replace swaps a local dataset
// atomically; a part without its _SUCCESS is refused), and table_exists on a dataset path. The S3 cases
// run against moto (tools/with-test-servers.sh).
#include "parquet_test_support.hpp"
#include "test_support.hpp"

#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>

#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::describe;
using mageio::test::run_cli;

namespace {

CommandResult cli(std::vector<std::string> args, const std::vector<std::string>& sets = {}, bool expect_ok = true) {
  args.insert(args.begin() + 1, sets.begin(), sets.end());
  CommandResult r = run_cli(args);
  INFO(describe(r));
  if (expect_ok) {
    REQUIRE(r.exit_code == 0);
  } else {
    REQUIRE(r.exit_code != 0);
    CHECK(r.killed_by == 0);
    const char* secret = std::getenv("MAGEIO_TEST_S3_SECRET_ACCESS_KEY");
    if (secret != nullptr && *secret != '\0') CHECK(r.err.find(secret) == std::string::npos);
  }
  return r;
}

std::string load_csv(const std::string& path, std::vector<std::string> extra = {},
                     const std::vector<std::string>& sets = {}, const std::string& format = "csv") {
  std::vector<std::string> args = {"load", "parquet", "--quiet", "--path", path, "--format", format};
  args.insert(args.end(), extra.begin(), extra.end());
  return cli(args, sets).out;
}

// CSV rows "id,name" for ids [from, to).
std::string rows_csv(int from, int to, bool header = true) {
  std::string out = header ? "id,name\n" : "";
  for (int i = from; i < to; ++i) out += std::to_string(i) + ",name " + std::to_string(i) + "\n";
  return out;
}

// Writes rows [from, to) as one Parquet file (not a dataset part) at `target`.
void write_file_rows(const fs::path& scratch, const std::string& target, int from, int to,
                     const std::vector<std::string>& sets = {}, std::vector<std::string> extra = {}) {
  mageio::test::write_file(scratch / "rows.csv", rows_csv(from, to));
  std::vector<std::string> args = {
      "copy",      "file", "parquet",     "--quiet", "--path", (scratch / "rows.csv").string(),
      "--to-path", target, "--if-exists", "replace"};
  args.insert(args.end(), extra.begin(), extra.end());
  cli(args, sets);
}

mageio::Registry& registry() {
  static mageio::Registry reg(
      {.plugin_dirs = {MAGEIO_PLUGIN_DIR}, .use_environment = false, .use_default_dirs = false});
  return reg;
}

struct S3 {
  std::string endpoint;
  std::vector<std::string> sets() const {
    return {"--set", "AWS_ENDPOINT=" + endpoint,
            "--set", "AWS_ACCESS_KEY_ID=env:MAGEIO_TEST_S3_ACCESS_KEY_ID",
            "--set", "AWS_SECRET_ACCESS_KEY=env:MAGEIO_TEST_S3_SECRET_ACCESS_KEY",
            "--set", "AWS_REGION=env:MAGEIO_TEST_S3_REGION"};
  }
  boost::json::object config() const {
    auto env = [](const char* name) {
      const char* v = std::getenv(name);
      return std::string(v == nullptr ? "" : v);
    };
    return {{"AWS_ENDPOINT", endpoint},
            {"AWS_ACCESS_KEY_ID", env("MAGEIO_TEST_S3_ACCESS_KEY_ID")},
            {"AWS_SECRET_ACCESS_KEY", env("MAGEIO_TEST_S3_SECRET_ACCESS_KEY")},
            {"AWS_REGION", env("MAGEIO_TEST_S3_REGION")}};
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

// Deletes an object with boto3 from moto's venv (a DELETE must be signed), credentials from the environment.
void delete_object(const S3& s, const std::string& bucket, const std::string& key) {
  const std::string python = std::string(MAGEIO_SOURCE_DIR) + "/build-deps/moto/venv/bin/python";
  CommandResult r = mageio::test::run_program(
      {python, "-c",
       "import os, sys, boto3\n"
       "boto3.client('s3', endpoint_url=sys.argv[1], region_name=os.environ['MAGEIO_TEST_S3_REGION'],\n"
       "  aws_access_key_id=os.environ['MAGEIO_TEST_S3_ACCESS_KEY_ID'],\n"
       "  aws_secret_access_key=os.environ['MAGEIO_TEST_S3_SECRET_ACCESS_KEY']).delete_object(Bucket=sys.argv[2], "
       "Key=sys.argv[3])",
       s.endpoint, bucket, key});
  INFO(describe(r));
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("parquet dataset: a directory and a glob read in path order with hive columns") {
  if (!parquet_test::plugin_built()) return;
  mageio::test::TempDir dir;
  const fs::path root = dir / "t";
  // Written out of order: the load is sorted by path, not by creation.
  fs::create_directories(root / "year=2025" / "region=eu");
  fs::create_directories(root / "year=2024" / "region=us%2Fwest");
  fs::create_directories(root / "year=2024" / "region=eu");
  write_file_rows(dir.path(), (root / "year=2025" / "region=eu" / "a.parquet").string(), 4, 5);
  write_file_rows(dir.path(), (root / "year=2024" / "region=us%2Fwest" / "b.parquet").string(), 2, 4);
  write_file_rows(dir.path(), (root / "year=2024" / "region=eu" / "b.parquet").string(), 1, 2);
  write_file_rows(dir.path(), (root / "year=2024" / "region=eu" / "a.parquet").string(), 0, 1);
  // Hidden and underscore files are not data.
  mageio::test::write_file(root / "_SUCCESS", "");
  mageio::test::write_file(root / "year=2024" / ".crc", "x");

  const std::string all =
      "id,name,year,region\n0,name 0,2024,eu\n1,name 1,2024,eu\n2,name 2,2024,us/west\n3,name 3,2024,us/west\n"
      "4,name 4,2025,eu\n";
  CHECK(load_csv(root.string()) == all);
  CHECK(load_csv(root.string() + "/") == all);
  // year is an integer column (every value is one), region a string; projection and limit across files.
  CHECK(load_csv(root.string(), {"--option", "columns=year,id", "--limit", "1"}, {}, "jsonl").find("\"year\":2024") !=
        std::string::npos);
  CHECK(load_csv(root.string(), {"--option", "columns=region,id", "--limit", "3"}) ==
        "region,id\neu,0\neu,1\nus/west,2\n");
  // Hive columns come from the directories below the glob's literal part: region here, not year.
  CHECK(load_csv(root.string() + "/year=2024/*/a.parquet") == "id,name,region\n0,name 0,eu\n");
  CHECK(load_csv(root.string() + "/**/b.parquet", {"--option", "columns=id,year"}) ==
        "id,year\n1,2024\n2,2024\n3,2024\n");
  CHECK(load_csv(root.string() + "/year=202?/region=eu/*.parquet") ==
        "id,name,year,region\n0,name 0,2024,eu\n1,name 1,2024,eu\n4,name 4,2025,eu\n");

  // A value that is not an integer everywhere makes the column a string.
  fs::create_directories(root / "year=x");
  fs::create_directories(root / "year=x" / "region=eu");
  write_file_rows(dir.path(), (root / "year=x" / "region=eu" / "c.parquet").string(), 5, 6);
  CHECK(load_csv(root.string(), {"--option", "columns=year", "--limit", "1"}, {}, "jsonl").find("\"year\":\"2024\"") !=
        std::string::npos);

  // An empty glob and an empty directory: not found, naming the path.
  CommandResult none = cli({"load", "parquet", "--path", root.string() + "/*.csv"}, {}, false);
  CHECK(none.err.find(root.string() + "/*.csv") != std::string::npos);
  CHECK(none.err.find("no Parquet files") != std::string::npos);
  fs::create_directories(dir / "empty");
  CHECK(cli({"load", "parquet", "--path", (dir / "empty").string()}, {}, false).err.find("no Parquet files") !=
        std::string::npos);
}

TEST_CASE("parquet dataset: files whose schemas or partition directories differ are refused naming both") {
  if (!parquet_test::plugin_built()) return;
  mageio::test::TempDir dir;
  const fs::path root = dir / "t";
  fs::create_directories(root);
  write_file_rows(dir.path(), (root / "a.parquet").string(), 0, 2);
  write_file_rows(dir.path(), (root / "b.parquet").string(), 0, 2, {}, {"--column-type", "id=utf8"});
  CommandResult r = cli({"load", "parquet", "--path", root.string()}, {}, false);
  CHECK(r.err.find((root / "a.parquet").string()) != std::string::npos);
  CHECK(r.err.find((root / "b.parquet").string()) != std::string::npos);
  CHECK(r.err.find("same schema") != std::string::npos);
  CHECK(r.err.find("\"id\"") != std::string::npos);

  fs::remove(root / "b.parquet");
  fs::create_directories(root / "k=1");
  write_file_rows(dir.path(), (root / "k=1" / "c.parquet").string(), 0, 2);
  r = cli({"load", "parquet", "--path", root.string()}, {}, false);
  CHECK(r.err.find("hive partition") != std::string::npos);
  CHECK(r.err.find((root / "k=1" / "c.parquet").string()) != std::string::npos);

  // Not Parquet: the file is named.
  fs::remove_all(root / "k=1");
  mageio::test::write_file(root / "notes.txt", "not parquet\n");
  r = cli({"load", "parquet", "--path", root.string()}, {}, false);
  CHECK(r.err.find((root / "notes.txt").string()) != std::string::npos);
  CHECK(r.err.find("not a readable Parquet file") != std::string::npos);
}

TEST_CASE("parquet dataset: export into part files with _SUCCESS last; replace swaps atomically; table_exists") {
  if (!parquet_test::plugin_built()) return;
  mageio::test::TempDir dir;
  mageio::test::write_file(dir / "in.csv", rows_csv(0, 10));
  const fs::path out = dir / "out";
  auto copy = [&](const std::string& csv, const std::string& if_exists, std::vector<std::string> extra = {},
                  bool expect_ok = true) {
    std::vector<std::string> args = {
        "copy",      "file",       "parquet",     "--quiet", "--path", (dir / csv).string(),
        "--to-path", out.string(), "--if-exists", if_exists};
    args.insert(args.end(), extra.begin(), extra.end());
    return cli(args, {}, expect_ok);
  };
  copy("in.csv", "fail", {"--option", "to.max_rows_per_file=4"});
  CHECK(mageio::test::directory_entries(out) ==
        std::vector<std::string>{"_SUCCESS", "part-00000.parquet", "part-00001.parquet", "part-00002.parquet"});
  CHECK(mageio::test::read_file(out / "_SUCCESS").find("\"rows\": 10") != std::string::npos);
  CHECK(load_csv(out.string()) == rows_csv(0, 10));
  CHECK(load_csv((out / "part-00001.parquet").string()) == rows_csv(4, 8));
  CHECK(load_csv(out.string(), {"--limit", "5"}) == rows_csv(0, 5));

  // fail refuses an existing dataset; append is not supported; replace swaps the whole directory.
  CHECK(copy("in.csv", "fail", {"--option", "to.max_rows_per_file=4"}, false).err.find("already exists") !=
        std::string::npos);
  CHECK(copy("in.csv", "append", {"--option", "to.max_rows_per_file=4"}, false).err.find("append") !=
        std::string::npos);
  mageio::test::write_file(dir / "small.csv", rows_csv(0, 3));
  copy("small.csv", "replace", {"--option", "to.max_rows_per_file=100"});
  CHECK(mageio::test::directory_entries(out) == std::vector<std::string>{"_SUCCESS", "part-00000.parquet"});
  CHECK(load_csv(out.string()) == rows_csv(0, 3));
  // No temporary directory stays behind.
  for (const auto& name : mageio::test::directory_entries(dir.path())) CHECK(name.rfind(".mageio", 0) != 0);

  // A path ending in / is a dataset of one part; an empty input still writes one (empty) part.
  mageio::test::write_file(dir / "empty.csv", "id,name\n");
  cli({"copy", "file", "parquet", "--quiet", "--path", (dir / "empty.csv").string(), "--to-path",
       (dir / "e").string() + "/", "--column-type", "id=int64"});
  CHECK(mageio::test::directory_entries(dir / "e") == std::vector<std::string>{"_SUCCESS", "part-00000.parquet"});
  CHECK(load_csv((dir / "e").string()) == "id,name\n");

  // A failed export leaves the old dataset as it was.
  mageio::test::write_file(dir / "bad.csv", "id,name\n1,a\nnot a number,b\n");
  copy("bad.csv", "replace", {"--option", "to.max_rows_per_file=1", "--column-type", "id=int64"}, false);
  CHECK(load_csv(out.string()) == rows_csv(0, 3));
  for (const auto& name : mageio::test::directory_entries(dir.path())) CHECK(name.rfind(".mageio", 0) != 0);

  // replace never deletes a directory that is not a dataset.
  fs::create_directories(dir / "docs");
  mageio::test::write_file(dir / "docs" / "keep.txt", "mine\n");
  CommandResult refused = cli({"copy", "file", "parquet", "--path", (dir / "in.csv").string(), "--to-path",
                               (dir / "docs").string(), "--if-exists", "replace", "--option", "to.max_rows_per_file=4"},
                              {}, false);
  CHECK(refused.err.find("keep.txt") != std::string::npos);
  CHECK(mageio::test::read_file(dir / "docs" / "keep.txt") == "mine\n");
  // ... nor one with a hidden directory, even when every other file is Parquet.
  fs::create_directories(dir / "repo" / ".git");
  mageio::test::write_file(dir / "repo" / ".git" / "HEAD", "ref\n");
  fs::copy_file(out / "part-00000.parquet", dir / "repo" / "a.parquet");
  refused = cli({"copy", "file", "parquet", "--path", (dir / "in.csv").string(), "--to-path", (dir / "repo").string(),
                 "--if-exists", "replace", "--option", "to.max_rows_per_file=4"},
                {}, false);
  CHECK(refused.err.find(".git/") != std::string::npos);
  CHECK(fs::exists(dir / "repo" / ".git" / "HEAD"));

  // A part of an export without its _SUCCESS (an unfinished export) is refused.
  fs::remove(out / "_SUCCESS");
  CommandResult unfinished = cli({"load", "parquet", "--path", out.string()}, {}, false);
  CHECK(unfinished.err.find("_SUCCESS") != std::string::npos);
  CHECK(unfinished.err.find((out / "part-00000.parquet").string()) != std::string::npos);

  // table_exists on a dataset path: a directory or glob with at least one data file.
  auto connector = registry().find("parquet")->open({});
  CHECK(connector->path_exists(out.string()));
  CHECK(connector->path_exists(out.string() + "/*.parquet"));
  CHECK(!connector->path_exists(out.string() + "/*.csv"));
  CHECK(!connector->path_exists((dir / "nope").string()));
  fs::create_directories(dir / "empty-dir");
  CHECK(!connector->path_exists((dir / "empty-dir").string()));
}

TEST_CASE("parquet dataset on S3: a prefix with hive columns, export with _SUCCESS, replace, table_exists") {
  if (!parquet_test::plugin_built()) return;
  auto s = s3();
  if (!s) return;
  const std::string bucket = "mageio-ds-" + std::to_string(::getpid());
  create_bucket(*s, bucket);
  const std::vector<std::string> sets = s->sets();
  mageio::test::TempDir dir;
  const std::string base = "s3://" + bucket + "/t";
  write_file_rows(dir.path(), base + "/day=2/p.parquet", 2, 4, sets);
  write_file_rows(dir.path(), base + "/day=1/p.parquet", 0, 2, sets);
  write_file_rows(dir.path(), base + "/day=10/p.parquet", 4, 5, sets);
  // Sorted by key (day=1, day=10, day=2), day an integer column.
  const std::string all = "id,name,day\n0,name 0,1\n1,name 1,1\n4,name 4,10\n2,name 2,2\n3,name 3,2\n";
  CHECK(load_csv(base + "/", {}, sets) == all);
  CHECK(load_csv(base, {}, sets) == all);  // a key that is no object but a prefix
  CHECK(load_csv(base + "/day=1*/*.parquet", {"--option", "columns=day,id"}, sets) == "day,id\n1,0\n1,1\n10,4\n");

  const std::string out = "s3://" + bucket + "/out";
  mageio::test::write_file(dir / "in.csv", rows_csv(0, 10));
  cli({"copy", "file", "parquet", "--quiet", "--path", (dir / "in.csv").string(), "--to-path", out, "--option",
       "to.max_rows_per_file=3"},
      sets);
  CHECK(load_csv(out, {}, sets) == rows_csv(0, 10));
  CHECK(load_csv(out + "/part-00003.parquet", {}, sets) == rows_csv(9, 10));
  CommandResult refused = cli({"copy", "file", "parquet", "--path", (dir / "in.csv").string(), "--to-path", out,
                               "--option", "to.max_rows_per_file=3"},
                              sets, false);
  CHECK(refused.err.find("already") != std::string::npos);
  CHECK(refused.err.find(out) != std::string::npos);
  // replace with fewer parts: the stale parts are deleted, _SUCCESS is rewritten.
  mageio::test::write_file(dir / "small.csv", rows_csv(0, 2));
  cli({"copy", "file", "parquet", "--quiet", "--path", (dir / "small.csv").string(), "--to-path", out, "--if-exists",
       "replace", "--option", "to.max_rows_per_file=3"},
      sets);
  CHECK(load_csv(out, {}, sets) == rows_csv(0, 2));

  auto connector = registry().find("parquet")->open(s->config());
  CHECK(connector->path_exists(out));
  CHECK(connector->path_exists(out + "/"));
  CHECK(connector->path_exists(base + "/**/*.parquet"));
  CHECK(!connector->path_exists("s3://" + bucket + "/nothing/"));

  // Deleting the marker: the loader refuses the parts of an unfinished export.
  delete_object(*s, bucket, "out/_SUCCESS");
  CommandResult unfinished = cli({"load", "parquet", "--path", out + "/"}, sets, false);
  CHECK(unfinished.err.find("_SUCCESS") != std::string::npos);
  CHECK(unfinished.err.find(out + "/part-00000.parquet") != std::string::npos);
}
