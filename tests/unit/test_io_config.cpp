// io_config.yaml: Mage's flat and nested forms, env_var templates, and every error message.
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <mageio/core/io_config.hpp>
#include <mageio/sdk/error.hpp>

#include <boost/json/serialize.hpp>

#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

using mageio::ConfigSchema;
using mageio::IoConfig;
using mageio::Profile;

namespace {

struct Failure {
  MageioStatus status = MAGEIO_STATUS_OK;
  std::string message;
};

// The sdk::Error `f` throws; a failed check when it throws nothing or something else.
Failure failure_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const mageio::sdk::Error& e) {
    return {e.status(), e.what()};
  } catch (const std::exception& e) {
    FAIL_CHECK("expected mageio::sdk::Error, got: " << e.what());
    return {};
  }
  FAIL_CHECK("expected an error, got none");
  return {};
}

const char* kPostgresSchema = R"({"section": "PostgreSQL", "keys": [
  {"name": "POSTGRES_DBNAME", "alias": "database", "type": "string", "required": true, "secret": false,
   "description": "database name"},
  {"name": "POSTGRES_HOST", "alias": "host", "type": "string", "default": "localhost", "description": "host name"},
  {"name": "POSTGRES_PORT", "alias": "port", "type": "integer", "default": 5432},
  {"name": "POSTGRES_USER", "alias": "user", "type": "string"},
  {"name": "POSTGRES_PASSWORD", "alias": "password", "type": "string", "secret": true},
  {"name": "POSTGRES_SCHEMA", "alias": "schema", "type": "string", "default": "public"},
  {"name": "POSTGRES_DSN", "type": "string", "secret": true}]})";

const char* kSqliteSchema = R"({"section": "", "keys": [
  {"name": "SQLITE_DATABASE", "type": "string", "required": true, "description": "path of the database file"},
  {"name": "SQLITE_TIMEOUT", "type": "string"}]})";

ConfigSchema postgres() { return ConfigSchema::parse(kPostgresSchema); }
ConfigSchema sqlite() { return ConfigSchema::parse(kSqliteSchema); }

std::string str(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (!v) return "<absent>";
  if (!v->is_string()) return "<not a string: " + boost::json::serialize(*v) + ">";
  return std::string(v->get_string());
}

// Sets an environment variable for a scope (unset when `value` is null).
struct EnvVar {
  std::string name;
  EnvVar(std::string n, const char* value) : name(std::move(n)) {
    if (value)
      setenv(name.c_str(), value, 1);
    else
      unsetenv(name.c_str());
  }
  ~EnvVar() { unsetenv(name.c_str()); }
};

}  // namespace

TEST_CASE("flat form: values of any YAML kind are kept as their text") {
  const auto config = IoConfig::parse(R"(version: 0.1.1
default:
  POSTGRES_DBNAME: analytics
  POSTGRES_HOST: db.internal
  POSTGRES_PORT: 6543
  POSTGRES_USER: "007"
  POSTGRES_SCHEMA: 'true'
  SQLITE_DATABASE: /tmp/x.db
  SQLITE_TIMEOUT: 2.50
)",
                                      "io_config.yaml");
  const auto pg = config.profile("default").config_for("postgres", postgres());
  CHECK(pg.size() == 5);
  CHECK(str(pg, "POSTGRES_DBNAME") == "analytics");
  CHECK(str(pg, "POSTGRES_HOST") == "db.internal");
  CHECK(str(pg, "POSTGRES_PORT") == "6543");
  CHECK(str(pg, "POSTGRES_USER") == "007");
  CHECK(str(pg, "POSTGRES_SCHEMA") == "true");
  const auto lite = config.profile("default").config_for("sqlite", sqlite());
  CHECK(lite.size() == 2);
  CHECK(str(lite, "SQLITE_DATABASE") == "/tmp/x.db");
  CHECK(str(lite, "SQLITE_TIMEOUT") == "2.50");
  CHECK(config.profile("default").flat().at("POSTGRES_PORT").line == 5);
  CHECK(config.profile("default").file() == "io_config.yaml");
  CHECK(config.profile("default").name() == "default");
}

TEST_CASE("nested form (Mage's verbose sections)") {
  const auto config = IoConfig::parse(R"(version: 0.1.1
default:
  PostgreSQL:
    database: warehouse
    host: pg.example.com
    port: 5432
    user: loader
    password: s3cret
    schema: staging
)",
                                      "io_config.yaml");
  const auto& profile = config.profile("default");
  CHECK(profile.sections().at("PostgreSQL").at("host").value == "pg.example.com");
  CHECK(profile.sections().at("PostgreSQL").at("host").line == 5);
  const auto pg = profile.config_for("postgres", postgres());
  CHECK(pg.size() == 6);
  CHECK(str(pg, "POSTGRES_DBNAME") == "warehouse");
  CHECK(str(pg, "POSTGRES_HOST") == "pg.example.com");
  CHECK(str(pg, "POSTGRES_PORT") == "5432");
  CHECK(str(pg, "POSTGRES_USER") == "loader");
  CHECK(str(pg, "POSTGRES_PASSWORD") == "s3cret");
  CHECK(str(pg, "POSTGRES_SCHEMA") == "staging");
}

TEST_CASE("a flat key wins over the nested section's alias") {
  const auto config = IoConfig::parse(R"(default:
  POSTGRES_HOST: flat-host
  PostgreSQL:
    host: nested-host
    database: nested-db
)",
                                      "io_config.yaml");
  const auto pg = config.profile("default").config_for("postgres", postgres());
  CHECK(str(pg, "POSTGRES_HOST") == "flat-host");
  CHECK(str(pg, "POSTGRES_DBNAME") == "nested-db");
}

TEST_CASE("section names and aliases match case-sensitively") {
  const auto config = IoConfig::parse(R"(default:
  POSTGRES_DBNAME: db
  postgresql:
    host: ignored
)",
                                      "io_config.yaml");
  const auto pg = config.profile("default").config_for("postgres", postgres());
  CHECK(pg.size() == 1);
  CHECK(str(pg, "POSTGRES_HOST") == "<absent>");
}

TEST_CASE("YAML null is unset; an empty string is a value") {
  const auto config = IoConfig::parse(R"(default:
  SQLITE_DATABASE:
  SQLITE_TIMEOUT: ~
dev:
  SQLITE_DATABASE: ""
  SQLITE_TIMEOUT: "null"
)",
                                      "io_config.yaml");
  CHECK(config.profile("default").flat().empty());
  const auto f = failure_of([&] { config.profile("default").config_for("sqlite", sqlite()); });
  CHECK(f.status == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(f.message ==
        "io_config.yaml:1: profile 'default' has no SQLITE_DATABASE, which plugin sqlite requires "
        "(SQLITE_DATABASE: path of the database file)");
  const auto dev = config.profile("dev").config_for("sqlite", sqlite());
  CHECK(str(dev, "SQLITE_DATABASE") == "");
  CHECK(str(dev, "SQLITE_TIMEOUT") == "null");
}

TEST_CASE("version is not a profile; every other top-level map is") {
  const auto config = IoConfig::parse(R"(version: 0.1.1
default:
  SQLITE_DATABASE: a.db
dev:
  SQLITE_DATABASE: b.db
empty:
)",
                                      "io_config.yaml");
  CHECK(config.profile_names() == std::vector<std::string>{"default", "dev", "empty"});
  CHECK_FALSE(config.has_profile("version"));
  CHECK(config.has_profile("dev"));
  CHECK(str(config.profile("dev").config_for("sqlite", sqlite()), "SQLITE_DATABASE") == "b.db");
  CHECK(config.profile("empty").flat().empty());
}

TEST_CASE("a profile that is not a map is an error with its line") {
  const auto f = failure_of([] { IoConfig::parse("version: 1\ndefault:\n  A: 1\nprod: oops\n", "io_config.yaml"); });
  CHECK(f.status == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(f.message == "io_config.yaml:4: profile 'prod' is a single value, not a map of settings (KEY: value)");

  const auto g = failure_of([] { IoConfig::parse("- a\n- b\n", "io_config.yaml"); });
  CHECK(g.status == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(g.message ==
        "io_config.yaml:1: expected a map of profiles (default: {KEY: value, ...}) at the top level, found a list");
}

TEST_CASE("missing profile lists the profiles there") {
  const auto config = IoConfig::parse("version: 1\ndev:\n  A: 1\ndefault:\n  A: 2\n", "conf/io_config.yaml");
  const auto f = failure_of([&] { config.profile("prod"); });
  CHECK(f.status == MAGEIO_STATUS_NOT_FOUND);
  CHECK(f.message == "profile 'prod' not found in conf/io_config.yaml; profiles there: default, dev");

  const auto none = IoConfig::parse("version: 1\n", "io_config.yaml");
  CHECK(failure_of([&] { none.profile("default"); }).message ==
        "profile 'default' not found in io_config.yaml; it has no profiles");
}

TEST_CASE("env_var templates, with and without a default") {
  EnvVar host("MAGEIO_TEST_PG_HOST", "env-host");
  EnvVar user("MAGEIO_TEST_PG_USER", "env-user");
  EnvVar unset("MAGEIO_TEST_UNSET", nullptr);
  EnvVar empty("MAGEIO_TEST_EMPTY", "");
  const auto config = IoConfig::parse(R"(default:
  POSTGRES_HOST: "{{ env_var('MAGEIO_TEST_PG_HOST') }}"
  POSTGRES_USER: {{env_var("MAGEIO_TEST_PG_USER")}}
  POSTGRES_DBNAME: "{{ env_var( 'MAGEIO_TEST_UNSET' , 'fallback-db' ) }}"
  POSTGRES_SCHEMA: {{ env_var('MAGEIO_TEST_PG_HOST', 'unused-default') }}
  POSTGRES_PASSWORD: "{{ env_var('MAGEIO_TEST_EMPTY', 'not-used') }}"
  POSTGRES_DSN: "postgres://{{ env_var('MAGEIO_TEST_PG_USER') }}@{{ env_var('MAGEIO_TEST_PG_HOST') }}:5432/db"
)",
                                      "io_config.yaml");
  const auto pg = config.profile("default").config_for("postgres", postgres());
  CHECK(str(pg, "POSTGRES_HOST") == "env-host");
  CHECK(str(pg, "POSTGRES_USER") == "env-user");
  CHECK(str(pg, "POSTGRES_DBNAME") == "fallback-db");
  CHECK(str(pg, "POSTGRES_SCHEMA") == "env-host");
  CHECK(str(pg, "POSTGRES_PASSWORD") == "");  // set but empty: the variable, not the default
  CHECK(str(pg, "POSTGRES_DSN") == "postgres://env-user@env-host:5432/db");
}

TEST_CASE("a rendered value with YAML-special characters survives intact") {
  const std::string tricky = "p#ss: wo'rd \"x\" - [a] {b} *c &d";
  EnvVar pw("MAGEIO_TEST_TRICKY", tricky.c_str());
  const auto config = IoConfig::parse(R"(default:
  POSTGRES_PASSWORD: {{ env_var('MAGEIO_TEST_TRICKY') }}
  POSTGRES_DSN: "{{ env_var('MAGEIO_TEST_TRICKY') }}"
  PostgreSQL:
    password: '{{ env_var("MAGEIO_TEST_TRICKY") }}'
    user: {{ env_var('MAGEIO_TEST_MISSING', 'a: b # c') }}
    host: {{ env_var('MAGEIO_TEST_MISSING', 'x}}y\'z') }}
)",
                                      "io_config.yaml");
  const auto& profile = config.profile("default");
  CHECK(profile.flat().at("POSTGRES_PASSWORD").value == tricky);
  CHECK(profile.flat().at("POSTGRES_DSN").value == tricky);
  CHECK(profile.sections().at("PostgreSQL").at("password").value == tricky);
  CHECK(profile.sections().at("PostgreSQL").at("user").value == "a: b # c");
  CHECK(profile.sections().at("PostgreSQL").at("host").value == "x}}y'z");
}

TEST_CASE("an unset variable with no default is an error naming file, line, key and variable when read") {
  EnvVar unset("MAGEIO_TEST_PG_PASSWORD", nullptr);
  const auto config = IoConfig::parse(
      "version: 1\ndefault:\n  POSTGRES_DBNAME: d\n  POSTGRES_PASSWORD: \"{{ env_var('MAGEIO_TEST_PG_PASSWORD') }}\"\n"
      "  SQLITE_DATABASE: x.db\n",
      "io_config.yaml");
  // Reading the file is fine: only a plugin that reads the key needs the variable.
  CHECK(str(config.profile("default").config_for("sqlite", sqlite()), "SQLITE_DATABASE") == "x.db");
  const auto f = failure_of([&] { config.profile("default").config_for("postgres", postgres()); });
  CHECK(f.status == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(f.message ==
        "io_config.yaml:4: key POSTGRES_PASSWORD in profile 'default' uses environment variable "
        "MAGEIO_TEST_PG_PASSWORD, which is not set (plugin postgres reads this key); set it or give a default: "
        "env_var('MAGEIO_TEST_PG_PASSWORD', 'value')");
  CHECK(f.message.find("None") == std::string::npos);
  CHECK(config.profile("default").secret_values().empty());

  // Unquoted and nested: same error, its own line.
  const auto nested = IoConfig::parse(
      "default:\n  PostgreSQL:\n    database: d\n\n    password: {{env_var(\"MAGEIO_TEST_PG_PASSWORD\")}}\n",
      "cfg.yaml");
  const auto g = failure_of([&] { nested.profile("default").config_for("postgres", postgres()); });
  CHECK(g.message ==
        "cfg.yaml:5: key PostgreSQL.password in profile 'default' uses environment variable "
        "MAGEIO_TEST_PG_PASSWORD, which is not set (plugin postgres reads this key); set it or give a default: "
        "env_var('MAGEIO_TEST_PG_PASSWORD', 'value')");
  CHECK(nested.profile("default").show({postgres()}) ==
        "profile: default (cfg.yaml)\n"
        "  PostgreSQL:\n"
        "    database: d\n"
        "    password: ~  # unset: environment variable MAGEIO_TEST_PG_PASSWORD is not set\n");
}

TEST_CASE("Mage's template: unset variables in keys the plugin does not read are not errors") {
  const auto config = IoConfig::parse(mageio::test::mage_template_config(), "io_config.yaml");
  const auto& profile = config.profile("default");
  CHECK(str(profile.config_for("sqlite", sqlite()), "SQLITE_DATABASE") == "mage.db");
  const auto f = failure_of([&] { profile.config_for("postgres", postgres()); });
  const std::string line =
      std::to_string(mageio::test::line_of(mageio::test::mage_template_config(), "  POSTGRES_PASSWORD:"));
  CHECK(f.message ==
        "io_config.yaml:" + line +
            ": key POSTGRES_PASSWORD in profile 'default' uses environment variable "
            "MAGEIO_T_POSTGRES_PASSWORD, which is not set (plugin postgres reads this key); set it or give a default: "
            "env_var('MAGEIO_T_POSTGRES_PASSWORD', 'value')");
  const std::string shown = profile.show({postgres(), sqlite()});
  CHECK(shown.find("  AWS_ACCESS_KEY_ID: ~  # unset: environment variable MAGEIO_T_AWS_ACCESS_KEY_ID is not set\n") !=
        std::string::npos);
  CHECK(shown.find("None") == std::string::npos);
  EnvVar password("MAGEIO_T_POSTGRES_PASSWORD", "pg-secret");
  const auto rendered = IoConfig::parse(mageio::test::mage_template_config(), "io_config.yaml");
  CHECK(str(rendered.profile("default").config_for("postgres", postgres()), "POSTGRES_PASSWORD") == "pg-secret");
}

TEST_CASE("a template in a YAML comment is not rendered") {
  EnvVar unset("MAGEIO_TEST_PG_PASSWORD", nullptr);
  const auto config = IoConfig::parse(R"(default:
  # POSTGRES_PASSWORD: "{{ env_var('MAGEIO_TEST_PG_PASSWORD') }}"
  POSTGRES_DBNAME: db  # {{ env_var('MAGEIO_TEST_PG_PASSWORD') }} | upper
)",
                                      "io_config.yaml");
  CHECK(str(config.profile("default").config_for("postgres", postgres()), "POSTGRES_DBNAME") == "db");
  CHECK(config.profile("default").flat().size() == 1);
}

TEST_CASE("line numbers after a template that spans lines") {
  EnvVar host("MAGEIO_TEST_PG_HOST", "h");
  const auto config = IoConfig::parse(
      "default:\n  POSTGRES_HOST: \"{{ env_var(\n    'MAGEIO_TEST_PG_HOST') }}\"\n"
      "  POSTGRES_HSOT: x\n",
      "io_config.yaml");
  CHECK(config.profile("default").flat().at("POSTGRES_HOST").value == "h");
  CHECK(config.profile("default").flat().at("POSTGRES_HSOT").line == 4);
}

TEST_CASE("unsupported template expressions name file, line and expression") {
  const std::string only = "only {{ env_var('NAME') }} and {{ env_var('NAME', 'default') }} are supported";
  struct Case {
    const char* yaml;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"default:\n  A: 1\n  B: \"{{ env_var('X') | upper }}\"\n",
       "io_config.yaml:3: unsupported template {{ env_var('X') | upper }}: " + only},
      {"default:\n  B: {{ mage_secret_var('pw') }}\n",
       "io_config.yaml:2: unsupported template {{ mage_secret_var('pw') }}: " + only},
      {"default:\n  B: {{ env_var(NAME) }}\n", "io_config.yaml:2: unsupported template {{ env_var(NAME) }}: " + only},
      {"default:\n  B: {{ env_var('A', 'b', 'c') }}\n",
       "io_config.yaml:2: unsupported template {{ env_var('A', 'b', 'c') }}: " + only},
      {"default:\n  A: 1\n{% if true %}\n  B: 2\n{% endif %}\n",
       "io_config.yaml:3: unsupported template {% if true %}: " + only},
      {"default:\n  B: x{% raw %}y\n", "io_config.yaml:2: unsupported template {% raw %}: " + only},
  };
  for (const auto& c : cases) {
    CAPTURE(c.yaml);
    const auto f = failure_of([&] { IoConfig::parse(c.yaml, "io_config.yaml"); });
    CHECK(f.status == MAGEIO_STATUS_INVALID_ARGUMENT);
    CHECK(f.message == c.expected);
  }
}

TEST_CASE("Jinja comments render as nothing") {
  const auto config = IoConfig::parse("default:\n  SQLITE_DATABASE: a{# note #}b.db\n", "io_config.yaml");
  CHECK(config.profile("default").flat().at("SQLITE_DATABASE").value == "ab.db");
}

TEST_CASE("an unterminated template is an error with its line") {
  const auto f =
      failure_of([] { IoConfig::parse("default:\n  A: 1\n  B: \"{{ env_var('X')\"\n  C: 3\n", "io_config.yaml"); });
  CHECK(f.status == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(f.message == "io_config.yaml:3: unterminated template {{ env_var('X')\": no closing }}");

  const auto g = failure_of([] { IoConfig::parse("default:\n  A: {% if\n", "io_config.yaml"); });
  CHECK(g.message == "io_config.yaml:2: unterminated template {% if: no closing %}");
}

TEST_CASE("YAML syntax errors give file, 1-based line and column") {
  const auto f = failure_of([] { IoConfig::parse("default:\n  A: 1\n  B: [1, 2\n", "io_config.yaml"); });
  CHECK(f.status == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(f.message.rfind("io_config.yaml:4:1: YAML syntax error: ", 0) == 0);
  CHECK(f.message == "io_config.yaml:4:1: YAML syntax error: end of sequence flow not found");

  // A template earlier on the line does not shift the column.
  EnvVar host("MAGEIO_TEST_PG_HOST", "h");
  const auto g = failure_of([] {
    IoConfig::parse("default:\n  A: 1\n  B: {{ env_var('MAGEIO_TEST_PG_HOST') }} \"x\": y\n", "io_config.yaml");
  });
  CHECK(g.message == "io_config.yaml:3:46: YAML syntax error: illegal map value");

  const auto h = failure_of([] { IoConfig::parse("default:\n  A: 1\n   B: 2\n", "io_config.yaml"); });
  CHECK(h.message == "io_config.yaml:3:5: YAML syntax error: illegal map value");
}

TEST_CASE("load_file: reads a file, and a missing file is NOT_FOUND") {
  const auto dir = std::filesystem::temp_directory_path() / ("mageio_test_io_config_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "io_config.yaml";
  {
    std::ofstream out(file);
    out << "version: 0.1.1\ndefault:\n  SQLITE_DATABASE: from-file.db\n  SQLITE_TIMOUT: 3\n";
  }
  const auto config = IoConfig::load_file(file);
  CHECK(config.file() == file.string());
  CHECK(config.profile("default").flat().at("SQLITE_DATABASE").value == "from-file.db");
  CHECK(config.profile("default").file() == file.string());
  // Messages name the file as it was given.
  CHECK(failure_of([&] { config.profile("default").config_for("sqlite", sqlite()); }).message ==
        file.string() +
            ":4: unknown key SQLITE_TIMOUT in profile 'default' for plugin sqlite (did you mean SQLITE_TIMEOUT?); "
            "accepted keys: SQLITE_DATABASE, SQLITE_TIMEOUT");

  const auto missing = dir / "nope.yaml";
  const auto f = failure_of([&] { IoConfig::load_file(missing); });
  CHECK(f.status == MAGEIO_STATUS_NOT_FOUND);
  CHECK(f.message == "config file not found: " + missing.string());
  std::filesystem::remove_all(dir);
}

TEST_CASE("a flat key with the plugin's prefix that it does not declare is an error") {
  const auto config = IoConfig::parse(R"(version: 1
default:
  POSTGRES_DBNAME: db
  MYSQL_HOST: other-plugin
  POSTGRES_HSOT: typo
  postgres_user: lower
)",
                                      "io_config.yaml");
  const auto f = failure_of([&] { config.profile("default").config_for("postgres", postgres()); });
  CHECK(f.status == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(f.message ==
        "io_config.yaml:5: unknown key POSTGRES_HSOT in profile 'default' for plugin postgres "
        "(did you mean POSTGRES_HOST?); accepted keys: POSTGRES_DBNAME, POSTGRES_HOST, POSTGRES_PORT, "
        "POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_SCHEMA, POSTGRES_DSN");

  const auto lower = IoConfig::parse("default:\n  POSTGRES_DBNAME: db\n  postgres_user: lower\n", "io_config.yaml");
  CHECK(failure_of([&] { lower.profile("default").config_for("postgres", postgres()); }).message ==
        "io_config.yaml:3: unknown key postgres_user in profile 'default' for plugin postgres "
        "(did you mean POSTGRES_USER?); accepted keys: POSTGRES_DBNAME, POSTGRES_HOST, POSTGRES_PORT, "
        "POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_SCHEMA, POSTGRES_DSN");

  // No close match: no suggestion.
  const auto far = IoConfig::parse("default:\n  POSTGRES_DBNAME: db\n  POSTGRES_SSLMODE: require\n", "io_config.yaml");
  CHECK(failure_of([&] { far.profile("default").config_for("postgres", postgres()); }).message ==
        "io_config.yaml:3: unknown key POSTGRES_SSLMODE in profile 'default' for plugin postgres; accepted keys: "
        "POSTGRES_DBNAME, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_SCHEMA, "
        "POSTGRES_DSN");
}

TEST_CASE("keys of other plugins are ignored") {
  const auto config = IoConfig::parse(R"(default:
  SQLITE_DATABASE: x.db
  MYSQL_HOST: m
  MySQL:
    host: m
  BigQuery:
    nonsense: 1
  GOOGLE_SCOPES: [a, b]
)",
                                      "io_config.yaml");
  const auto lite = config.profile("default").config_for("sqlite", sqlite());
  CHECK(lite.size() == 1);
  CHECK(str(lite, "SQLITE_DATABASE") == "x.db");
  // A list value is kept as JSON text.
  CHECK(config.profile("default").flat().at("GOOGLE_SCOPES").value == R"(["a","b"])");
}

TEST_CASE("an unknown key in the plugin's nested section is an error") {
  const auto config = IoConfig::parse(R"(default:
  PostgreSQL:
    database: db
    hots: h
)",
                                      "io_config.yaml");
  const auto f = failure_of([&] { config.profile("default").config_for("postgres", postgres()); });
  CHECK(f.status == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(f.message ==
        "io_config.yaml:4: unknown key hots in section PostgreSQL of profile 'default' for plugin postgres "
        "(did you mean host?); accepted keys there: database, host, port, user, password, schema");
}

TEST_CASE("a missing required key names the profile, its line, the key and its description") {
  const auto config = IoConfig::parse(R"(version: 1

default:
  SQLITE_TIMEOUT: 3
  POSTGRES_HOST: h
  Postgresql:
    database: wrong-case
)",
                                      "io_config.yaml");
  const auto f = failure_of([&] { config.profile("default").config_for("sqlite", sqlite()); });
  CHECK(f.status == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(f.message ==
        "io_config.yaml:3: profile 'default' has no SQLITE_DATABASE, which plugin sqlite requires "
        "(SQLITE_DATABASE: path of the database file)");
  const auto g = failure_of([&] { config.profile("default").config_for("postgres", postgres()); });
  CHECK(g.message ==
        "io_config.yaml:3: profile 'default' has no POSTGRES_DBNAME (nor database in a PostgreSQL section), which "
        "plugin postgres requires (POSTGRES_DBNAME: database name); section names are case-sensitive: it has "
        "Postgresql, the plugin reads PostgreSQL");
}

TEST_CASE("config_for does not insert defaults") {
  const auto config = IoConfig::parse("default:\n  POSTGRES_DBNAME: db\n", "io_config.yaml");
  const auto pg = config.profile("default").config_for("postgres", postgres());
  CHECK(pg.size() == 1);
  CHECK(str(pg, "POSTGRES_DBNAME") == "db");
  CHECK_FALSE(pg.contains("POSTGRES_HOST"));
  CHECK_FALSE(pg.contains("POSTGRES_PORT"));
  CHECK_FALSE(pg.contains("POSTGRES_SCHEMA"));
}

TEST_CASE("YAML merge keys") {
  const auto config = IoConfig::parse(R"(base: &base
  POSTGRES_HOST: base-host
  POSTGRES_DBNAME: base-db
default:
  <<: *base
  POSTGRES_DBNAME: own-db
)",
                                      "io_config.yaml");
  const auto pg = config.profile("default").config_for("postgres", postgres());
  CHECK(str(pg, "POSTGRES_HOST") == "base-host");
  CHECK(str(pg, "POSTGRES_DBNAME") == "own-db");
}

TEST_CASE("show() masks secrets; secret_values() lists them") {
  const auto config = IoConfig::parse(R"(default:
  POSTGRES_HOST: localhost
  POSTGRES_PASSWORD: hunter2
  POSTGRES_DSN: postgres://u:dsn-pass@h/db
  MY_API_TOKEN: tok-123
  POSTGRES_KEYSPACE: ks
  EMPTY_PASSWORD: ""
  POSTGRES_SCHEMA: "a: b"
  PostgreSQL:
    host: nested-host
    password: nested-pw
  Other:
    api_key: other-key
  GOOGLE_SERVICE_ACC_KEY:
    project_id: proj-1
)",
                                      "io_config.yaml");
  const auto& profile = config.profile("default");
  const std::string shown = profile.show({postgres()});
  CHECK(shown ==
        "profile: default (io_config.yaml)\n"
        "  POSTGRES_HOST: localhost\n"
        "  POSTGRES_PASSWORD: '****'\n"
        "  POSTGRES_DSN: '****'\n"
        "  MY_API_TOKEN: '****'\n"
        "  POSTGRES_KEYSPACE: ks\n"
        "  EMPTY_PASSWORD: '****'\n"
        "  POSTGRES_SCHEMA: 'a: b'\n"
        "  PostgreSQL:\n"
        "    host: nested-host\n"
        "    password: '****'\n"
        "  Other:\n"
        "    api_key: '****'\n"
        "  GOOGLE_SERVICE_ACC_KEY:\n"
        "    project_id: '****'\n");
  for (const char* secret : {"hunter2", "dsn-pass", "tok-123", "nested-pw", "other-key"}) {
    CAPTURE(secret);
    CHECK(shown.find(secret) == std::string::npos);
  }
  // Without the schema, POSTGRES_DSN is not known to be secret, but the password inside it is.
  CHECK(profile.show().find("  POSTGRES_DSN: postgres://u:****@h/db\n") != std::string::npos);

  // With a schema: only the secrets of the keys that plugin reads (the connector in use).
  CHECK(profile.secret_values({postgres()}) ==
        std::vector<std::string>{"dsn-pass", "hunter2", "nested-pw", "postgres://u:dsn-pass@h/db"});
  CHECK(profile.secret_values() ==
        std::vector<std::string>{"dsn-pass", "hunter2", "nested-pw", "other-key", "proj-1", "tok-123"});
}

TEST_CASE("mask_secrets") {
  CHECK(mageio::mask_secrets("connect to u:hunter2@h failed: hunter2", {"hunter2"}) ==
        "connect to u:****@h failed: ****");
  // Longest first: the longer secret is masked whole, not as its shorter part plus a tail.
  CHECK(mageio::mask_secrets("pw=abcdef and abc", {"abc", "abcdef"}) == "pw=**** and ****");
  CHECK(mageio::mask_secrets("nothing here", {"", "zzz"}) == "nothing here");
  CHECK(mageio::mask_secrets("", {"x"}) == "");
}

TEST_CASE("mask_secrets masks whole occurrences only, and a short secret never inside a word") {
  // The password `y` must not garble "mysql" (nor give itself away as the letter that was masked).
  CHECK(mageio::mask_secrets("mysql open: access denied for user 'y'", {"y"}) ==
        "mysql open: access denied for user '****'");
  CHECK(mageio::mask_secrets("a*b and * alone", {"*"}) == "a*b and **** alone");
  CHECK(mageio::mask_secrets("password hunter2x is not hunter2", {"hunter2"}) == "password hunter2x is not ****");
  CHECK(mageio::mask_secrets("xx-pw!yy", {"-pw!"}) == "xx****yy");  // long, non-word edges: a substring is fine
  CHECK(mageio::mask_secrets("u:s3cr3t@h", {"s3cr3t"}) == "u:****@h");
}

TEST_CASE("connection strings: only the password part is masked") {
  using mageio::mask_connection_passwords;
  CHECK(mask_connection_passwords("host=h port=5432 password=pw1 dbname=d") ==
        "host=h port=5432 password=**** dbname=d");
  CHECK(mask_connection_passwords("host=h password = 'a b\\'c' user=u") == "host=h password = '****' user=u");
  CHECK(mask_connection_passwords("postgresql://user:pw2@db.example:5432/app?sslmode=require") ==
        "postgresql://user:****@db.example:5432/app?sslmode=require");
  CHECK(mask_connection_passwords("mysql://root:p@ss@h/db") == "mysql://root:****@h/db");
  CHECK(mask_connection_passwords("postgresql://h/db?user=u&password=pw3&sslmode=x") ==
        "postgresql://h/db?user=u&password=****&sslmode=x");
  CHECK(mask_connection_passwords("DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=k3y==;EndpointSuffix=x") ==
        "DefaultEndpointsProtocol=https;AccountName=acc;AccountKey=****;EndpointSuffix=x");
  CHECK(mask_connection_passwords("Driver=x;UID=u;PWD=pw4;") == "Driver=x;UID=u;PWD=****;");
  CHECK(mask_connection_passwords("postgresql://user@h/db and plain text") == "postgresql://user@h/db and plain text");

  const auto config = IoConfig::parse(R"(default:
  POSTGRES_CONNECTION_PARAMS: "host=h password=pw1 sslmode=require"
  POSTGRES_CONNECTION_STRING: postgresql://u:pw2@h/db
  MYSQL_CONNECTION_STRING: mysql://root:pw5@h:3306/db
  AZURE_CONNECTION_STRING: "AccountName=acc;AccountKey=k3y==;EndpointSuffix=x"
  POSTGRES_OPTIONS:
    connection_params:
      host: h
      password: pw6
)",
                                      "io_config.yaml");
  const std::string shown = config.profile("default").show();
  for (const char* secret : {"pw1", "pw2", "pw5", "k3y", "pw6"}) {
    CAPTURE(secret);
    CHECK(shown.find(secret) == std::string::npos);
  }
  CHECK(shown.find("  POSTGRES_CONNECTION_PARAMS: host=h password=**** sslmode=require\n") != std::string::npos);
  CHECK(shown.find("  POSTGRES_CONNECTION_STRING: postgresql://u:****@h/db\n") != std::string::npos);
  CHECK(shown.find("  MYSQL_CONNECTION_STRING: mysql://root:****@h:3306/db\n") != std::string::npos);
  CHECK(shown.find("    connection_params: '{\"host\":\"h\",\"password\":\"****\"}'\n") != std::string::npos);
  const auto secrets = config.profile("default").secret_values();
  for (const char* secret : {"pw1", "pw2", "pw5", "k3y==", "pw6"}) {
    CAPTURE(secret);
    CHECK(std::find(secrets.begin(), secrets.end(), secret) != secrets.end());
  }
}

TEST_CASE("YAML aliases: one that refers to itself, and exponential expansion, are errors with the line") {
  const auto self = failure_of([] { IoConfig::parse("default:\n  A: 1\n  X: &b [1, *b]\n", "io_config.yaml"); });
  CHECK(self.status == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(self.message.starts_with("io_config.yaml:3: the value of X nests deeper than 64 levels"));

  const auto map_self =
      failure_of([] { IoConfig::parse("default:\n  X: &m\n    a: 1\n    b: *m\n", "io_config.yaml"); });
  CHECK(map_self.message.starts_with("io_config.yaml:3: "));
  CHECK(map_self.message.find("nests deeper than 64 levels") != std::string::npos);

  const auto merge_self = failure_of([] { IoConfig::parse("default: &d\n  <<: *d\n  A: 1\n", "io_config.yaml"); });
  CHECK(merge_self.message.find("io_config.yaml:") == 0);

  // "Billion laughs" with map anchors, in a key no plugin reads.
  std::string laughs = "default:\n  SQLITE_DATABASE: x.db\n  L0: &l0 {a: lol, b: lol}\n";
  for (int i = 1; i <= 30; ++i)
    laughs += "  L" + std::to_string(i) + ": &l" + std::to_string(i) + " {a: *l" + std::to_string(i - 1) + ", b: *l" +
              std::to_string(i - 1) + "}\n";
  const auto bomb = failure_of([&] { IoConfig::parse(laughs, "io_config.yaml"); });
  CHECK(bomb.message.starts_with("io_config.yaml:"));
  CHECK(bomb.message.find("billion laughs") != std::string::npos);

  // A few honest aliases are fine.
  const auto fine = IoConfig::parse("default:\n  A: &a [1, 2]\n  B: *a\n", "io_config.yaml");
  CHECK(fine.profile("default").flat().at("B").value == "[\"1\",\"2\"]");
}

TEST_CASE("duplicate keys and profiles are errors naming both lines") {
  const auto key = failure_of([] {
    IoConfig::parse("default:\n  SQLITE_DATABASE: a.db\n  X: 1\n  SQLITE_DATABASE: b.db\n", "io_config.yaml");
  });
  CHECK(key.message ==
        "io_config.yaml:4: duplicate key SQLITE_DATABASE in profile 'default': it is at line 2 and again at line 4 "
        "(YAML keys must be unique; remove one)");
  const auto profile =
      failure_of([] { IoConfig::parse("default:\n  A: 1\ndev:\n  A: 2\ndefault:\n  A: 3\n", "io_config.yaml"); });
  CHECK(profile.message.starts_with("io_config.yaml:5: duplicate key default at the top level"));
  CHECK(profile.message.find("line 1 and again at line 5") != std::string::npos);
  const auto nested =
      failure_of([] { IoConfig::parse("default:\n  PostgreSQL:\n    host: a\n    host: b\n", "io_config.yaml"); });
  CHECK(nested.message.starts_with("io_config.yaml:4: duplicate key host in section PostgreSQL"));
}

TEST_CASE("a NUL in a value is an error naming file, line and key") {
  const auto f = failure_of([] { IoConfig::parse("default:\n  SQLITE_DATABASE: \"a\\0b.db\"\n", "io_config.yaml"); });
  CHECK(f.message ==
        "io_config.yaml:2: the value of SQLITE_DATABASE contains a NUL character (\\0); no path, name or "
        "password can hold one");
}

TEST_CASE("deep nesting is an error naming the line") {
  std::string deep = "default:\n  SQLITE_DATABASE: x\n  X: ";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "\n";
  const auto f = failure_of([&] { IoConfig::parse(deep, "io_config.yaml"); });
  CHECK(f.message.starts_with("io_config.yaml:3"));
  std::string very_deep = "default:\n  X: ";
  for (int i = 0; i < 5000; ++i) very_deep += "[";
  const auto g = failure_of([&] { IoConfig::parse(very_deep, "io_config.yaml"); });
  CHECK(g.message.starts_with("io_config.yaml:2"));
}

TEST_CASE("a key of the wrong type names file, line and key") {
  const auto config = IoConfig::parse("default:\n  POSTGRES_DBNAME: d\n  POSTGRES_PORT: abc\n", "io_config.yaml");
  const auto f = failure_of([&] { config.profile("default").config_for("postgres", postgres()); });
  CHECK(f.message ==
        "io_config.yaml:3: key POSTGRES_PORT in profile 'default' must be a whole number for plugin postgres, not "
        "'abc'");
  const auto nested = IoConfig::parse("default:\n  PostgreSQL:\n    database: d\n    port: 5x\n", "cfg.yaml");
  const auto g = failure_of([&] { nested.profile("default").config_for("postgres", postgres()); });
  CHECK(g.message ==
        "cfg.yaml:4: key PostgreSQL.port in profile 'default' must be a whole number for plugin postgres, not '5x'");
}

TEST_CASE("looks_secret") {
  struct Row {
    const char* key;
    bool secret;
  };
  const Row rows[] = {
      {"MYSQL_PASSWORD", true},
      {"password", true},
      {"AWS_SECRET_ACCESS_KEY", true},
      {"api_key", true},
      {"apiKey", true},
      {"APIKey", true},
      {"APIKEY", true},
      {"GITHUB_TOKEN", true},
      {"refreshToken", true},
      {"DB_PASSWD", true},
      {"dbPassword", true},
      {"client_secret", true},
      {"PRIVATE_KEY", true},
      {"key", true},
      {"POSTGRES_KEYSPACE", false},
      {"MONKEY", false},
      {"POSTGRES_HOST", false},
      {"user", false},
      {"TOKENIZER", false},
      {"SECRETARY_NAME", false},
      {"KEYS_ORDER", true},
      {"PASSWORD2", true},
      {"", false},
      {"keyspace", false},
      {"OAUTHToken", true},
      {"Keyspace", false},
  };
  for (const auto& row : rows) {
    CAPTURE(row.key);
    CHECK(mageio::looks_secret(row.key) == row.secret);
  }
}

TEST_CASE("ConfigSchema::parse reads config_schema_json") {
  const auto schema = postgres();
  CHECK(schema.section == "PostgreSQL");
  REQUIRE(schema.keys.size() == 7);
  CHECK(schema.keys[0].name == "POSTGRES_DBNAME");
  CHECK(schema.keys[0].alias == "database");
  CHECK(schema.keys[0].required);
  CHECK_FALSE(schema.keys[0].secret);
  CHECK_FALSE(schema.keys[0].default_value.has_value());
  CHECK(schema.keys[0].description == "database name");
  CHECK(schema.keys[1].default_value == std::optional<std::string>("localhost"));
  CHECK(schema.keys[2].type == mageio::sdk::ConfigType::Integer);
  CHECK(schema.keys[2].default_value == std::optional<std::string>("5432"));
  CHECK(schema.keys[4].secret);
  CHECK(schema.keys[6].alias.empty());

  const auto b =
      ConfigSchema::parse(R"({"section": "", "keys": [{"name": "X_FLAG", "type": "boolean", "default": true}]})");
  CHECK(b.keys[0].type == mageio::sdk::ConfigType::Boolean);
  CHECK(b.keys[0].default_value == std::optional<std::string>("true"));
}

TEST_CASE("ConfigSchema::parse rejects malformed documents saying what is wrong") {
  struct Case {
    const char* json;
    const char* expected;
  };
  const Case cases[] = {
      {"[1]", "config_schema_json: expected a JSON object {\"section\": ..., \"keys\": [...]}"},
      {R"({"section": ""})", "config_schema_json: has no \"keys\" array"},
      {R"({"section": 3, "keys": []})", "config_schema_json: \"section\" must be a string"},
      {R"({"keys": {}})", "config_schema_json: \"keys\" must be an array"},
      {R"({"keys": [1]})", "config_schema_json: keys[0] must be an object"},
      {R"({"keys": [{"name": "A_B"}, {"alias": "x"}]})", "config_schema_json: keys[1] has no \"name\""},
      {R"({"keys": [{"name": ""}]})", "config_schema_json: keys[0] has an empty \"name\""},
      {R"({"keys": [{"name": "A_B", "type": "float"}]})",
       "config_schema_json: key A_B: \"type\" is \"float\"; expected \"string\", \"integer\" or \"boolean\""},
      {R"({"keys": [{"name": "A_B", "required": "yes"}]})",
       "config_schema_json: keys[0].\"required\" must be true or false"},
      {R"({"keys": [{"name": "A_B"}, {"name": "A_B"}]})", "config_schema_json: key A_B is declared twice"},
      {R"({"keys": [{"name": "A_B", "alias": "b"}, {"name": "A_C", "alias": "b"}]})",
       "config_schema_json: key A_C: alias \"b\" is used by another key too"},
      {R"({"keys": [{"name": "A_B", "default": [1]}]})",
       "config_schema_json: key A_B: \"default\" must be a string, number or boolean"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    const auto f = failure_of([&] { ConfigSchema::parse(c.json); });
    CHECK(f.status == MAGEIO_STATUS_INVALID_ARGUMENT);
    CHECK(f.message == c.expected);
  }
  const auto bad = failure_of([] { ConfigSchema::parse("{\"keys\": ["); });
  CHECK(bad.status == MAGEIO_STATUS_INVALID_ARGUMENT);
  CHECK(bad.message.rfind("config_schema_json: not valid JSON (", 0) == 0);
}

TEST_CASE("ConfigSchema::prefix") {
  CHECK(postgres().prefix() == "POSTGRES_");
  CHECK(sqlite().prefix() == "SQLITE_");
  CHECK(ConfigSchema::parse(R"({"keys": []})").prefix() == "");
  CHECK(ConfigSchema::parse(R"({"keys": [{"name": "A_X"}, {"name": "B_Y"}]})").prefix() == "");
  CHECK(ConfigSchema::parse(R"({"keys": [{"name": "PATH"}]})").prefix() == "");
  CHECK(ConfigSchema::parse(R"({"keys": [{"name": "_A"}, {"name": "_B"}]})").prefix() == "");
  CHECK(ConfigSchema::parse(R"({"keys": [{"name": "GOOGLE_A_B"}, {"name": "GOOGLE_C"}]})").prefix() == "GOOGLE_");
  // The longest shared prefix, so my_io_class and my_other do not claim each other's keys.
  CHECK(ConfigSchema::parse(R"({"keys": [{"name": "MY_IO_CLASS_DIR"}, {"name": "MY_IO_CLASS_MODE"}]})").prefix() ==
        "MY_IO_CLASS_");
  CHECK(ConfigSchema::parse(R"({"keys": [{"name": "MY_IO_CLASS_DIRECTORY"}]})").prefix() == "MY_IO_CLASS_");

  // With no shared prefix there is no typo check.
  const auto schema = ConfigSchema::parse(R"({"keys": [{"name": "A_X"}, {"name": "B_Y"}]})");
  const auto config = IoConfig::parse("default:\n  A_X: 1\n  A_Z: 2\n", "io_config.yaml");
  CHECK(config.profile("default").config_for("ab", schema).size() == 1);
}
