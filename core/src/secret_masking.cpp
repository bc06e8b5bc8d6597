// Secrets in io_config.yaml values and in messages: which keys are secret (a plugin declares them, or
// their name says PASSWORD, SECRET, TOKEN, KEY ...), the passwords inside connection strings and nested
// maps, and masking them wherever text is printed.
#include <mageio/core/io_config.hpp>

#include <mageio/sdk/error.hpp>

#include "io_config_text.hpp"
#include "secret_masking.hpp"

#include <mageio/sdk/secrets.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <set>

namespace mageio {
namespace {

using io_config_detail::is_space;
using io_config_detail::upper;

// ---------------------------------------------------------------------------------------------------
// Passwords inside connection strings

struct Range {
  size_t begin, end;
};

// Letters, digits, `_` and any byte of a multi-byte UTF-8 character: what a word (a name, a password's
// edge) is made of, for token boundaries.
bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || u == '_' || u >= 0x80;
}

// A keyword of a connection string whose value is a secret: password, sslpassword, AccountKey,
// SharedAccessKey, api_key ... and ODBC's PWD.
bool secret_keyword(std::string_view name) {
  const std::string word = upper(name);
  return looks_secret(name) || word == "PWD" || word == "PASS";
}

// `scheme://user:password@host...`: the password part of each URI's user info.
void uri_password_ranges(std::string_view text, std::vector<Range>& ranges) {
  for (size_t scheme_end = text.find("://"); scheme_end != std::string_view::npos;
       scheme_end = text.find("://", scheme_end + 3)) {
    const size_t start = scheme_end + 3;
    size_t end = start;
    while (end < text.size() && text[end] != '/' && text[end] != '?' && text[end] != '#' && !is_space(text[end]) &&
           text[end] != '"')
      ++end;
    const std::string_view authority = text.substr(start, end - start);
    const size_t last_at = authority.rfind('@');  // an unencoded `@` in a password belongs to the password
    if (last_at == std::string_view::npos) continue;
    const size_t colon = authority.find(':');
    if (colon == std::string_view::npos || colon > last_at || colon + 1 == last_at) continue;
    ranges.push_back({start + colon + 1, start + last_at});
  }
}

// `keyword=value` (libpq `password=x` or `password = 'a b'`, ADO `AccountKey=...;`, URI query
// `?password=x&...`): the value of each secret keyword.
void keyword_password_ranges(std::string_view text, std::vector<Range>& ranges) {
  for (size_t equals = text.find('='); equals != std::string_view::npos; equals = text.find('=', equals + 1)) {
    size_t name_end = equals;
    while (name_end > 0 && (text[name_end - 1] == ' ' || text[name_end - 1] == '\t')) --name_end;
    size_t name_begin = name_end;
    while (name_begin > 0 && (is_word_byte(text[name_begin - 1]) || text[name_begin - 1] == '-')) --name_begin;
    if (name_begin == name_end || !secret_keyword(text.substr(name_begin, name_end - name_begin))) continue;
    size_t value = equals + 1;
    while (value < text.size() && (text[value] == ' ' || text[value] == '\t')) ++value;
    size_t end = value;
    if (value < text.size() && (text[value] == '\'' || text[value] == '"')) {
      const char quote = text[value++];
      for (end = value; end < text.size() && text[end] != quote; ++end)
        if (text[end] == '\\') ++end;
      end = std::min(end, text.size());
    } else {
      while (end < text.size() && !is_space(text[end]) && text[end] != ';' && text[end] != '&' && text[end] != '"')
        ++end;
    }
    if (end > value) ranges.push_back({value, end});
    equals = std::max(equals, end == 0 ? 0 : end - 1);
  }
}

// The password parts of `text`, sorted, overlaps merged.
std::vector<Range> password_ranges(std::string_view text) {
  std::vector<Range> ranges;
  uri_password_ranges(text, ranges);
  keyword_password_ranges(text, ranges);
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  std::vector<Range> merged;
  for (const auto& range : ranges) {
    if (!merged.empty() && range.begin <= merged.back().end)
      merged.back().end = std::max(merged.back().end, range.end);
    else
      merged.push_back(range);
  }
  return merged;
}

}  // namespace

namespace io_config_detail {

bool flat_is_secret(const std::string& key, const std::vector<ConfigSchema>& schemas) {
  if (looks_secret(key)) return true;
  for (const auto& schema : schemas)
    for (const auto& declared : schema.keys)
      if (declared.secret && declared.name == key) return true;
  return false;
}

bool nested_is_secret(const std::string& section, const std::string& key, const std::vector<ConfigSchema>& schemas) {
  if (looks_secret(section) || looks_secret(key)) return true;
  for (const auto& schema : schemas) {
    if (schema.section != section) continue;
    for (const auto& declared : schema.keys)
      if (declared.secret && !declared.alias.empty() && declared.alias == key) return true;
  }
  return false;
}

// A list or map value (as JSON) with the values of secret keys and connection-string passwords masked;
// collects what it masked into `found` when given.
void mask_json(boost::json::value& value, std::vector<std::string>* found) {
  if (value.is_object()) {
    for (auto& [key, item] : value.get_object()) {
      if (secret_keyword(key) && !item.is_null() && !item.is_object() && !item.is_array()) {
        if (found) found->push_back(item.is_string() ? std::string(item.get_string()) : boost::json::serialize(item));
        item = "****";
      } else {
        mask_json(item, found);
      }
    }
  } else if (value.is_array()) {
    for (auto& item : value.get_array()) mask_json(item, found);
  } else if (value.is_string()) {
    const std::string text(value.get_string());
    if (found)
      for (auto& password : connection_passwords(text)) found->push_back(std::move(password));
    value = mask_connection_passwords(text);
  }
}

// The passwords inside a value (connection strings, secret keys of a nested map).
std::vector<std::string> embedded_passwords(const ConfigEntry& entry) {
  if (!entry.structured) return connection_passwords(entry.value);
  std::vector<std::string> found;
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(entry.value, ec);
  if (!ec) mask_json(doc, &found);
  return found;
}

}  // namespace io_config_detail

using io_config_detail::embedded_passwords;
using io_config_detail::flat_is_secret;
using io_config_detail::nested_is_secret;

std::vector<std::string> Profile::secret_values(const std::vector<ConfigSchema>& schemas) const {
  std::set<std::string> values;
  auto collect = [&](const ConfigEntry& entry, bool secret) {
    if (entry.value.empty() || !entry.unset_variable.empty()) return;
    if (secret) values.insert(entry.value);
    for (auto& password : embedded_passwords(entry)) values.insert(std::move(password));
  };
  // Whether a plugin among `schemas` reads the key (every key when there is no schema).
  auto read_flat = [&](const std::string& key) {
    if (schemas.empty()) return true;
    for (const auto& schema : schemas)
      for (const auto& declared : schema.keys)
        if (declared.name == key) return true;
    return false;
  };
  auto read_nested = [&](const std::string& section, const std::string& key) {
    if (schemas.empty()) return true;
    for (const auto& schema : schemas)
      if (schema.section == section)
        for (const auto& declared : schema.keys)
          if (!declared.alias.empty() && declared.alias == key) return true;
    return false;
  };
  for (const auto& [key, entry] : flat_)
    if (read_flat(key)) collect(entry, flat_is_secret(key, schemas));
  for (const auto& [section, section_entries] : sections_)
    for (const auto& [key, entry] : section_entries)
      if (read_nested(section, key)) collect(entry, nested_is_secret(section, key, schemas));
  return {values.begin(), values.end()};
}

bool looks_secret(std::string_view key) {
  // Words: split on non-alphanumerics, lower->Upper ("apiKey"), acronym ends ("APIKey") and digits.
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(upper(word));
    word.clear();
  };
  for (size_t i = 0; i < key.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    if (!std::isalnum(c)) {
      flush();
      continue;
    }
    if (!word.empty()) {
      const unsigned char prev = static_cast<unsigned char>(word.back());
      const bool next_lower = i + 1 < key.size() && std::islower(static_cast<unsigned char>(key[i + 1]));
      if ((std::islower(prev) && std::isupper(c)) || (std::isupper(prev) && std::isupper(c) && next_lower) ||
          (std::isdigit(prev) != 0) != (std::isdigit(c) != 0))
        flush();
    }
    word += static_cast<char>(c);
  }
  flush();
  static const std::set<std::string> secret_words = {"SECRET", "SECRETS", "TOKEN",  "TOKENS",   "KEY",
                                                     "KEYS",   "APIKEY",  "PASSWD", "PASSWORD", "PASSWORDS"};
  for (const auto& w : words) {
    if (secret_words.count(w) || w.find("PASSWORD") != std::string::npos || w.find("PASSWD") != std::string::npos)
      return true;
  }
  return false;
}

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets) {
  return sdk::mask_secrets(std::move(text), secrets);
}

std::string mask_connection_passwords(const std::string& text) {
  const auto ranges = password_ranges(text);
  if (ranges.empty()) return text;
  std::string out;
  size_t pos = 0;
  for (const auto& range : ranges) {
    out.append(text, pos, range.begin - pos);
    out += "****";
    pos = range.end;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

std::vector<std::string> connection_passwords(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& range : password_ranges(text)) out.push_back(text.substr(range.begin, range.end - range.begin));
  return out;
}

}  // namespace mageio
