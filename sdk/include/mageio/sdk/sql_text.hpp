// Reading SQL text without parsing it: what partition planners need to know about a user's query
// before they wrap it (a LIMIT evaluated once per partition may pick other rows each time).
#pragma once

#include <string_view>

namespace mageio::sdk {

/// How the backend's SQL quotes: which characters open a quoted part and whether a backslash escapes
/// the next character inside one (MySQL/MariaDB by default; not SQLite or PostgreSQL's standard strings).
struct SqlDialect {
  std::string_view quotes = "'\"`";  // each opens a part closed by the same character; '[' is closed by ']'
  bool backslash_escapes = false;
};

/// Whether `word` (ASCII letters, digits, '_'; matched case-insensitively) occurs in `sql` as a whole
/// word outside quoted parts. Comments count as text: a word in a comment is reported too, which errs
/// on the safe side for callers asking "could this query have a LIMIT?".
bool mentions_sql_word(std::string_view sql, std::string_view word, const SqlDialect& dialect = {});

}  // namespace mageio::sdk
