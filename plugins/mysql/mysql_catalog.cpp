#include "mysql_catalog.hpp"

#include <cctype>
#include <map>

namespace mageio::mysql {

bool same_column(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::optional<std::string> current_database(Session& session) {
  auto rows = session.query("SELECT DATABASE()", {}, "cannot read the current database");
  if (rows.empty() || !rows[0][0]) return std::nullopt;
  return *rows[0][0];
}

std::string resolve_schema(Session& session, const sdk::Target& target, const std::string& operation) {
  if (!target.schema.empty()) return target.schema;
  auto database = current_database(session);
  if (!database)
    throw sdk::invalid_argument(operation + " " + target.describe() +
                                ": no database selected; set MYSQL_DATABASE in the config or give the target a schema");
  return *database;
}

namespace {

bool same_name(Session& session, const std::string& a, const std::string& b) {
  return session.server().lower_case_table_names == 0 ? a == b : same_column(a, b);
}

}  // namespace

std::optional<TableInfo> describe_table(Session& session, const std::string& schema, const std::string& table,
                                        bool with_columns) {
  const std::string context = "cannot look up table " + schema + "." + table;
  auto tables = session.query(
      "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND "
      "TABLE_NAME = ?",
      {schema, table}, context);
  std::optional<TableInfo> info;
  for (const auto& row : tables) {
    if (!row[0] || !row[1] || !same_name(session, *row[0], schema) || !same_name(session, *row[1], table)) continue;
    info = TableInfo{*row[0], *row[1], row[2] && *row[2] == "VIEW", {}};
    break;
  }
  if (!info || !with_columns) return info;
  auto columns = session.query(
      "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? "
      "AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
      {info->schema, info->name}, context);
  for (const auto& row : columns) {
    ColumnInfo column;
    column.name = row[0].value_or("");
    column.data_type = row[1].value_or("");
    for (auto& c : column.data_type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    column.column_type = row[2].value_or("");
    column.nullable = row[3].value_or("YES") == "YES";
    info->columns.push_back(std::move(column));
  }
  return info;
}

std::vector<std::vector<std::string>> unique_keys(Session& session, const std::string& schema,
                                                  const std::string& table) {
  auto rows = session.query(
      "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
      "AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX",
      {schema, table}, "cannot read the unique keys of " + schema + "." + table);
  std::map<std::string, std::vector<std::string>> keys;
  for (const auto& row : rows)
    if (row[0] && row[1]) keys[*row[0]].push_back(*row[1]);
  std::vector<std::vector<std::string>> out;
  for (auto& [name, columns] : keys) out.push_back(std::move(columns));
  return out;
}

}  // namespace mageio::mysql
