// export: writes an Arrow stream into a table with binary COPY, atomically.
//
// Everything happens in one transaction (or under a savepoint when the session already is in one), so
// a failure anywhere -- a bad value in the last row, a broken input stream, a cancellation, a lost
// connection -- leaves the target exactly as it was: rows, columns, indexes, grants.
//
//   fail     the table must not exist (ALREADY_EXISTS otherwise); it is created, then filled.
//   append   created when missing; rows are added.
//   replace  when the existing table has exactly the columns the input would create (same names, same
//            types, same order): TRUNCATE + COPY, which keeps its grants, indexes, constraints,
//            comments and dependent views. Otherwise DROP TABLE + CREATE TABLE + COPY (grants and
//            the like go with the old table; a view depending on it makes the replace fail instead of
//            being dropped). Either way, only on COMMIT does anyone see the change.
//   upsert   (unique_constraints + UPDATE/IGNORE) set-based: COPY into a temporary staging table, then
//            one INSERT INTO target SELECT ... FROM staging ON CONFLICT (keys) DO UPDATE SET every other
//            column = EXCLUDED.column / DO NOTHING. Keys repeated within the input: UPDATE keeps the
//            last occurrence (as if rows were upserted one by one), IGNORE the first; rows whose key
//            has a NULL are all inserted (NULLs never conflict in a unique index). A table created by
//            the export gets a unique index on the keys; an existing one must have a unique index or
//            constraint on exactly those columns.
//
// Names are taken exactly as given and always quoted. Input columns go to the target columns of the
// same name (append/upsert may give a subset; the others get their defaults). Each column is encoded
// in the target column's own binary format (copy_binary_writer.hpp); when some column's target type
// cannot be written directly (e.g. utf8 into an enum, inet or interval column), the rows go through a
// staging table and the server casts them (INSERT ... SELECT col::type).
// rows_written is the number of input rows.
#pragma once

#include "pg_connection.hpp"

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/requests.hpp>

namespace mageio::postgres {

int64_t export_rows(ConnectionPool& pool, const sdk::ExportRequest& request, sdk::StreamReader& input);

}  // namespace mageio::postgres
