// The steps of an export that the one-call export (pg_export.cpp) and the staged export
// (pg_staged_export.cpp) share.
#pragma once

#include "copy_binary_writer.hpp"
#include "pg_catalog.hpp"
#include "pg_connection.hpp"

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/requests.hpp>

#include <string>
#include <vector>

namespace mageio::postgres {

/// What one export writes to, and the names its messages use.
struct Destination {
  std::string schema;
  std::string table;
  std::string target;     // quoted and qualified, for SQL
  std::string described;  // schema.table, for messages
  std::string what;       // "export to schema.table failed"
};

/// The table an export request names (the plugin's default schema when it gives none); refuses paths.
Destination destination_of(const ConnectionPool& pool, const sdk::Target& target);

/// Whether `columns` are exactly the ones an export would create for `fields` (names, types, order):
/// a replace then keeps the table and swaps its rows.
bool has_shape_of(const std::vector<TableColumn>& columns, const sdk::Schema& fields);

/// COPY the whole input into `table_sql` through the binary writer, as one COPY command. On failure the
/// COPY is ended with an error and the error rethrown; the caller's transaction then rolls back.
int64_t copy_in(Connection& connection, const std::string& table_sql, const std::vector<std::string>& names,
                std::vector<EncodePlan> plan, sdk::StreamReader& input, const std::string& what);

/// Serializes exports that may create or drop `quoted_name` (a transaction-level advisory lock).
void lock_name(Connection& connection, const std::string& purpose, const std::string& quoted_name,
               const std::string& what);

/// Creates the table (and its schema, and the unique index on `keys` when not empty) for `fields`.
void create_table(Connection& connection, const Destination& d, const sdk::Schema& fields,
                  const std::vector<std::string>& keys);

/// The target column of every input column, in input order; NOT_FOUND naming a column the table lacks.
std::vector<TableColumn> match_columns(Connection& connection, const Destination& d, const sdk::Schema& fields);

}  // namespace mageio::postgres
