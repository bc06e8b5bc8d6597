// A request's plugin-specific "options" object, read through typed getters. No JSON library in sight:
// plugins and out-of-tree authors build against std types only (the SDK keeps its parser in sdk/src).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mageio::sdk {

/// Typed getters that remember which keys were read, so finish() can reject the ones nobody asked for.
/// Getters are const (reading an option changes nothing but that record), so plugins read
/// request.options in place. Copies share the (immutable) values.
class Options {
 public:
  Options();
  /// From the text of a JSON object ("" or "{}" for none); throws Error(INVALID_ARGUMENT) otherwise.
  static Options from_json(std::string_view object_text);
  /// The JSON object text, "{}" when empty.
  std::string to_json() const;
  bool empty() const;

  std::optional<std::string> get_string(std::string_view key) const;
  /// An integer, or its decimal text (options given on a command line arrive as text).
  std::optional<int64_t> get_int(std::string_view key) const;
  /// true/false, or the text "true"/"false".
  std::optional<bool> get_bool(std::string_view key) const;
  /// An object whose values are all strings (e.g. per-column type overrides), in document order.
  std::optional<std::vector<std::pair<std::string, std::string>>> get_string_map(std::string_view key) const;
  /// Throws Error(INVALID_ARGUMENT) naming every key that was given but never read.
  void finish() const;

 private:
  struct Values;  // the parsed object (sdk/src/options.cpp)
  friend struct OptionsAccess;
  std::shared_ptr<const Values> values_;
  mutable std::vector<std::string> read_;  // the keys asked for, for finish()
};

}  // namespace mageio::sdk
