#include <mageio/sdk/sql_text.hpp>

#include <cctype>
#include <string>

namespace mageio::sdk {
namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// `sql` lowercased, with every quoted part (quotes included) replaced by spaces, same length.
std::string unquoted_lowercase(std::string_view sql, const SqlDialect& dialect) {
  std::string out;
  out.reserve(sql.size());
  char closing = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (closing != 0) {
      out.push_back(' ');
      if (dialect.backslash_escapes && c == '\\' && i + 1 < sql.size()) {
        out.push_back(' ');
        ++i;
      } else if (c == closing) {
        closing = 0;
      }
      continue;
    }
    if (dialect.quotes.find(c) != std::string_view::npos) {
      closing = c == '[' ? ']' : c;
      out.push_back(' ');
      continue;
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

bool mentions_sql_word(std::string_view sql, std::string_view word, const SqlDialect& dialect) {
  if (word.empty()) return false;
  std::string wanted(word);
  for (char& c : wanted) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string text = unquoted_lowercase(sql, dialect);
  for (size_t at = text.find(wanted); at != std::string::npos; at = text.find(wanted, at + 1)) {
    const size_t end = at + wanted.size();
    const bool starts = at == 0 || !word_char(text[at - 1]);
    const bool ends = end >= text.size() || !word_char(text[end]);
    if (starts && ends) return true;
  }
  return false;
}

}  // namespace mageio::sdk
