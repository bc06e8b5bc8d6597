#include "mysql_sql.hpp"

#include <array>
#include <cctype>

namespace mageio::mysql {

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '`';
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

std::string qualified_name(std::string_view schema, std::string_view table) {
  if (schema.empty()) return quote_identifier(table);
  return quote_identifier(schema) + "." + quote_identifier(table);
}

void append_string_literal(std::string& out, std::string_view text, bool backslash_escapes) {
  out += '\'';
  if (!backslash_escapes) {
    for (char c : text) {
      if (c == '\'') out += '\'';
      out += c;
    }
  } else {
    for (char c : text) {
      switch (c) {
        case '\0': out += "\\0"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\\': out += "\\\\"; break;
        case '\'': out += "\\'"; break;
        case '"': out += "\\\""; break;
        case '\032': out += "\\Z"; break;
        default: out += c;
      }
    }
  }
  out += '\'';
}

std::string string_literal(std::string_view text, bool backslash_escapes) {
  std::string out;
  append_string_literal(out, text, backslash_escapes);
  return out;
}

void append_hex_literal(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "X'";
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  out += '\'';
}

namespace {

// Skips white space, comments and opening parentheses from `i`.
size_t skip_noise(std::string_view sql, size_t i) {
  while (i < sql.size()) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == '(') {
      ++i;
    } else if (c == '#' || (sql.substr(i, 2) == "--" &&
                            (i + 2 == sql.size() || std::isspace(static_cast<unsigned char>(sql[i + 2]))))) {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      // /*! ... */ and /*M! ... */ are executable comments: their content is SQL, so read into them.
      if (i + 2 < sql.size() && (sql[i + 2] == '!' || sql[i + 2] == 'M')) {
        i += 3;
        if (i < sql.size() && sql[i - 1] == 'M' && sql[i] == '!') ++i;
        while (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i]))) ++i;
        continue;
      }
      size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  return i;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::string leading_keywords(std::string_view sql, int count) {
  std::string out;
  size_t i = 0;
  for (int k = 0; k < count; ++k) {
    i = skip_noise(sql, i);
    if (i >= sql.size() || !is_word_char(sql[i])) break;
    if (!out.empty()) out += ' ';
    while (i < sql.size() && is_word_char(sql[i]))
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
  }
  return out;
}

namespace {

bool starts_with_word(const std::string& keywords, std::string_view word) {
  return keywords.size() >= word.size() && keywords.compare(0, word.size(), word) == 0 &&
         (keywords.size() == word.size() || keywords[word.size()] == ' ');
}

}  // namespace

bool commits_implicitly(std::string_view sql) {
  const std::string words = leading_keywords(sql, 3);
  if (starts_with_word(words, "CREATE TEMPORARY") || starts_with_word(words, "DROP TEMPORARY")) return false;
  if (starts_with_word(words, "CREATE OR REPLACE TEMPORARY")) return false;
  // The statements the MySQL and MariaDB manuals list under "Statements That Cause an Implicit Commit".
  static constexpr std::array<std::string_view, 22> kCommitting = {
      "ALTER",    "CREATE", "DROP",  "RENAME",  "TRUNCATE",  "GRANT", "REVOKE", "LOCK",  "UNLOCK", "ANALYZE", "CHECK",
      "OPTIMIZE", "REPAIR", "FLUSH", "INSTALL", "UNINSTALL", "RESET", "CACHE",  "BEGIN", "START",  "STOP",    "CHANGE"};
  for (auto word : kCommitting)
    if (starts_with_word(words, word)) return true;
  if (starts_with_word(words, "LOAD INDEX") || starts_with_word(words, "SET PASSWORD")) return true;
  return false;
}

bool controls_transaction(std::string_view sql) {
  const std::string words = leading_keywords(sql, 3);
  if (starts_with_word(words, "BEGIN") || starts_with_word(words, "START TRANSACTION") ||
      starts_with_word(words, "COMMIT"))
    return true;
  if (starts_with_word(words, "ROLLBACK")) return !(words.find(" TO") != std::string::npos);
  if (starts_with_word(words, "SET AUTOCOMMIT") || starts_with_word(words, "SET SESSION AUTOCOMMIT")) return true;
  return false;
}

bool reports_affected_rows(std::string_view sql) {
  const std::string words = leading_keywords(sql, 1);
  return words == "INSERT" || words == "UPDATE" || words == "DELETE" || words == "REPLACE" || words == "LOAD";
}

std::string_view strip_statement(std::string_view sql) {
  while (!sql.empty() && (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';'))
    sql.remove_suffix(1);
  return sql;
}

std::string truncate_identifier(std::string_view name, size_t max_chars) {
  size_t chars = 0, i = 0;
  while (i < name.size() && chars < max_chars) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    size_t length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + length > name.size()) break;
    i += length;
    ++chars;
  }
  return std::string(name.substr(0, i));
}

std::string statement_excerpt(std::string_view sql) {
  size_t start = skip_noise(sql, 0);
  while (start > 0 && sql[start - 1] == '(') --start;
  std::string_view rest = sql.substr(start);
  size_t end = rest.find('\n');
  std::string out(rest.substr(0, end));
  if (out.size() > 80) {
    out = truncate_identifier(out, 77);
    out += "...";
  } else if (end != std::string_view::npos && strip_statement(rest).size() > end) {
    out += " ...";
  }
  return out;
}

}  // namespace mageio::mysql
