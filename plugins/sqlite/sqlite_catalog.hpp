// What the database holds: attached schemas, tables and their columns. Identifiers are compared as
// SQLite compares them (ASCII case-insensitively).
#pragma once

#include "sqlite_handle.hpp"

#include <mageio/sdk/requests.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mageio::sqlite {

/// The target's schema (an attached database name), "main" when none was given. Rejects path targets.
std::string schema_of(const sdk::Target& target, const char* operation);

/// Whether a database of that name is attached ("main" and "temp" always are).
bool schema_attached(const std::shared_ptr<Database>& db, const std::string& schema);
/// Throws Error(NOT_FOUND) naming the attached databases when `schema` is not one of them.
void require_schema(const std::shared_ptr<Database>& db, const std::string& schema);

/// "table" or "view" when `schema`.`table` exists, nullopt otherwise.
std::optional<std::string> object_type(const std::shared_ptr<Database>& db, const std::string& schema,
                                       const std::string& table);

struct TableColumn {
  std::string name;
  std::string declared_type;
};

/// The columns of an existing table or view, in order.
std::vector<TableColumn> table_columns(const std::shared_ptr<Database>& db, const std::string& schema,
                                       const std::string& table);

/// The table's column whose name matches (ASCII case-insensitively), or nullptr.
const TableColumn* find_column(const std::vector<TableColumn>& columns, const std::string& name);

/// "a, b, c", for messages.
std::string column_list(const std::vector<TableColumn>& columns);

}  // namespace mageio::sqlite
