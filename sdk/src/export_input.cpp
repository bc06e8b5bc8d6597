#include "mageio/sdk/export_input.hpp"

#include "mageio/sdk/error.hpp"

namespace mageio::sdk {

bool same_ignoring_ascii_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::vector<std::string> check_export_input(const Schema& input, const std::vector<std::string>& unique_keys,
                                            const std::string& destination, const ColumnNaming& naming) {
  const auto fail = [&](const std::string& why) {
    return invalid_argument("cannot export to " + destination + ": " + why);
  };
  if (input.empty()) throw fail("the input has no columns");
  for (size_t i = 0; i < input.size(); ++i) {
    const std::string& name = input[i].name;
    if (name.empty() && !naming.empty_allowed) throw fail("input column " + std::to_string(i + 1) + " has no name");
    // Quadratic, but inputs have tens of columns and this runs once per export.
    for (size_t j = 0; j < i; ++j) {
      if (!naming.same(input[j].name, name)) continue;
      if (input[j].name == name) throw fail("the input has two columns named \"" + name + "\"");
      throw fail("the input has two columns named \"" + input[j].name + "\" and \"" + name + "\"" +
                 (naming.clash_note.empty() ? "" : " (" + naming.clash_note + ")"));
    }
  }
  std::vector<std::string> keys;
  for (const auto& key : unique_keys) {
    const Field* match = nullptr;
    for (const auto& field : input)
      if (naming.same(field.name, key)) match = &field;
    if (match == nullptr) throw fail("unique constraint column \"" + key + "\" is not a column of the input");
    for (const auto& seen : keys)
      if (naming.same(seen, match->name)) throw fail("unique constraint column \"" + key + "\" is given twice");
    keys.push_back(match->name);
  }
  return keys;
}

}  // namespace mageio::sdk
