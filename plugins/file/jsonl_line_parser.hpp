// Parsing one JSON Lines line into its top-level members with Boost.JSON's SAX parser (see jsonl_reader.hpp
// for why not its DOM): scalars keep their exact text, nested values become their JSON text.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::file {

enum class JsonKind : uint8_t { Null, Bool, Int, UInt, Double, String, Nested };

struct JsonValue {
  JsonKind kind = JsonKind::Null;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string text;  // the string; a number's text; a nested value's JSON
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

struct JsonRow {
  std::vector<JsonMember> members;  // the first `count` are this row's
  size_t count = 0;
};

/// The JSON text of a value, for messages.
std::string shown(const JsonValue& v);

/// "a boolean", "a number", "a string", "an object or array" or "null".
const char* kind_name(JsonKind k);

class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  /// Parses `line` into `row`; returns an error description, empty on success.
  std::string parse(std::string_view line, JsonRow& row);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mageio::file
