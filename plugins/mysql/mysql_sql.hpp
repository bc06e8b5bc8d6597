// SQL text helpers: quoting identifiers and literals, and telling statements apart by their first
// keywords (what commits implicitly, what ends a transaction, what reports affected rows).
//
// Everything here produces SQL that MariaDB (10.5+) and MySQL 8 both accept.
#pragma once

#include <string>
#include <string_view>

namespace mageio::mysql {

/// `name` in backticks, embedded backticks doubled. Any byte is allowed (MySQL identifiers may hold
/// spaces, reserved words, quotes...); the server still rejects what it never accepts (e.g. an empty
/// name or trailing spaces).
std::string quote_identifier(std::string_view name);

/// `schema`.`table`, or just `table` when schema is empty (the connection's current database).
std::string qualified_name(std::string_view schema, std::string_view table);

/// A string literal for text: '...' with the escapes the session understands. With backslash escapes
/// (the default sql_mode) \0 \n \r \\ \' \" and \Z (0x1A) are escaped, as mysql_real_escape_string does;
/// under NO_BACKSLASH_ESCAPES only the quote is doubled. UTF-8 needs nothing else: no byte of a
/// multi-byte UTF-8 sequence is below 0x80.
void append_string_literal(std::string& out, std::string_view text, bool backslash_escapes);
std::string string_literal(std::string_view text, bool backslash_escapes);

/// X'...' (lower-case hex): a binary literal that needs no escaping in any sql_mode.
void append_hex_literal(std::string& out, std::string_view bytes);

/// The first `count` keywords of a statement, upper-cased and space-separated, after leading white
/// space, comments (/* */, -- , #) and opening parentheses. "" for an empty statement.
std::string leading_keywords(std::string_view sql, int count = 3);

/// True when MySQL/MariaDB commit the open transaction before running this statement (DDL, account
/// management, LOCK TABLES, ...). CREATE/DROP TEMPORARY TABLE do not commit.
bool commits_implicitly(std::string_view sql);

/// True for statements that start or end a transaction themselves (BEGIN, START TRANSACTION, COMMIT,
/// ROLLBACK without TO, SET autocommit): execute_queries manages the transaction and refuses them.
bool controls_transaction(std::string_view sql);

/// True when the server's affected-rows count is meaningful: INSERT, UPDATE, DELETE, REPLACE, LOAD.
bool reports_affected_rows(std::string_view sql);

/// `sql` without trailing white space and semicolons.
std::string_view strip_statement(std::string_view sql);

/// `name` cut to at most `max_chars` characters (not bytes: MySQL's identifier limit is 64 characters)
/// without splitting a UTF-8 sequence.
std::string truncate_identifier(std::string_view name, size_t max_chars);

/// A short form of a statement for messages: the first line, at most ~80 characters.
std::string statement_excerpt(std::string_view sql);

}  // namespace mageio::mysql
