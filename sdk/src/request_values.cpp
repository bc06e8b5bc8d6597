// The enumerated values of requests: the MAGEIO_IF_EXISTS_* / MAGEIO_CONFLICT_* / MAGEIO_ALTER_* names
// of mageio_abi.h and their enums, in one table each so that writing and reading cannot disagree.
#include <mageio/mageio_abi.h>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/requests.hpp>

#include <algorithm>
#include <cctype>
#include <utility>

namespace mageio::sdk {
namespace {

template <typename Enum>
using ValueTable = std::initializer_list<std::pair<Enum, const char*>>;

constexpr ValueTable<IfExists> kIfExists = {
    {IfExists::Fail, MAGEIO_IF_EXISTS_FAIL},
    {IfExists::Replace, MAGEIO_IF_EXISTS_REPLACE},
    {IfExists::Append, MAGEIO_IF_EXISTS_APPEND},
};
constexpr ValueTable<ConflictMethod> kConflictMethods = {
    {ConflictMethod::Update, MAGEIO_CONFLICT_UPDATE},
    {ConflictMethod::Ignore, MAGEIO_CONFLICT_IGNORE},
};
constexpr ValueTable<AlterAction> kAlterActions = {
    {AlterAction::AddColumn, MAGEIO_ALTER_ADD_COLUMN},
    {AlterAction::DropColumn, MAGEIO_ALTER_DROP_COLUMN},
    {AlterAction::RenameColumn, MAGEIO_ALTER_RENAME_COLUMN},
    {AlterAction::AlterColumnType, MAGEIO_ALTER_ALTER_COLUMN_TYPE},
};

template <typename Enum>
const char* name_of(ValueTable<Enum> table, Enum value) {
  for (const auto& [entry, name] : table)
    if (entry == value) return name;
  return table.begin()->second;
}

// "a, b or c"
template <typename Enum>
std::string allowed(ValueTable<Enum> table) {
  std::string out;
  size_t index = 0;
  for (const auto& entry : table) {
    if (index > 0) out += index + 1 == table.size() ? " or " : ", ";
    out += entry.second;
    ++index;
  }
  return out;
}

template <typename Enum>
Enum value_of(ValueTable<Enum> table, std::string_view text, std::string_view key, bool any_case) {
  std::string wanted(text);
  if (any_case)
    std::transform(wanted.begin(), wanted.end(), wanted.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [entry, name] : table)
    if (wanted == name) return entry;
  throw invalid_argument("'" + std::string(key) + "' must be " + allowed(table) + (any_case ? " (any case)" : "") +
                         ", not '" + std::string(text) + "'");
}

}  // namespace

const char* to_string(IfExists value) { return name_of(kIfExists, value); }
const char* to_string(ConflictMethod value) { return name_of(kConflictMethods, value); }
const char* to_string(AlterAction value) { return name_of(kAlterActions, value); }

IfExists parse_if_exists(std::string_view value, std::string_view key) {
  return value_of(kIfExists, value, key, false);
}

ConflictMethod parse_conflict_method(std::string_view value, std::string_view key) {
  return value_of(kConflictMethods, value, key, true);
}

AlterAction parse_alter_action(std::string_view value, std::string_view key) {
  return value_of(kAlterActions, value, key, false);
}

}  // namespace mageio::sdk
