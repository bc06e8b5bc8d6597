// The checks every export makes on its input's columns before it changes anything: there are columns,
// each has a name, no two share one (as the backend compares names), and the unique-constraint keys of
// an upsert are columns of the input, each named once. One function, so every plugin refuses the same
// inputs with the same words.
#pragma once

#include <mageio/sdk/types.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::sdk {

/// How a backend compares column names.
struct ColumnNaming {
  /// True when two names are the same column; exact by default. A backend whose names ignore case
  /// passes its own comparison (SQLite, MySQL).
  std::function<bool(std::string_view, std::string_view)> same = [](std::string_view a, std::string_view b) {
    return a == b;
  };
  /// Said in parentheses after a clash of names that differ in spelling ("MySQL column names ignore case").
  std::string clash_note;
  /// Whether a column may have the empty name (a CSV header may).
  bool empty_allowed = false;
};

/// ASCII case-insensitive equality, for ColumnNaming::same.
bool same_ignoring_ascii_case(std::string_view a, std::string_view b);

/// Throws Error(INVALID_ARGUMENT) "cannot export to <destination>: ..." when the input has no columns,
/// a column without a name (unless allowed), two columns of the same name, or a key in `unique_keys`
/// that is not a column of the input or is named twice. Returns the keys as the input spells them.
std::vector<std::string> check_export_input(const Schema& input, const std::vector<std::string>& unique_keys,
                                            const std::string& destination, const ColumnNaming& naming = {});

}  // namespace mageio::sdk
