#include "pg_sql.hpp"

#include <mageio/sdk/error.hpp>

namespace mageio::postgres {

std::string quote_identifier(std::string_view name, std::string_view what) {
  if (name.empty()) throw sdk::invalid_argument("an empty " + std::string(what) + " name is not allowed");
  if (name.find('\0') != std::string_view::npos)
    throw sdk::invalid_argument(std::string(what) + " name contains a NUL byte");
  if (name.size() > kMaxIdentifierBytes)
    throw sdk::invalid_argument(std::string(what) + " name \"" + std::string(name) + "\" is " +
                                std::to_string(name.size()) + " bytes long; PostgreSQL keeps only " +
                                std::to_string(kMaxIdentifierBytes) + " and would silently truncate it");
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string qualified_name(std::string_view schema, std::string_view table) {
  return quote_identifier(schema, "schema") + "." + quote_identifier(table, "table");
}

std::string identifier_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += quote_identifier(name, "column");
  }
  return out;
}

std::string strip_query(std::string_view query) {
  size_t end = query.size();
  while (end > 0) {
    char c = query[end - 1];
    if (c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
      --end;
    else
      break;
  }
  size_t begin = 0;
  while (begin < end && (query[begin] == ' ' || query[begin] == '\t' || query[begin] == '\n' || query[begin] == '\r'))
    ++begin;
  return std::string(query.substr(begin, end - begin));
}

std::string excerpt(std::string_view sql, size_t max_chars) {
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= max_chars) {
      // Do not cut a UTF-8 sequence in half.
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
      if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80)) out.pop_back();
      return out + "...";
    }
  }
  return out;
}

}  // namespace mageio::postgres
