// The JSON requests of the ABI: parsed strictly, with errors that name the key.
#include <doctest/doctest.h>

#include <mageio/sdk/config.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/requests.hpp>

#include <boost/json/parse.hpp>

using namespace mageio::sdk;

TEST_CASE("load requests need exactly one source") {
  auto request = parse_load_request(R"({"query":"select 1","limit":5,"options":{"x":"1"}})");
  CHECK(request.query == "select 1");
  CHECK(request.limit == 5);
  CHECK(request.options.get_int("x") == 1);
  CHECK_THROWS_WITH_AS(parse_load_request(R"({"query":"q","table":"t"})"),
                       "load request needs exactly one of 'query', 'table' or 'path'", Error);
  CHECK_THROWS_WITH_AS(parse_load_request(R"({"table":"t","limt":5})"),
                       "unknown key 'limt' in load request; accepted: query, table, schema, path, limit, batch_rows, "
                       "options",
                       Error);
  CHECK_THROWS_WITH_AS(parse_load_request(R"({"table":"t","limit":-1})"), "'limit' must not be negative", Error);
  CHECK_THROWS_WITH_AS(parse_load_request("{"), doctest::Contains("load request is not valid JSON"), Error);
  CHECK(parse_load_request(R"({"table":"my \"odd\" table","schema":"S"})").target.describe() == "S.my \"odd\" table");
}

TEST_CASE("export requests validate if_exists and upsert options") {
  auto request = parse_export_request(
      R"({"table":"t","if_exists":"append","unique_constraints":["a","b"],"unique_conflict_method":"ignore"})");
  CHECK(request.if_exists == IfExists::Append);
  CHECK(request.unique_constraints == std::vector<std::string>{"a", "b"});
  CHECK(request.conflict_method == ConflictMethod::Ignore);
  CHECK_THROWS_WITH_AS(parse_export_request(R"({"table":"t","if_exists":"merge"})"),
                       "'if_exists' must be fail, replace or append, not 'merge'", Error);
  CHECK_THROWS_WITH_AS(parse_export_request(R"({"table":"t","unique_conflict_method":"UPDATE"})"),
                       "'unique_conflict_method' needs 'unique_constraints'", Error);
  CHECK_THROWS_WITH_AS(parse_export_request(R"({"if_exists":"fail"})"), "export request needs a 'table' or a 'path'",
                       Error);
}

TEST_CASE("options that nobody read are an error") {
  Options options(boost::json::parse(R"({"delimiter":";","dlimiter":","})").as_object());
  CHECK(options.get_string("delimiter") == ";");
  CHECK_THROWS_WITH_AS(options.finish(), "unknown option 'dlimiter'; accepted options: delimiter", Error);
}

TEST_CASE("alter_table requests") {
  auto request = parse_alter_table_request(R"({"table":"t","action":"add_column","column":"c","type":"int64"})");
  CHECK(request.action == AlterAction::AddColumn);
  CHECK(request.type.name() == "int64");
  CHECK_THROWS_WITH_AS(parse_alter_table_request(R"({"table":"t","action":"rename_column","column":"c"})"),
                       "rename_column needs 'new_name'", Error);
  CHECK_THROWS_WITH_AS(parse_alter_table_request(R"({"table":"t","action":"add_column","column":"c"})"),
                       "add_column needs 'type'", Error);
}

TEST_CASE("config values are checked against the declared keys; secrets are never echoed") {
  std::vector<ConfigKey> keys{{.name = "X_PORT", .type = ConfigType::Integer, .default_value = "5432"},
                              {.name = "X_PASSWORD", .type = ConfigType::Integer, .secret = true},
                              {.name = "X_DATABASE", .required = true, .description = "the database"}};
  Config config(keys, boost::json::parse(R"({"X_DATABASE":"db"})").as_object());
  CHECK(config.get_int("X_PORT") == 5432);
  CHECK(config.get_string("X_DATABASE") == "db");
  CHECK_FALSE(config.has("X_PASSWORD"));
  CHECK_THROWS_WITH_AS(Config(keys, boost::json::parse(R"({})").as_object()),
                       "missing config key X_DATABASE (the database)", Error);
  CHECK_THROWS_WITH_AS(Config(keys, boost::json::parse(R"({"X_DATABASE":"d","X_PORT":"abc"})").as_object()),
                       "X_PORT must be an integer, not 'abc'", Error);
  CHECK_THROWS_WITH_AS(Config(keys, boost::json::parse(R"({"X_DATABASE":"d","X_PASSWORD":"hunter2"})").as_object()),
                       "X_PASSWORD must be an integer, not (secret)", Error);
  CHECK_THROWS_WITH_AS(Config(keys, boost::json::parse(R"({"X_DATABASE":"d","X_HOST":"h"})").as_object()),
                       "unknown config key X_HOST; accepted keys: X_PORT, X_PASSWORD, X_DATABASE", Error);
}
