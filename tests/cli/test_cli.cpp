// The mageio CLI end to end: the real binary, the real bundled plugins (file, sqlite), real files in a
// temporary directory. Each case checks exit status, stdout and stderr.
#include "test_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace json = boost::json;
using mageio::test::CommandResult;
using mageio::test::read_file;
using mageio::test::TempDir;
using mageio::test::write_file;

namespace {

const std::string kSource = MAGEIO_SOURCE_DIR;
const std::string kSample = kSource + "/tools/quickstart/sample.csv";
const std::string kQuickstartConfig = kSource + "/tools/quickstart/io_config.yaml";

std::string show(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Commands run in an empty directory unless a case gives one, so no stray ./io_config.yaml can change
// what they do and nothing they write lands in the build tree.
const fs::path& neutral_dir() {
  static TempDir dir;
  return dir.path();
}

CommandResult run_cli(const std::vector<std::string>& args, const fs::path& cwd = {},
                      const std::map<std::string, std::string>& env = {}) {
  return mageio::test::run_cli(args, cwd.empty() ? neutral_dir() : cwd, env);
}

// Runs the CLI and checks it succeeded.
CommandResult ok(const std::vector<std::string>& args, const fs::path& cwd = {},
                 const std::map<std::string, std::string>& env = {}) {
  CommandResult r = run_cli(args, cwd, env);
  INFO("mageio " << [&] {
    std::string line;
    for (const auto& a : args) line += a + " ";
    return line;
  }());
  INFO(show(r));
  CHECK(r.exit_code == 0);
  return r;
}

// A usage error: status 2, the message, and the pointer to the command's help.
void check_usage_error(const std::vector<std::string>& args, const std::string& message, const std::string& help) {
  CommandResult r = run_cli(args);
  INFO(show(r));
  CHECK(r.exit_code == 2);
  CHECK(r.err.starts_with("mageio: error: "));
  CHECK(contains(r.err, message));
  CHECK(contains(r.err, "See '" + help + "'."));
  CHECK(r.out.empty());
}

// A runtime error: status 1 and the message, no usage hint.
CommandResult check_runtime_error(const std::vector<std::string>& args, const std::string& message,
                                  const fs::path& cwd = {}) {
  CommandResult r = run_cli(args, cwd);
  INFO(show(r));
  CHECK(r.exit_code == 1);
  CHECK(r.err.starts_with("mageio: error: "));
  CHECK(contains(r.err, message));
  CHECK_FALSE(contains(r.err, "--help'"));
  return r;
}

// The row count `load --format null` prints.
int64_t count_rows(const std::vector<std::string>& source_args) {
  std::vector<std::string> args{"load"};
  args.insert(args.end(), source_args.begin(), source_args.end());
  args.insert(args.end(), {"--format", "null"});
  CommandResult r = run_cli(args);
  INFO(show(r));
  CHECK(r.exit_code == 0);
  CHECK(r.out.ends_with(" rows\n"));
  if (r.exit_code != 0 || r.out.empty() || !std::isdigit(static_cast<unsigned char>(r.out[0]))) return -1;
  return std::stoll(r.out);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("quick start: copy the sample CSV into SQLite and read it back") {
  TempDir dir;
  const std::string db = (dir / "quickstart.db").string();
  const std::map<std::string, std::string> env{{"MAGEIO_QUICKSTART_DB", db}};

  CommandResult copy = ok({"copy", "file", "sqlite", "--path", kSample, "--to-table", "orders", "--if-exists",
                           "replace", "--config", kQuickstartConfig},
                          dir.path(), env);
  CHECK(contains(copy.err, "copied 20 rows from file path " + kSample + " to sqlite table orders"));
  CHECK(copy.out.empty());
  CHECK(fs::exists(db));  // the env_var template chose the database

  // The aligned table: header, rule, one line per row (embedded newlines shown as ⏎), footer.
  CommandResult table = ok({"load", "sqlite", "--config", kQuickstartConfig, "--query",
                            "SELECT id, customer, city, amount, note FROM orders ORDER BY id"},
                           dir.path(), env);
  const auto lines = lines_of(table.out);
  REQUIRE(lines.size() == 2 + 20 + 1);
  CHECK(lines[0].starts_with("id"));
  CHECK(contains(lines[0], "| customer"));
  CHECK(lines[1].find_first_not_of("-+") == std::string::npos);
  CHECK(lines.back() == "(20 rows)");
  CHECK(contains(table.out, "Silva, João"));
  CHECK(contains(table.out, "山田 太郎"));
  CHECK(contains(table.out, "東京"));
  CHECK(contains(table.out, "Zoë \"Z\" Adams"));
  CHECK(contains(table.out, "Call before delivery:⏎+1 212 555 0199"));  // still one line
  // The separators line up with the header's. Compared on the all-ASCII rows, where bytes are columns.
  auto bars = [](const std::string& line) {
    std::vector<size_t> positions;
    for (size_t i = 0; i < line.size(); ++i)
      if (line[i] == '|') positions.push_back(i);
    return positions;
  };
  int ascii_rows = 0;
  for (size_t i = 2; i < lines.size() - 1; ++i) {
    if (!std::all_of(lines[i].begin(), lines[i].end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
      continue;
    ++ascii_rows;
    CHECK(bars(lines[i]) == bars(lines[0]));
  }
  CHECK(ascii_rows >= 3);

  // Exact cells through the core API, for what the table might hide.
  auto registry = mageio::test::bundled_registry();
  mageio::Profile profile("test", "default", 0);
  profile.set_flat("SQLITE_DATABASE", {db, 1});
  auto sqlite = mageio::open_connector(registry, "sqlite", profile);
  auto reader =
      sqlite->load({.query = "SELECT id, customer, city, note FROM orders WHERE id IN (1003, 1005) ORDER BY id"});
  auto rows = mageio::test::read_all_text(reader);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][1] == "山田 太郎");
  CHECK(rows[0][2] == "東京");
  CHECK(rows[1][1] == "Zoë \"Z\" Adams");
  CHECK(rows[1][3] == "Call before delivery:\n+1 212 555 0199");

  // The row count alone.
  CommandResult count =
      ok({"load", "sqlite", "--config", kQuickstartConfig, "--table", "orders", "--format", "null"}, dir.path(), env);
  CHECK(count.out == "20 rows\n");
}

TEST_CASE("plugins: the table, --json and --verbose") {
  CommandResult text = ok({"plugins"});
  const auto lines = lines_of(text.out);
  REQUIRE(lines.size() >= 4);
  CHECK(contains(lines[0], "NAME"));
  CHECK(contains(lines[0], "VERSION"));
  CHECK(contains(lines[0], "ABI"));
  CHECK(contains(lines[0], "CAPABILITIES"));
  CHECK(contains(lines[0], "PATH"));
  auto line_of = [&](const std::string& name) {
    for (const auto& line : lines)
      if (line.starts_with(name + " ")) return line;
    return std::string();
  };
  const std::string file = line_of("file"), sqlite = line_of("sqlite");
  CHECK(contains(file, "load"));
  CHECK(contains(file, "export"));
  CHECK(contains(file, "paths"));
  CHECK(contains(file, "libmageio_file.so"));
  CHECK(contains(sqlite, "query"));
  CHECK(contains(sqlite, "tables"));
  CHECK(contains(sqlite, "execute_queries"));
  CHECK(contains(sqlite, "transactions"));
  CHECK(contains(sqlite, "1.0"));

  CommandResult listed = ok({"plugins", "--json"});
  json::value parsed = json::parse(listed.out);
  REQUIRE(parsed.is_array());
  const json::object* file_plugin = nullptr;
  const json::object* sqlite_plugin = nullptr;
  for (const auto& item : parsed.as_array()) {
    const auto& object = item.as_object();
    for (const char* field : {"name", "version", "abi", "capabilities", "path", "description", "config_keys"})
      CHECK_MESSAGE(object.contains(field), field);
    if (object.at("name") == "file") file_plugin = &object;
    if (object.at("name") == "sqlite") sqlite_plugin = &object;
  }
  REQUIRE(file_plugin != nullptr);
  REQUIRE(sqlite_plugin != nullptr);
  auto has_capability = [](const json::object& plugin, const char* capability) {
    for (const auto& c : plugin.at("capabilities").as_array())
      if (c == capability) return true;
    return false;
  };
  CHECK(has_capability(*file_plugin, "load"));
  CHECK(has_capability(*file_plugin, "paths"));
  CHECK_FALSE(has_capability(*file_plugin, "query"));
  CHECK(has_capability(*sqlite_plugin, "query"));
  CHECK(has_capability(*sqlite_plugin, "transactions"));
  CHECK(sqlite_plugin->at("abi") == "1.1");
  CHECK(fs::exists(std::string(sqlite_plugin->at("path").as_string())));
  bool database_key = false;
  for (const auto& key : sqlite_plugin->at("config_keys").as_array())
    if (key.as_object().at("name") == "SQLITE_DATABASE") database_key = true;
  CHECK(database_key);

  // A garbage candidate in a --plugin-dir: listed with the reason under --verbose, the others still load.
  TempDir dir;
  write_file(dir / "libmageio_garbage.so", "this is not a shared library\n");
  CommandResult verbose = ok({"plugins", "--verbose", "--plugin-dir", dir.path().string()});
  CHECK(contains(verbose.out, dir.path().string() + "  (--plugin-dir)"));
  CHECK(contains(verbose.out, "rejected candidates:"));
  CHECK(contains(verbose.out, (dir / "libmageio_garbage.so").string() + ": not a shared library"));
  CHECK(contains(verbose.out, "sqlite"));
  CommandResult quiet_about_it = ok({"plugins", "--plugin-dir", dir.path().string()});
  CHECK_FALSE(contains(quiet_about_it.out, "libmageio_garbage.so"));
  CHECK(contains(quiet_about_it.err, "1 candidate was rejected"));
  CommandResult verbose_json = ok({"plugins", "--json", "--verbose", "--plugin-dir", dir.path().string()});
  json::value document = json::parse(verbose_json.out);
  REQUIRE(document.is_object());
  REQUIRE(document.as_object().at("rejected").as_array().size() >= 1);
  CHECK(document.as_object().at("plugins").as_array().size() >= 2);
}

TEST_CASE("usage errors exit 2 with the message and a pointer to help") {
  check_usage_error({"frobnicate"}, "unknown command 'frobnicate'", "mageio --help");
  check_usage_error({}, "missing command", "mageio --help");
  check_usage_error({"load", "file", "--path", "x.csv", "--bogus"}, "unknown option '--bogus'", "mageio load --help");
  check_usage_error({"load", "file", "--tabel", "x"}, "did you mean --table?", "mageio load --help");
  check_usage_error({"load", "sqlite"}, "missing --query, --table or --path", "mageio load --help");
  check_usage_error({"load"}, "missing SOURCE", "mageio load --help");
  check_usage_error({"load", "sqlite", "--query", "SELECT 1", "--table", "t"},
                    "--query and --table cannot be used together", "mageio load --help");
  check_usage_error({"load", "sqlite", "--table", "t", "--limit", "ten"}, "--limit expects a non-negative whole number",
                    "mageio load --help");
  check_usage_error({"load", "sqlite", "--table", "t", "--limit", "-1"}, "--limit", "mageio load --help");
  check_usage_error({"load", "sqlite", "--table", "t", "--format", "xml"}, "invalid value 'xml' for --format",
                    "mageio load --help");
  check_usage_error({"load", "sqlite", "--schema", "s", "--query", "SELECT 1"}, "--schema needs --table",
                    "mageio load --help");
  check_usage_error({"load", "sqlite", "--table"}, "option --table needs a value", "mageio load --help");
  check_usage_error({"export", "sqlite", "--input", "x.csv", "--table", "t", "--if-exists", "overwrite"},
                    "invalid value 'overwrite' for --if-exists", "mageio export --help");
  check_usage_error({"export", "sqlite", "--table", "t"}, "missing --input", "mageio export --help");
  check_usage_error({"export", "sqlite", "--input", "x.csv", "--table", "t", "--unique-constraints", "id"},
                    "--unique-constraints needs --unique-conflict-method", "mageio export --help");
  check_usage_error({"copy", "file", "sqlite", "--path", "x.csv"}, "missing --to-table or --to-path",
                    "mageio copy --help");
  check_usage_error({"copy", "file", "--path", "x.csv", "--to-table", "t"}, "missing DEST", "mageio copy --help");
  check_usage_error({"exec", "sqlite"}, "missing --sql", "mageio exec --help");
  check_usage_error({"exec", "sqlite", "--sql", "SELECT 1", "--sql", "SELECT 2", "--format", "csv"},
                    "--format and --output apply to a single --sql", "mageio exec --help");
  check_usage_error({"config"}, "missing subcommand", "mageio config --help");
  check_usage_error({"config", "shw"}, "unknown subcommand 'shw'", "mageio config --help");
  check_usage_error({"load", "file", "--path", "x.csv", "--set", "NOEQUALS"}, "--set expects KEY=VALUE",
                    "mageio load --help");
}

TEST_CASE("runtime errors exit 1 and name what failed") {
  TempDir dir;
  const std::string db = "SQLITE_DATABASE=" + (dir / "db.sqlite").string();
  check_runtime_error({"load", "sqlite", "--set", db, "--table", "no_such_table"}, "no_such_table", dir.path());

  CommandResult unknown =
      check_runtime_error({"load", "nosuchplugin", "--table", "t"}, "plugin 'nosuchplugin' not found");
  CHECK(contains(unknown.err, "searched (in order):"));
  CHECK(contains(unknown.err, "available plugins:"));

  check_runtime_error({"load", "file", "--path", "x.csv", "--config", (dir / "missing.yaml").string()},
                      "config file not found: " + (dir / "missing.yaml").string());

  write_file(dir / "io_config.yaml",
             "version: 0.1.1\ndefault:\n  SQLITE_DATABASE: a.db\ndev:\n  SQLITE_DATABASE: b.db\n");
  CommandResult profile = check_runtime_error(
      {"load", "sqlite", "--table", "t", "--config", (dir / "io_config.yaml").string(), "--profile", "staging"},
      "profile 'staging' not found");
  CHECK(contains(profile.err, "default"));
  CHECK(contains(profile.err, "dev"));

  // A YAML error names the file and line.
  write_file(dir / "broken.yaml", "default:\n  SQLITE_DATABASE: [unclosed\n");
  check_runtime_error({"config", "show", "--config", (dir / "broken.yaml").string()}, "broken.yaml:");

  // The plugin cannot do that: said plainly.
  check_runtime_error({"load", "file", "--query", "SELECT 1"}, "plugin file does not run SQL queries");
  // A missing input file.
  check_runtime_error({"load", "file", "--path", (dir / "absent.csv").string()}, "absent.csv");
}

TEST_CASE("exec: one statement, and several as one transaction") {
  TempDir dir;
  const std::string db = "SQLITE_DATABASE=" + (dir / "db.sqlite").string();
  ok({"exec", "sqlite", "--set", db, "--sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"});

  // The second statement fails (duplicate key): the first must be rolled back.
  CommandResult failed = run_cli({"exec", "sqlite", "--set", db, "--sql", "INSERT INTO t VALUES (1, 'first')", "--sql",
                                  "INSERT INTO t VALUES (1, 'duplicate')"});
  INFO(show(failed));
  CHECK(failed.exit_code == 1);
  CHECK(failed.err.starts_with("mageio: error: "));
  CHECK(count_rows({"sqlite", "--set", db, "--table", "t"}) == 0);

  CommandResult good = ok({"exec", "sqlite", "--set", db, "--sql", "INSERT INTO t VALUES (1, 'a')", "--sql",
                           "INSERT INTO t VALUES (2, 'b')"});
  CHECK(contains(good.err, "executed 2 statements in one transaction"));
  CHECK(count_rows({"sqlite", "--set", db, "--table", "t"}) == 2);

  // One statement that returns rows prints them.
  CommandResult rows = ok({"exec", "sqlite", "--set", db, "--sql", "SELECT v FROM t ORDER BY id"});
  CHECK(contains(rows.out, "(2 rows)"));
  CHECK(contains(rows.out, "\na\n"));
  CHECK(contains(rows.out, "\nb\n"));
  CommandResult counted = ok({"exec", "sqlite", "--set", db, "--sql", "SELECT v FROM t", "--format", "null"});
  CHECK(counted.out == "2 rows\n");
  // One that returns none says how many rows it changed (on stderr), unless --quiet.
  CommandResult update = ok({"exec", "sqlite", "--set", db, "--sql", "UPDATE t SET v = 'c'"});
  CHECK(update.out.empty());
  CHECK(contains(update.err, "2 rows affected"));
  CommandResult quiet = ok({"exec", "sqlite", "--set", db, "--quiet", "--sql", "UPDATE t SET v = 'd'"});
  CHECK(quiet.err.empty());
}

TEST_CASE("config show masks every secret") {
  TempDir dir;
  write_file(dir / "io_config.yaml",
             "version: 0.1.1\n"
             "default:\n"
             "  MYSQL_HOST: mysql.internal\n"
             "  MYSQL_PASSWORD: my-sql-pa55word\n"
             "  POSTGRES_HOST: pg.internal\n"
             "  POSTGRES_PASSWORD: \"{{ env_var('TEST_PG_SECRET', 'pg-pa55word') }}\"\n"
             "  SQLITE_DATABASE: local.db\n"
             "dev:\n"
             "  PostgreSQL:\n"
             "    host: localhost\n"
             "    password: nested-pa55word\n");
  // ./io_config.yaml is the default config.
  CommandResult shown = ok({"config", "show"}, dir.path());
  CHECK(contains(shown.out, "mysql.internal"));
  CHECK(contains(shown.out, "pg.internal"));
  CHECK(contains(shown.out, "local.db"));
  CHECK(contains(shown.out, "MYSQL_PASSWORD: '****'"));
  CHECK(contains(shown.out, "POSTGRES_PASSWORD: '****'"));
  CHECK_FALSE(contains(shown.out + shown.err, "pa55word"));

  CommandResult nested = ok({"config", "show", "--profile", "dev"}, dir.path());
  CHECK(contains(nested.out, "localhost"));
  CHECK(contains(nested.out, "password: '****'"));
  CHECK_FALSE(contains(nested.out + nested.err, "nested-pa55word"));

  // --set adds or overrides keys; a secret set there is masked too.
  CommandResult set =
      ok({"config", "show", "--set", "SQLITE_DATABASE=/tmp/other.db", "--set", "POSTGRES_PASSWORD=cli-pa55word"},
         dir.path());
  CHECK(contains(set.out, "SQLITE_DATABASE: /tmp/other.db"));
  CHECK_FALSE(contains(set.out, "local.db"));
  CHECK_FALSE(contains(set.out + set.err, "pa55word"));
}

TEST_CASE("--set and the config file: no file needed, --set overrides the file") {
  TempDir dir;
  // No io_config.yaml in the working directory and no --config: an empty profile.
  write_file(dir / "small.csv", "id,name\n1,a\n2,b\n3,c\n");
  CommandResult table = ok({"load", "file", "--path", "small.csv"}, dir.path());
  CHECK(contains(table.out, "(3 rows)"));
  // ... but sqlite needs its key, and the message says how to give it.
  CommandResult missing = check_runtime_error({"load", "sqlite", "--table", "t"}, "SQLITE_DATABASE", dir.path());
  CHECK(contains(missing.err, "--set"));
  check_runtime_error({"load", "file", "--path", "small.csv", "--profile", "dev"}, "profile 'dev' not found",
                      dir.path());

  // --set SQLITE_DATABASE overrides the file's value.
  write_file(dir / "io_config.yaml", "version: 0.1.1\ndefault:\n  SQLITE_DATABASE: from_file.db\n");
  ok({"copy", "file", "sqlite", "--path", "small.csv", "--to-table", "t", "--set", "SQLITE_DATABASE=from_set.db"},
     dir.path());
  CHECK(fs::exists(dir / "from_set.db"));
  CHECK_FALSE(fs::exists(dir / "from_file.db"));
  // Common options may also come before the command.
  CommandResult before =
      ok({"--set", "SQLITE_DATABASE=from_set.db", "load", "sqlite", "--table", "t", "--format", "null"}, dir.path());
  CHECK(before.out == "3 rows\n");
}

TEST_CASE("load --format null, csv and jsonl, --limit, --column-type") {
  TempDir dir;
  CommandResult count = ok({"load", "file", "--path", kSample, "--format", "null"});
  CHECK(count.out == "20 rows\n");
  CommandResult limited = ok({"load", "file", "--path", kSample, "--limit", "5", "--format", "null"});
  CHECK(limited.out == "5 rows\n");
  CommandResult limited_table = ok({"load", "file", "--path", kSample, "--limit", "2"});
  CHECK(contains(limited_table.out, "(2 rows)"));

  // CSV to a file, written by the file plugin: embedded commas, quotes and newlines are quoted.
  const std::string out = (dir / "out.csv").string();
  CommandResult csv = ok({"load", "file", "--path", kSample, "--format", "csv", "--output", out});
  CHECK(csv.out.empty());
  REQUIRE(fs::exists(out));
  const std::string written = read_file(out);
  CHECK(written.starts_with("id,customer,city,ordered_on,amount,shipped,note\n"));
  CHECK(contains(written, "\"Silva, João\""));
  CHECK(contains(written, "\"Call before delivery:\n+1 212 555 0199\""));
  // It reads back as the same 20 rows.
  CHECK(count_rows({"file", "--path", out}) == 20);
  // --output replaces an existing file.
  ok({"load", "file", "--path", kSample, "--limit", "3", "--format", "csv", "--output", out});
  CHECK(count_rows({"file", "--path", out}) == 3);
  // Without --format, the extension of --output decides.
  const std::string jsonl = (dir / "out.jsonl").string();
  ok({"load", "file", "--path", kSample, "--output", jsonl});
  CHECK(lines_of(read_file(jsonl)).size() == 20);
  CHECK(read_file(jsonl).starts_with("{"));

  // CSV and JSON Lines to stdout (the file plugin writes to "-").
  CommandResult to_stdout = ok({"load", "file", "--path", kSample, "--limit", "2", "--format", "csv"}, dir.path());
  CHECK(to_stdout.out.starts_with("id,customer,city,ordered_on,amount,shipped,note\n1001,"));
  CommandResult jsonl_stdout = ok({"load", "file", "--path", kSample, "--limit", "2", "--format", "jsonl"}, dir.path());
  CHECK_FALSE(fs::exists(dir / "-"));  // stdout, not a file named "-"
  CHECK(lines_of(jsonl_stdout.out).size() == 2);

  // --column-type replaces the inferred type: id is read as text, so JSON Lines quotes it.
  write_file(dir / "ids.csv", "id,label\n1,bond\n2,answer\n");
  const std::string ids = (dir / "ids.csv").string();
  const std::string inferred = (dir / "inferred.jsonl").string(), typed = (dir / "typed.jsonl").string();
  ok({"load", "file", "--path", ids, "--output", inferred});
  ok({"load", "file", "--path", ids, "--column-type", "id=utf8", "--output", typed});
  CHECK(read_file(inferred) == "{\"id\":1,\"label\":\"bond\"}\n{\"id\":2,\"label\":\"answer\"}\n");
  CHECK(read_file(typed) == "{\"id\":\"1\",\"label\":\"bond\"}\n{\"id\":\"2\",\"label\":\"answer\"}\n");
  check_runtime_error({"load", "file", "--path", ids, "--column-type", "id=notatype"}, "unknown type 'notatype'");
}

TEST_CASE("export --input with each --if-exists mode") {
  TempDir dir;
  const std::string db = "SQLITE_DATABASE=" + (dir / "db.sqlite").string();
  const std::string input = (dir / "people.csv").string();
  write_file(input, "id,name\n1,Ada\n2,Grace\n3,Edsger\n");

  CommandResult first = ok({"export", "sqlite", "--set", db, "--input", input, "--table", "people"});
  CHECK(contains(first.err, "exported 3 rows to sqlite table people"));
  CHECK(count_rows({"sqlite", "--set", db, "--table", "people"}) == 3);

  // fail (the default) refuses an existing table and leaves it alone.
  CommandResult refused = run_cli({"export", "sqlite", "--set", db, "--input", input, "--table", "people"});
  INFO(show(refused));
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.err, "people"));
  CHECK(count_rows({"sqlite", "--set", db, "--table", "people"}) == 3);
  CHECK(run_cli({"export", "sqlite", "--set", db, "--input", input, "--table", "people", "--if-exists", "fail"})
            .exit_code == 1);

  ok({"export", "sqlite", "--set", db, "--input", input, "--table", "people", "--if-exists", "append"});
  CHECK(count_rows({"sqlite", "--set", db, "--table", "people"}) == 6);

  ok({"export", "sqlite", "--set", db, "--input", input, "--table", "people", "--if-exists", "replace"});
  CHECK(count_rows({"sqlite", "--set", db, "--table", "people"}) == 3);

  // The file plugin as destination: --path, format from the extension.
  const std::string jsonl = (dir / "people.jsonl").string();
  CommandResult to_file = ok({"export", "file", "--input", input, "--path", jsonl, "--quiet"});
  CHECK(to_file.err.empty());
  CHECK(lines_of(read_file(jsonl)).size() == 3);

  // Table names are passed as given: a dotted name is one table, not schema.table.
  ok({"export", "sqlite", "--set", db, "--input", input, "--table", "odd.name"});
  CHECK(count_rows({"sqlite", "--set", db, "--table", "odd.name"}) == 3);
  CHECK(count_rows({"sqlite", "--set", db, "--query", "SELECT * FROM \"odd.name\""}) == 3);
}

TEST_CASE("export with --unique-constraints: update and ignore") {
  TempDir dir;
  const std::string db = "SQLITE_DATABASE=" + (dir / "db.sqlite").string();
  write_file(dir / "first.csv", "id,name\n1,Ada\n2,Grace\n");
  write_file(dir / "second.csv", "id,name\n2,Hopper\n3,Edsger\n");
  ok({"exec", "sqlite", "--set", db, "--sql", "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)"});
  ok({"export", "sqlite", "--set", db, "--input", (dir / "first.csv").string(), "--table", "people", "--if-exists",
      "append"});
  ok({"export", "sqlite", "--set", db, "--input", (dir / "second.csv").string(), "--table", "people", "--if-exists",
      "append", "--unique-constraints", "id", "--unique-conflict-method", "update"});
  CommandResult updated = ok({"load", "sqlite", "--set", db, "--query", "SELECT name FROM people ORDER BY id"});
  CHECK(updated.out == "name\n------\nAda\nHopper\nEdsger\n(3 rows)\n");
  ok({"export", "sqlite", "--set", db, "--input", (dir / "first.csv").string(), "--table", "people", "--if-exists",
      "append", "--unique-constraints", "id", "--unique-conflict-method", "ignore"});
  CommandResult ignored = ok({"load", "sqlite", "--set", db, "--query", "SELECT name FROM people ORDER BY id"});
  CHECK(ignored.out == updated.out);
}

TEST_CASE("load: table cells stay on one line and are cut at 40 columns") {
  TempDir dir;
  const std::string long_text(60, 'x');
  write_file(dir / "cells.csv", "id,text\n1,\"two\nlines\"\n2,\"tab\there\"\n3," + long_text + "\n4,\n");
  CommandResult r = ok({"load", "file", "--path", (dir / "cells.csv").string()});
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 2 + 4 + 1);
  CHECK(lines[0] == "id | text");
  CHECK(lines[1] == "---+-----------------------------------------");
  CHECK(lines[2] == " 1 | two⏎lines");
  CHECK(lines[3] == " 2 | tab here");
  CHECK(lines[4] == " 3 | " + std::string(39, 'x') + "…");
  CHECK(lines[5] == " 4 | NULL");
  CHECK(lines[6] == "(4 rows)");
  // An empty result still has its header.
  CommandResult empty = ok({"load", "file", "--path", (dir / "cells.csv").string(), "--limit", "0"});
  CHECK(empty.out == "id | text\n---+-----\n(0 rows)\n");
}

TEST_CASE("copy between plugins, both ways") {
  TempDir dir;
  const std::string db = "SQLITE_DATABASE=" + (dir / "db.sqlite").string();
  ok({"copy", "file", "sqlite", "--set", db, "--path", kSample, "--to-table", "orders"});
  // fail is the default: a second copy into the same table is refused.
  CHECK(run_cli({"copy", "file", "sqlite", "--set", db, "--path", kSample, "--to-table", "orders"}).exit_code == 1);
  ok({"copy", "file", "sqlite", "--set", db, "--path", kSample, "--to-table", "orders", "--if-exists", "append"});
  CHECK(count_rows({"sqlite", "--set", db, "--table", "orders"}) == 40);

  // --to-profile: the destination reads its own profile.
  write_file(dir / "io_config.yaml", "version: 0.1.1\nsrc:\n  SQLITE_DATABASE: " + (dir / "db.sqlite").string() +
                                         "\ndst:\n  SQLITE_DATABASE: " + (dir / "other.sqlite").string() + "\n");
  const std::string config = (dir / "io_config.yaml").string();
  CommandResult profiles = ok({"copy", "sqlite", "sqlite", "--config", config, "--profile", "src", "--table", "orders",
                               "--to-table", "orders_copy", "--to-profile", "dst"});
  CHECK(contains(profiles.err, "copied 40 rows from sqlite table orders to sqlite table orders_copy"));
  CHECK(count_rows({"sqlite", "--config", config, "--profile", "dst", "--table", "orders_copy"}) == 40);
  CHECK(run_cli({"load", "sqlite", "--config", config, "--profile", "src", "--table", "orders_copy"}).exit_code == 1);

  const std::string out = (dir / "big_orders.csv").string();
  CommandResult back = ok({"copy", "sqlite", "file", "--set", db, "--query",
                           "SELECT DISTINCT id, customer FROM orders WHERE id <= 1002 ORDER BY id", "--to-path", out});
  CHECK(contains(back.err, "copied 2 rows from sqlite query to file path " + out));
  CHECK(read_file(out) == "id,customer\n1001,Anna Müller\n1002,\"Silva, João\"\n");
}

TEST_CASE("--help at every level exits 0") {
  CommandResult top = ok({"--help"});
  for (const char* command : {"plugins", "load", "export", "copy", "exec", "config", "new", "test-plugin"})
    CHECK_MESSAGE(contains(top.out, std::string("  ") + command + " "), command);
  CHECK(top.err.empty());
  CHECK(ok({"-h"}).out == top.out);

  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"plugins", "--help"}, "usage: mageio plugins"},
      {{"load", "--help"}, "usage: mageio load SOURCE"},
      {{"load", "-h"}, "usage: mageio load SOURCE"},
      {{"export", "--help"}, "usage: mageio export DEST --input FILE"},
      {{"copy", "--help"}, "usage: mageio copy SOURCE DEST"},
      {{"exec", "--help"}, "usage: mageio exec SOURCE --sql SQL"},
      {{"config", "--help"}, "usage: mageio config show"},
      {{"config", "show", "--help"}, "usage: mageio config show"},
      // Help wins over other mistakes on the same line.
      {{"load", "sqlite", "--query", "x", "--table", "y", "--help"}, "usage: mageio load SOURCE"},
  };
  for (const auto& [args, usage] : cases) {
    CommandResult r = ok(args);
    CHECK_MESSAGE(r.out.starts_with(usage), usage);
    CHECK(contains(r.out, "--config FILE"));  // the common options are listed too
  }
  // A value that looks like --help is a value, not a request for help.
  CommandResult value = run_cli({"load", "file", "--path", "--help"});
  CHECK(value.exit_code == 1);
}
