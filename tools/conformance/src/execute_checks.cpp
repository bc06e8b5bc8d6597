// execute.*, execute_queries.* and load.query*: SQL. The kit knows no dialect, so it writes only what
// every SQL database takes unquoted: lowercase [a-z0-9_] names, INTEGER and VARCHAR(20), INSERT, SELECT.
#include "context.hpp"

#include <regex>

namespace mageio::conformance::detail {
namespace {

using Rows = std::vector<std::pair<int64_t, std::string>>;

// The rows (a, b) as text, as a load or execute gives them back.
TextTable expected_rows(const Rows& rows, const std::vector<std::string>& names = {"a", "b"}) {
  TextTable table;
  table.names = names;
  for (const auto& [a, b] : rows) table.rows.push_back({std::to_string(a), b});
  return table;
}

std::string insert(const std::string& table, int64_t a, const std::string& b) {
  return "INSERT INTO " + table + " (a, b) VALUES (" + std::to_string(a) + ", '" + b + "')";
}

// Creates `table (a INTEGER, b VARCHAR(20))` through execute or execute_queries.
std::string sql_table(Kit& kit) {
  Connector& connector = kit.connector();
  const std::string table = kit.unique_name();
  const std::string create = "CREATE TABLE " + table + " (a INTEGER, b VARCHAR(20))";
  kit.remember_table(table);
  try {
    if (kit.has(MAGEIO_CAP_EXECUTE))
      connector.execute(create);
    else
      connector.execute_queries({create});
  } catch (const sdk::Error& error) {
    fail(create + " failed: " + describe_error(error));
  }
  kit.detect_quote(table);
  return table;
}

// Runs statements one after the other, through execute_queries when declared.
void run_sql(Kit& kit, const std::vector<std::string>& statements) {
  if (kit.has(MAGEIO_CAP_EXECUTE_QUERIES)) {
    kit.connector().execute_queries(statements);
    return;
  }
  for (const auto& statement : statements) kit.connector().execute(statement);
}

// What `table` holds, read back by the plainest means the plugin has.
TextTable select_rows(Kit& kit, const std::string& table) {
  Connector& connector = kit.connector();
  const std::string select = "SELECT a, b FROM " + table;
  if (kit.has(MAGEIO_CAP_LOAD_QUERY)) {
    BatchReader reader = connector.load(LoadOptions{.query = select});
    return read_all(reader);
  }
  if (kit.has(MAGEIO_CAP_EXECUTE)) {
    ExecuteOutcome outcome = connector.execute(select);
    require(outcome.rows.has_value(), select + " returned no result stream");
    return read_all(*outcome.rows);
  }
  if (kit.has(MAGEIO_CAP_LOAD | MAGEIO_CAP_TABLES)) return kit.load(connector, Target{table, {}});
  skip("the plugin can neither query nor load tables, so the kit cannot see what the statements did");
}

void expect_rows(Kit& kit, const std::string& table, const Rows& rows, const std::string& context) {
  TextTable actual;
  try {
    actual = select_rows(kit, table);
  } catch (const sdk::Error& error) {
    fail(context + ": reading " + table + " failed: " + describe_error(error));
  }
  if (auto difference = compare_tables(expected_rows(rows), actual)) fail(context + ": " + *difference);
}

}  // namespace

void execute_checks(Kit& kit) {
  kit.check_with(MAGEIO_CAP_EXECUTE, "execute.statements", [&] {
    Connector& connector = kit.connector();
    const std::string table = kit.unique_name();
    const std::string create = "CREATE TABLE " + table + " (a INTEGER, b VARCHAR(20))";
    kit.remember_table(table);
    ExecuteOutcome created = connector.execute(create);
    require(!created.rows, "CREATE TABLE returned a result stream");
    kit.detect_quote(table);
    for (const auto& [a, b] : Rows{{1, "x"}, {2, "y"}}) {
      ExecuteOutcome inserted = connector.execute(insert(table, a, b));
      require(!inserted.rows, "INSERT returned a result stream");
      require(inserted.rows_affected == 1 || inserted.rows_affected == -1,
              "INSERT of one row reported rows_affected " + std::to_string(inserted.rows_affected));
    }
    ExecuteOutcome selected = connector.execute("SELECT a, b FROM " + table);
    require(selected.rows.has_value(), "SELECT returned no result stream");
    if (auto difference = compare_tables(expected_rows({{1, "x"}, {2, "y"}}), read_all(*selected.rows)))
      fail("SELECT: " + *difference);
  });

  kit.check_with(MAGEIO_CAP_EXECUTE, "execute.bad_sql", [&] {
    Connector& connector = kit.connector();
    kit.expect_error("execute of 'SELEC nonsense FROM'", [&] { connector.execute("SELEC nonsense FROM"); },
                     {MAGEIO_STATUS_INVALID_ARGUMENT, MAGEIO_STATUS_BACKEND});
    try {
      ExecuteOutcome outcome = connector.execute("SELECT 1");
      require(outcome.rows.has_value(), "SELECT 1 returned no result stream");
      require(read_all(*outcome.rows).rows.size() == 1, "SELECT 1 did not return one row");
    } catch (const sdk::Error& error) {
      fail("after the bad statement, SELECT 1 failed: " + describe_error(error));
    }
  });

  kit.check_with(MAGEIO_CAP_EXECUTE, "execute.missing_table", [&] {
    const std::string missing = kit.unique_name();
    kit.expect_error("SELECT from the missing table " + missing,
                     [&] { kit.connector().execute("SELECT a FROM " + missing); },
                     {MAGEIO_STATUS_NOT_FOUND, MAGEIO_STATUS_BACKEND});
  });

  kit.check_with(MAGEIO_CAP_EXECUTE_QUERIES, "execute_queries.all_run", [&] {
    const std::string table = sql_table(kit);
    int64_t affected = 0;
    try {
      affected = kit.connector().execute_queries({insert(table, 1, "x"), insert(table, 2, "y")});
    } catch (const sdk::Error& error) {
      fail("two INSERTs failed: " + describe_error(error));
    }
    require(affected == 2 || affected == -1, "two one-row INSERTs reported rows_affected " + std::to_string(affected));
    expect_rows(kit, table, {{1, "x"}, {2, "y"}}, "after two INSERTs");
  });

  kit.check_with(MAGEIO_CAP_EXECUTE_QUERIES | MAGEIO_CAP_TRANSACTIONS, "execute_queries.atomic", [&] {
    const std::string table = sql_table(kit);
    kit.connector().execute_queries({insert(table, 1, "kept")});
    const std::string missing = kit.unique_name();
    sdk::Error error = kit.expect_error("execute_queries whose 2nd statement fails", [&] {
      kit.connector().execute_queries({insert(table, 10, "gone"), "INSERT INTO " + missing + " (a) VALUES (1)"});
    });
    static const std::regex second(R"(\b2\b|second)");
    require(std::regex_search(std::string(error.what()), second),
            "the error does not name the statement that failed (2): " + std::string(error.what()));
    expect_rows(kit, table, {{1, "kept"}}, "after the failed transaction (the 1st statement must be undone)");
  });

  kit.check_with(MAGEIO_CAP_LOAD_QUERY, "load.query", [&] {
    if (!kit.has(MAGEIO_CAP_EXECUTE) && !kit.has(MAGEIO_CAP_EXECUTE_QUERIES))
      skip("the kit creates its table with SQL, which needs execute or execute_queries");
    const std::string table = sql_table(kit);
    run_sql(kit, {insert(table, 1, "x"), insert(table, 2, "y"), insert(table, 3, "z")});
    BatchReader reader = kit.connector().load(LoadOptions{.query = "SELECT a, b FROM " + table + " WHERE a >= 2"});
    if (auto difference = compare_tables(expected_rows({{2, "y"}, {3, "z"}}), read_all(reader))) fail(*difference);
    BatchReader limited = kit.connector().load(LoadOptions{.query = "SELECT a, b FROM " + table, .limit = 1});
    require(read_all(limited).rows.size() == 1, "a query with limit 1 did not give one row");
  });

  kit.check_with(MAGEIO_CAP_LOAD_QUERY, "load.query_bad_sql", [&] {
    kit.expect_error("a load of the query 'SELEC nonsense FROM'",
                     [&] {
                       BatchReader reader = kit.connector().load(LoadOptions{.query = "SELEC nonsense FROM"});
                       read_all(reader);
                     },
                     {MAGEIO_STATUS_INVALID_ARGUMENT, MAGEIO_STATUS_BACKEND});
  });
}

}  // namespace mageio::conformance::detail
