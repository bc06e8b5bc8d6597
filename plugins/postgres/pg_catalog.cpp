#include "pg_catalog.hpp"

#include <cstdlib>

namespace mageio::postgres {

std::optional<char> relation_kind(Connection& connection, const std::string& schema, const std::string& table) {
  Result result = connection.exec_params(
      "SELECT c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relname = $2",
      {schema, table}, "cannot look up table " + schema + "." + table);
  if (!result || result.rows() == 0) return std::nullopt;
  std::string kind = result.value(0, 0);
  return kind.empty() ? std::nullopt : std::optional<char>(kind[0]);
}

bool schema_exists(Connection& connection, const std::string& schema) {
  Result result = connection.exec_params("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", {schema},
                                         "cannot look up schema " + schema);
  return result && result.rows() > 0;
}

std::vector<TableColumn> table_columns(Connection& connection, const std::string& schema, const std::string& table) {
  Result result = connection.exec_params(
      "SELECT a.attname, a.atttypid, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END, "
      "a.atttypmod, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull "
      "FROM pg_catalog.pg_attribute a "
      "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
      "WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      {schema, table}, "cannot read the columns of " + schema + "." + table);
  std::vector<TableColumn> columns;
  for (int row = 0; result && row < result.rows(); ++row) {
    TableColumn column;
    column.name = result.value(row, 0);
    column.type_oid = static_cast<Oid>(std::strtoul(result.value(row, 1).c_str(), nullptr, 10));
    column.base_oid = static_cast<Oid>(std::strtoul(result.value(row, 2).c_str(), nullptr, 10));
    column.typmod = static_cast<int32_t>(std::strtol(result.value(row, 3).c_str(), nullptr, 10));
    column.type_text = result.value(row, 4);
    column.not_null = result.value(row, 5) == "t";
    columns.push_back(std::move(column));
  }
  return columns;
}

std::string column_names(const std::vector<TableColumn>& columns) {
  std::string out;
  for (const auto& column : columns) out += (out.empty() ? "\"" : ", \"") + column.name + "\"";
  return out;
}

}  // namespace mageio::postgres
