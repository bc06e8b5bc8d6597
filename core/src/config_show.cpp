// `mageio config show`: a profile as YAML, in the order of the file, secrets masked.
#include <mageio/core/io_config.hpp>

#include <mageio/sdk/error.hpp>

#include "secret_masking.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>

namespace mageio {
namespace {

using io_config_detail::flat_is_secret;
using io_config_detail::mask_json;
using io_config_detail::nested_is_secret;

// The YAML text of a value for `config show`: plain when that reads back as the same text, else quoted.
std::string yaml_scalar(const std::string& s) {
  if (s.empty()) return "''";
  bool control = false;
  for (unsigned char c : s)
    if (c < 0x20 && c != '\t') control = true;
  if (control) {
    std::string out = "\"";
    static const char* hex = "0123456789abcdef";
    for (unsigned char c : s) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        default:
          if (c < 0x20) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xf];
          } else {
            out += static_cast<char>(c);
          }
      }
    }
    return out + "\"";
  }
  constexpr std::string_view special_first = "-?:,[]{}#&*!|>'\"%@` \t";
  const bool plain = special_first.find(s.front()) == std::string_view::npos && s.back() != ' ' && s.back() != ':' &&
                     s.find(": ") == std::string::npos && s.find(" #") == std::string::npos &&
                     s.find('\t') == std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// A value as `config show` prints it.
std::string shown_value(const ConfigEntry& entry, bool secret) {
  if (!entry.unset_variable.empty()) return "~  # unset: environment variable " + entry.unset_variable + " is not set";
  if (secret) return "'****'";
  if (!entry.structured) return yaml_scalar(mask_connection_passwords(entry.value));
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(entry.value, ec);
  if (ec) return yaml_scalar(entry.value);
  mask_json(doc, nullptr);
  return yaml_scalar(boost::json::serialize(doc));
}

}  // namespace

std::string Profile::show(const std::vector<ConfigSchema>& schemas) const {
  // Flat keys and sections in the order of the file.
  struct Item {
    int line;
    std::string text;
  };
  std::vector<Item> items;
  for (const auto& [key, entry] : flat_)
    items.push_back({entry.line, "  " + key + ": " + shown_value(entry, flat_is_secret(key, schemas)) + "\n"});
  for (const auto& [section, section_entries] : sections_) {
    std::vector<std::pair<int, std::string>> lines;
    int first = 0;
    for (const auto& [key, entry] : section_entries) {
      lines.emplace_back(entry.line,
                         "    " + key + ": " + shown_value(entry, nested_is_secret(section, key, schemas)) + "\n");
      if (first == 0 || entry.line < first) first = entry.line;
    }
    std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string text = "  " + section + ":\n";
    for (const auto& line : lines) text += line.second;
    items.push_back({first, std::move(text)});
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.line < b.line; });
  std::string out = "profile: " + name_ + " (" + file_ + ")\n";
  for (const auto& item : items) out += item.text;
  return out;
}

}  // namespace mageio
