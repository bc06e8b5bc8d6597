// The JSON requests of the ABI: parsed strictly, with errors that name the key.
#include <doctest/doctest.h>

#include <mageio/sdk/config.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/requests.hpp>

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

TEST_CASE("stage_begin requests: an export request plus one_writer_possible; upserts are not staged") {
  StageRequest request{.export_request = {.target = {.table = "t"}, .if_exists = IfExists::Replace},
                       .one_writer_possible = true};
  const std::string text = to_json(request);
  CHECK(text.find("\"one_writer_possible\":true") != std::string::npos);
  StageRequest back = parse_stage_request(text);
  CHECK(back.one_writer_possible);
  CHECK(back.export_request.if_exists == IfExists::Replace);
  CHECK(back.export_request.target.table == "t");
  CHECK_FALSE(parse_stage_request(R"({"table":"t"})").one_writer_possible);
  // An export request does not take the key; a stage request does not take an upsert.
  CHECK_THROWS_WITH_AS(parse_export_request(text), doctest::Contains("one_writer_possible"), Error);
  CHECK_THROWS_WITH_AS(parse_stage_request(R"({"table":"t","one_writer_possible":"yes"})"),
                       "'one_writer_possible' must be true or false", Error);
  try {
    parse_stage_request(R"({"table":"t","unique_constraints":["id"]})");
    FAIL("an upsert was staged");
  } catch (const Error& e) {
    CHECK(e.status() == MAGEIO_STATUS_NOT_IMPLEMENTED);
  }
}

TEST_CASE("options that nobody read are an error") {
  Options options = Options::from_json(R"({"delimiter":";","dlimiter":","})");
  CHECK(options.get_string("delimiter") == ";");
  CHECK_THROWS_WITH_AS(options.finish(), "unknown option 'dlimiter'; accepted options: delimiter", Error);
}

TEST_CASE("enumerated values: one lowercase spelling out, a clear error naming the key and the values in") {
  CHECK(std::string(to_string(IfExists::Replace)) == MAGEIO_IF_EXISTS_REPLACE);
  CHECK(std::string(to_string(ConflictMethod::Ignore)) == "ignore");
  CHECK(parse_conflict_method("UPDATE") == ConflictMethod::Update);  // 1.0's spelling still reads
  CHECK(parse_conflict_method("Ignore") == ConflictMethod::Ignore);
  CHECK_THROWS_WITH_AS(parse_conflict_method("merge"),
                       "'unique_conflict_method' must be update or ignore (any case), not 'merge'", Error);
  CHECK_THROWS_WITH_AS(parse_if_exists("Replace"), "'if_exists' must be fail, replace or append, not 'Replace'", Error);
  CHECK_THROWS_WITH_AS(parse_alter_table_request(R"({"table":"t","action":"explode","column":"c"})"),
                       "'action' must be add_column, drop_column, rename_column or alter_column_type, not 'explode'",
                       Error);
}

TEST_CASE("to_json writes what parse reads back, for every request") {
  LoadRequest load{.query = "select 1", .limit = 5, .batch_rows = 10, .options = Options::from_json(R"({"a":1})")};
  auto loaded = parse_load_request(to_json(load));
  CHECK(loaded.query == std::optional<std::string>("select 1"));
  CHECK(loaded.limit == std::optional<int64_t>(5));
  CHECK(loaded.batch_rows == 10);
  CHECK(loaded.options.get_int("a") == std::optional<int64_t>(1));
  CHECK(to_json(LoadRequest{.target = {.table = "t", .schema = "s"}}) == R"({"table":"t","schema":"s"})");

  ExportRequest out{.target = {.path = "p"},
                    .if_exists = IfExists::Append,
                    .unique_constraints = {"id"},
                    .conflict_method = ConflictMethod::Ignore};
  CHECK(to_json(out) ==
        R"({"path":"p","if_exists":"append","unique_constraints":["id"],"unique_conflict_method":"ignore"})");
  auto exported = parse_export_request(to_json(out));
  CHECK(exported.target.path == "p");
  CHECK(exported.if_exists == IfExists::Append);
  CHECK(exported.conflict_method == ConflictMethod::Ignore);

  CHECK(parse_execute_request(to_json(ExecuteRequest{"select \"x\""})) == "select \"x\"");
  CHECK(parse_execute_queries_request(to_json(ExecuteQueriesRequest{{"a", "b"}})) ==
        std::vector<std::string>{"a", "b"});
  auto altered =
      parse_alter_table_request(to_json(AlterTableRequest{.target = {.table = "t"},
                                                          .action = AlterAction::AlterColumnType,
                                                          .column = "c",
                                                          .type = DataType::from_name("decimal128(12, 2)")}));
  CHECK(altered.action == AlterAction::AlterColumnType);
  CHECK(altered.type.name() == "decimal128(12, 2)");
  CHECK(parse_target_request(to_json(TableExistsRequest{{.path = "-"}})).path == "-");
}

TEST_CASE("options: const getters, nested string maps, unread keys refused") {
  const Options options = Options::from_json(R"({"columns":{"b":"utf8","a":"int64"},"n":"12","bad":{"x":1}})");
  auto columns = options.get_string_map("columns");
  REQUIRE(columns);
  CHECK(*columns == std::vector<std::pair<std::string, std::string>>{{"b", "utf8"}, {"a", "int64"}});
  CHECK(options.get_int("n") == std::optional<int64_t>(12));
  CHECK_THROWS_WITH_AS(options.finish(), "unknown option 'bad'; accepted options: columns, n", Error);
  CHECK_THROWS_WITH_AS(options.get_string_map("bad"),
                       "option 'bad' must be an object whose values are strings (the value of 'x' is not)", Error);
  CHECK_THROWS_WITH_AS(Options::from_json("[1]"), "options must be a JSON object", Error);
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
  Config config(keys, R"({"X_DATABASE":"db"})");
  CHECK(config.get_int("X_PORT") == 5432);
  CHECK(config.get_string("X_DATABASE") == "db");
  CHECK_FALSE(config.has("X_PASSWORD"));
  CHECK_THROWS_WITH_AS(Config(keys, R"({})"), "missing config key X_DATABASE (the database)", Error);
  CHECK_THROWS_WITH_AS(Config(keys, R"({"X_DATABASE":"d","X_PORT":"abc"})"), "X_PORT must be an integer, not 'abc'",
                       Error);
  CHECK_THROWS_WITH_AS(Config(keys, R"({"X_DATABASE":"d","X_PASSWORD":"hunter2"})"),
                       "X_PASSWORD must be an integer, not (secret)", Error);
  CHECK_THROWS_WITH_AS(Config(keys, R"({"X_DATABASE":"d","X_HOST":"h"})"),
                       "unknown config key X_HOST; accepted keys: X_PORT, X_PASSWORD, X_DATABASE", Error);
}
