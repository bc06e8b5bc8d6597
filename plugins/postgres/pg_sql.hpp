// Building SQL text safely. Identifiers are always quoted (names are kept exactly as given: no
// lower-casing, no renaming of reserved words); values never go into SQL text -- they are bound as
// parameters (Connection::exec_params).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mageio::postgres {

/// PostgreSQL truncates longer identifiers silently (NAMEDATALEN - 1); we refuse them instead.
constexpr size_t kMaxIdentifierBytes = 63;

/// "name" with every `"` doubled. Throws Error(INVALID_ARGUMENT) for an empty name, a NUL byte or a name
/// PostgreSQL would truncate. The connection's client_encoding is always UTF8, in which a `"` byte never
/// occurs inside a multi-byte character, so doubling it is all the quoting there is (what
/// PQescapeIdentifier does too, minus the need for a connection).
std::string quote_identifier(std::string_view name, std::string_view what = "identifier");

/// "schema"."table".
std::string qualified_name(std::string_view schema, std::string_view table);

/// "a", "b", "c"
std::string identifier_list(const std::vector<std::string>& names);

/// The query without trailing whitespace and semicolons, so that it can be wrapped in a subquery.
std::string strip_query(std::string_view query);

/// A short, single-line excerpt of a statement for error messages.
std::string excerpt(std::string_view sql, size_t max_chars = 80);

}  // namespace mageio::postgres
