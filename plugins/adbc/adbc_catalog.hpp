// Whether a table exists, asked of the driver's catalog calls. Two ways (ADBC_TABLE_LOOKUP):
//   auto (default)  AdbcConnectionGetTableSchema (NOT_FOUND is false); a driver that answers
//                   NOT_IMPLEMENTED (or has no such call) is asked AdbcConnectionGetObjects instead;
//   get_objects     always AdbcConnectionGetObjects (for a driver whose GetTableSchema is slow or wrong,
//                   and so the tests can check both ways give the same answers on real drivers).
// GetObjects takes LIKE-style patterns (ADBC defines no escape character), so the table name is passed
// as a pattern that matches at least the name itself and every returned name is compared exactly: a '_'
// or '%' in the name never matches another table. SQLite names compare without ASCII case (as SQLite and
// its driver's GetTableSchema do); others exactly. Without a schema, the connection's current catalog and
// schema (ADBC 1.1 options) are what GetTableSchema looks in, so they are what the lookup compares with.
#pragma once

#include "adbc_session.hpp"

namespace mageio::adbc {

/// True when the driver finds the table; false when it does not; an error when it cannot tell.
bool table_exists(Session& session, const sdk::Target& target);

/// The GetObjects lookup alone (what table_exists falls back to).
bool table_exists_by_objects(Session& session, const sdk::Target& target);

}  // namespace mageio::adbc
