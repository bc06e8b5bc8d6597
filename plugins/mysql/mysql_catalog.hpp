// What information_schema says about a table, always asked with bound parameters.
//
// Name matching follows the server: with lower_case_table_names = 0 (Linux's default) table and schema
// names are case-sensitive, so rows that information_schema's case-insensitive collation returns for a
// different spelling are dropped here; otherwise any spelling matches. Column names are always
// case-insensitive in MySQL.
#pragma once

#include "mysql_session.hpp"

#include <mageio/sdk/requests.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mageio::mysql {

struct ColumnInfo {
  std::string name;
  std::string data_type;    // information_schema's DATA_TYPE, lower case ("bigint", "json", "bit", ...)
  std::string column_type;  // the full type ("bigint(20) unsigned")
  bool nullable = true;
};

struct TableInfo {
  std::string schema;  // the database it lives in (the current one when the target named none)
  std::string name;    // as stored
  bool is_view = false;
  std::vector<ColumnInfo> columns;
};

/// The connection's current database (DATABASE()); nullopt when none is selected.
std::optional<std::string> current_database(Session& session);

/// The database a target refers to: its schema, or the connection's current database. Throws
/// INVALID_ARGUMENT when neither is set.
std::string resolve_schema(Session& session, const sdk::Target& target, const std::string& operation);

/// The table (or view) `schema`.`table`, with its columns unless `with_columns` is false; nullopt when
/// there is none.
std::optional<TableInfo> describe_table(Session& session, const std::string& schema, const std::string& table,
                                        bool with_columns = true);

/// The column sets of the table's PRIMARY KEY and UNIQUE indexes.
std::vector<std::vector<std::string>> unique_keys(Session& session, const std::string& schema,
                                                  const std::string& table);

/// ASCII case-insensitive equality (MySQL column names).
bool same_column(std::string_view a, std::string_view b);

}  // namespace mageio::mysql
