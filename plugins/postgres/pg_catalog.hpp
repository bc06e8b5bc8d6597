// Questions about tables, asked of pg_catalog with the names bound as parameters (never spliced into
// SQL), so any name -- quotes, spaces, mixed case -- is looked up exactly as given.
#pragma once

#include "pg_connection.hpp"
#include "pg_types.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mageio::postgres {

struct TableColumn {
  std::string name;
  Oid type_oid = 0;  // the column's type (a domain's own OID)
  Oid base_oid = 0;  // for a domain, its base type (binary COPY takes the base type's format)
  int32_t typmod = -1;
  std::string type_text;  // format_type(): valid SQL for the type, e.g. "numeric(12,2)"
  bool not_null = false;
};

/// pg_class.relkind ('r' table, 'p' partitioned table, 'v' view, 'm' materialized view, 'f' foreign
/// table ...) of schema.table, or nullopt when there is no such relation.
std::optional<char> relation_kind(Connection& connection, const std::string& schema, const std::string& table);

bool schema_exists(Connection& connection, const std::string& schema);

/// The columns of schema.table in order (dropped ones left out).
std::vector<TableColumn> table_columns(Connection& connection, const std::string& schema, const std::string& table);

/// "a", "b" for messages.
std::string column_names(const std::vector<TableColumn>& columns);

}  // namespace mageio::postgres
