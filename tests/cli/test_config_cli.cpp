// The io_config.yaml as the CLI reads it: hostile YAML (aliases), Mage's own template with unset
// variables, typed keys, secrets in `config show` and in messages, and --set values from a file or the
// environment. The real binary and bundled plugins, in a temporary directory.
#include "test_support.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using mageio::test::CommandResult;
using mageio::test::TempDir;
using mageio::test::write_file;

namespace {

const std::string kSample = std::string(MAGEIO_SOURCE_DIR) + "/tools/quickstart/sample.csv";

std::string show(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + " (signal " + std::to_string(r.killed_by) + ")\n--- stdout ---\n" +
         r.out + "--- stderr ---\n" + r.err;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

CommandResult run(const TempDir& dir, const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env = {}) {
  return mageio::test::run_cli(args, dir.path(), env);
}

}  // namespace

TEST_CASE("a YAML alias that refers to itself is an error with file and line, not a crash") {
  TempDir dir;
  write_file(dir / "io_config.yaml", "default:\n  SQLITE_DATABASE: x.db\n  X: &b [1, *b]\n");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"config", "show"}, std::vector<std::string>{"load", "file", "--path", kSample}}) {
    const CommandResult r = run(dir, args);
    INFO(show(r));
    CHECK(r.killed_by == 0);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "io_config.yaml:3: the value of X nests deeper than 64 levels"));
  }
}

TEST_CASE("billion laughs with map anchors in an unused key is refused quickly, naming the file") {
  TempDir dir;
  std::string laughs = "default:\n  SQLITE_DATABASE: x.db\n  L0: &l0 {a: lol, b: lol}\n";
  for (int i = 1; i <= 40; ++i)
    laughs += "  L" + std::to_string(i) + ": &l" + std::to_string(i) + " {a: *l" + std::to_string(i - 1) + ", b: *l" +
              std::to_string(i - 1) + "}\n";
  write_file(dir / "io_config.yaml", laughs);
  const CommandResult r = run(dir, {"load", "file", "--path", kSample});
  INFO(show(r));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "io_config.yaml:"));
  CHECK(contains(r.err, "billion laughs"));
}

TEST_CASE("Mage's template as shipped: commands that do not read the unset keys work") {
  TempDir dir;
  write_file(dir / "io_config.yaml", mageio::test::mage_template_config());
  const CommandResult load = run(dir, {"load", "file", "--path", kSample, "--limit", "2", "--format", "csv"});
  INFO(show(load));
  CHECK(load.exit_code == 0);
  CHECK(!load.out.empty());

  const CommandResult shown = run(dir, {"config", "show"});
  INFO(show(shown));
  CHECK(shown.exit_code == 0);
  CHECK(contains(shown.out,
                 "  AWS_ACCESS_KEY_ID: ~  # unset: environment variable MAGEIO_T_AWS_ACCESS_KEY_ID is not set\n"));
  CHECK(contains(shown.out, "  MONGODB_CONNECTION_STRING: mongodb://user:****@host:27017/\n"));
  CHECK(!contains(shown.out, "None"));
  CHECK(!contains(shown.out, "mongo-pw"));

  // A plugin that reads a key with an unset variable: the error names file, line, key and variable.
  const CommandResult pg = run(dir, {"load", "postgres", "--query", "SELECT 1"});
  INFO(show(pg));
  CHECK(pg.exit_code == 1);
  CHECK(contains(
      pg.err, "io_config.yaml:" +
                  std::to_string(mageio::test::line_of(mageio::test::mage_template_config(), "  POSTGRES_PASSWORD:")) +
                  ": key POSTGRES_PASSWORD in profile 'default' uses environment variable "
                  "MAGEIO_T_POSTGRES_PASSWORD, which is not set"));
  CHECK(!contains(pg.err, "None"));
}

TEST_CASE("a key of the wrong type names file, line and key") {
  TempDir dir;
  write_file(dir / "io_config.yaml", "default:\n  POSTGRES_DBNAME: d\n  POSTGRES_PORT: abc\n");
  const CommandResult r = run(dir, {"load", "postgres", "--query", "SELECT 1"});
  INFO(show(r));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "io_config.yaml:3: key POSTGRES_PORT in profile 'default' must be a whole number"));
  CHECK(contains(r.err, "'abc'"));
}

TEST_CASE("duplicate keys and a NUL in a path are errors naming the lines") {
  TempDir dir;
  write_file(dir / "io_config.yaml", "default:\n  SQLITE_DATABASE: a.db\n  SQLITE_DATABASE: b.db\n");
  const CommandResult dup = run(dir, {"config", "show"});
  INFO(show(dup));
  CHECK(dup.exit_code == 1);
  CHECK(contains(dup.err,
                 "io_config.yaml:3: duplicate key SQLITE_DATABASE in profile 'default': it is at line 2 "
                 "and again at line 3"));

  write_file(dir / "io_config.yaml", "default:\n  SQLITE_DATABASE: \"a\\0.db\"\n");
  const CommandResult nul = run(dir, {"load", "sqlite", "--query", "SELECT 1"});
  INFO(show(nul));
  CHECK(nul.exit_code == 1);
  CHECK(contains(nul.err, "io_config.yaml:2: the value of SQLITE_DATABASE contains a NUL character"));
}

TEST_CASE("config show masks passwords inside connection strings, and only them") {
  TempDir dir;
  write_file(dir / "io_config.yaml", R"(default:
  POSTGRES_CONNECTION_PARAMS: "host=db.example port=5432 password=pw-one sslmode=require"
  POSTGRES_CONNECTION_STRING: postgresql://loader:pw-two@db.example:5432/app
  MYSQL_CONNECTION_STRING: mysql://root:pw-three@db.example/app
  EXTRA:
    connection_params:
      host: db.example
      password: pw-four
)");
  const CommandResult r = run(dir, {"config", "show"});
  INFO(show(r));
  CHECK(r.exit_code == 0);
  for (const char* secret : {"pw-one", "pw-two", "pw-three", "pw-four"}) {
    CAPTURE(secret);
    CHECK(!contains(r.out, secret));
  }
  CHECK(contains(r.out, "POSTGRES_CONNECTION_PARAMS: host=db.example port=5432 password=**** sslmode=require\n"));
  CHECK(contains(r.out, "POSTGRES_CONNECTION_STRING: postgresql://loader:****@db.example:5432/app\n"));
  CHECK(contains(r.out, "MYSQL_CONNECTION_STRING: mysql://root:****@db.example/app\n"));
  CHECK(contains(r.out, "host"));
}

TEST_CASE("Mage's PostgreSQL keys as its template writes them, SSH settings included, are accepted") {
  TempDir dir;
  // Nothing listens on port 1: the command gets as far as connecting, which shows the keys were taken.
  write_file(dir / "io_config.yaml", R"(default:
  POSTGRES_CONNECT_TIMEOUT: 10
  POSTGRES_DBNAME: postgres
  POSTGRES_SCHEMA: public
  POSTGRES_USER: username
  POSTGRES_PASSWORD: password-of-mage
  POSTGRES_HOST: 127.0.0.1
  POSTGRES_PORT: 1
  POSTGRES_CONNECTION_METHOD: direct
  POSTGRES_SSH_HOST: bastion.example
  POSTGRES_SSH_PORT: 22
  POSTGRES_SSH_USERNAME: ubuntu
  POSTGRES_SSH_PASSWORD: ssh-secret-of-mage
  POSTGRES_SSH_PKEY: /home/me/.ssh/id_rsa
)");
  const CommandResult r = run(dir, {"load", "postgres", "--query", "SELECT 1"});
  INFO(show(r));
  CHECK(r.exit_code == 1);
  CHECK(!contains(r.err, "unknown key"));
  CHECK(contains(r.err, "127.0.0.1"));
  const CommandResult shown = run(dir, {"config", "show"});
  INFO(show(shown));
  CHECK(!contains(shown.out, "ssh-secret-of-mage"));
  CHECK(!contains(shown.out, "password-of-mage"));

  // The SSH-tunnel method itself is refused, saying what to do instead.
  const CommandResult tunnel =
      run(dir, {"load", "postgres", "--query", "SELECT 1", "--set", "POSTGRES_CONNECTION_METHOD=ssh_tunnel"});
  INFO(show(tunnel));
  CHECK(tunnel.exit_code == 1);
  CHECK(contains(tunnel.err, "only 'direct' is"));
}

TEST_CASE("a short password is masked only as a whole word, so messages stay readable") {
  TempDir dir;
  // Nothing listens on port 1: opening fails with a message that says "mysql" (or names the user `y`).
  const CommandResult r =
      run(dir, {"load", "mysql", "--query", "SELECT 1", "--set", "MYSQL_HOST=127.0.0.1", "--set", "MYSQL_PORT=1",
                "--set", "MYSQL_USER=u", "--set", "MYSQL_DATABASE=d", "--set", "MYSQL_PASSWORD=y"});
  INFO(show(r));
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "mysql"));
  CHECK(!contains(r.err, "m****sql"));
}

TEST_CASE("--set KEY=@FILE and KEY=env:NAME keep a value out of the command line; raw: escapes") {
  TempDir dir;
  write_file(dir / "db-path.txt", (dir / "from-file.db").string() + "\n");
  const CommandResult from_file =
      run(dir, {"config", "show", "--set", "SQLITE_DATABASE=@" + (dir / "db-path.txt").string()});
  INFO(show(from_file));
  CHECK(from_file.exit_code == 0);
  CHECK(contains(from_file.out, "  SQLITE_DATABASE: " + (dir / "from-file.db").string() + "\n"));

  // The value is used by the plugin, not just shown: a table created through it lands in that file.
  const CommandResult exec = run(dir, {"exec", "sqlite", "--sql", "CREATE TABLE t (x INTEGER)", "--set",
                                       "SQLITE_DATABASE=@" + (dir / "db-path.txt").string()});
  INFO(show(exec));
  CHECK(exec.exit_code == 0);
  CHECK(fs::exists(dir / "from-file.db"));

  const CommandResult from_env =
      run(dir, {"config", "show", "--set", "SQLITE_DATABASE=env:MAGEIO_T_DB"}, {{"MAGEIO_T_DB", "env-value.db"}});
  INFO(show(from_env));
  CHECK(contains(from_env.out, "  SQLITE_DATABASE: env-value.db\n"));

  const CommandResult unset = run(dir, {"config", "show", "--set", "SQLITE_DATABASE=env:MAGEIO_T_UNSET_VAR"});
  INFO(show(unset));
  CHECK(unset.exit_code == 2);
  CHECK(contains(unset.err, "environment variable MAGEIO_T_UNSET_VAR is not set"));

  const CommandResult missing = run(dir, {"config", "show", "--set", "SQLITE_DATABASE=@no-such-file"});
  INFO(show(missing));
  CHECK(missing.exit_code == 2);
  CHECK(contains(missing.err, "cannot read file no-such-file"));

  const CommandResult raw =
      run(dir, {"config", "show", "--set", "SQLITE_DATABASE=raw:@literal", "--set", "OTHER_NAME=raw:env:X"});
  INFO(show(raw));
  CHECK(contains(raw.out, "  SQLITE_DATABASE: '@literal'\n"));
  CHECK(contains(raw.out, "  OTHER_NAME: env:X\n"));

  const CommandResult help = run(dir, {"config", "show", "--help"});
  CHECK(contains(help.out, "KEY=@FILE"));
  CHECK(contains(help.out, "env_var"));
}
