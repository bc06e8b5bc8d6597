#include "sqlite_catalog.hpp"

namespace mageio::sqlite {
namespace {

std::string column_text(sqlite3_stmt* stmt, int index) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, index));
  return text == nullptr ? std::string() : std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, index)));
}

std::vector<std::string> attached_schemas(const std::shared_ptr<Database>& db) {
  Statement list(db, "SELECT name FROM pragma_database_list ORDER BY seq", "cannot list attached databases");
  std::vector<std::string> names;
  while (list.step("cannot list attached databases")) names.push_back(column_text(list.get(), 0));
  return names;
}

}  // namespace

std::string schema_of(const sdk::Target& target, const char* operation) {
  if (target.is_path())
    throw sdk::invalid_argument(std::string(operation) + " works on tables ('table', 'schema'), not paths ('path')");
  if (target.table.empty()) throw sdk::invalid_argument(std::string(operation) + " needs a 'table'");
  return target.schema.empty() ? "main" : target.schema;
}

bool schema_attached(const std::shared_ptr<Database>& db, const std::string& schema) {
  if (same_identifier(schema, "main") || same_identifier(schema, "temp")) return true;
  for (const auto& name : attached_schemas(db))
    if (same_identifier(name, schema)) return true;
  return false;
}

void require_schema(const std::shared_ptr<Database>& db, const std::string& schema) {
  if (schema_attached(db, schema)) return;
  std::string names;
  for (const auto& name : attached_schemas(db)) names += (names.empty() ? "" : ", ") + name;
  throw sdk::not_found("no attached database is named '" + schema + "' (attached: " + names +
                       "); the schema of a SQLite table is the name of an attached database");
}

std::optional<std::string> object_type(const std::shared_ptr<Database>& db, const std::string& schema,
                                       const std::string& table) {
  require_schema(db, schema);
  const std::string what = "cannot look up table " + schema + "." + table;
  Statement lookup(db,
                   "SELECT type FROM " + quote_identifier(schema) +
                       ".sqlite_master WHERE type IN ('table', 'view') AND name = ?1 COLLATE NOCASE",
                   what);
  lookup.bind_text(1, table, false);
  if (!lookup.step(what)) return std::nullopt;
  return column_text(lookup.get(), 0);
}

std::vector<TableColumn> table_columns(const std::shared_ptr<Database>& db, const std::string& schema,
                                       const std::string& table) {
  const std::string what = "cannot read the columns of " + schema + "." + table;
  Statement info(db, "SELECT name, type FROM pragma_table_info(?1, ?2) ORDER BY cid", what);
  info.bind_text(1, table, false);
  info.bind_text(2, schema, false);
  std::vector<TableColumn> columns;
  while (info.step(what)) columns.push_back({column_text(info.get(), 0), column_text(info.get(), 1)});
  return columns;
}

const TableColumn* find_column(const std::vector<TableColumn>& columns, const std::string& name) {
  for (const auto& column : columns)
    if (same_identifier(column.name, name)) return &column;
  return nullptr;
}

std::string column_list(const std::vector<TableColumn>& columns) {
  std::string out;
  for (const auto& column : columns) out += (out.empty() ? "" : ", ") + column.name;
  return out;
}

}  // namespace mageio::sqlite
