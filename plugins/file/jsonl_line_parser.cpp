#include "jsonl_line_parser.hpp"

#include "text_util.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <charconv>
#include <cstdio>
#include <cstring>

namespace mageio::file {

namespace json = boost::json;

namespace {

struct RowHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  JsonRow* row = nullptr;
  JsonMember* current = nullptr;
  int depth = 0;            // 0 outside the line's object, 1 inside it, 2+ inside a nested value
  std::string part;         // a key, string or number being assembled from parts
  std::string nested;       // the JSON text of the nested value being read
  std::vector<bool> comma;  // per nested container: an element was written
  bool after_key = false;
  std::string error;
  JsonValue ignored;

  void start(JsonRow* r) {
    row = r;
    row->count = 0;
    current = nullptr;
    depth = 0;
    part.clear();
    comma.clear();
    after_key = false;
    error.clear();
  }

  bool fail(json::error_code& ec, std::string message) {
    error = std::move(message);
    ec = json::error::syntax;
    return false;
  }

  /// Before a value inside a nested container: the separating comma.
  void separate() {
    if (after_key) {
      after_key = false;
    } else {
      if (comma.back()) nested.push_back(',');
      comma.back() = true;
    }
  }

  bool top_level_not_object(json::error_code& ec, const char* what) {
    return fail(ec, std::string("expected a JSON object, found ") + what);
  }

  bool begin_container(char open, json::error_code& ec) {
    if (depth == 0) {
      if (open == '[') return top_level_not_object(ec, "an array");
      depth = 1;
      return true;
    }
    if (depth == 1) {
      nested.clear();
      comma.clear();
      after_key = false;
    } else {
      separate();
    }
    nested.push_back(open);
    comma.push_back(false);
    ++depth;
    return true;
  }

  bool end_container(char close) {
    if (depth == 1) {
      depth = 0;
      return true;
    }
    nested.push_back(close);
    comma.pop_back();
    if (--depth == 1) {
      current->value.kind = JsonKind::Nested;
      current->value.text = nested;
    }
    return true;
  }

  /// A scalar whose JSON text is `literal` (strings: their content).
  JsonValue* scalar(json::error_code& ec, JsonKind kind, std::string_view literal) {
    if (depth == 0) {
      fail(ec, std::string("expected a JSON object, found ") + kind_name(kind));
      return nullptr;
    }
    if (depth == 1) {
      current->value.kind = kind;
      current->value.text.assign(literal);
      return &current->value;
    }
    separate();
    if (kind == JsonKind::String) {
      sdk::append_json_string(nested, literal);
    } else {
      nested.append(literal);
    }
    return &ignored;  // values inside nested containers only feed `nested`
  }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code& ec) { return begin_container('{', ec); }
  bool on_object_end(std::size_t, json::error_code&) { return end_container('}'); }
  bool on_array_begin(json::error_code& ec) { return begin_container('[', ec); }
  bool on_array_end(std::size_t, json::error_code&) { return end_container(']'); }

  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    part.append(s.data(), s.size());
    if (depth == 1) {
      // Column names cross the C ABI as C strings (ArrowSchema.name): a NUL would cut the name short.
      if (part.find('\0') != std::string::npos) {
        return fail(ec, "key " + quote_for_message(part, 200) +
                            " contains a NUL character (\\u0000), which a column name cannot hold");
      }
      if (row->count == row->members.size()) row->members.emplace_back();
      current = &row->members[row->count++];
      current->key = part;
      current->value.kind = JsonKind::Null;
      current->value.text.clear();
    } else {
      if (comma.back()) nested.push_back(',');
      comma.back() = true;
      sdk::append_json_string(nested, part);
      nested.push_back(':');
      after_key = true;
    }
    part.clear();
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    part.append(s.data(), s.size());
    bool ok = scalar(ec, JsonKind::String, part) != nullptr;
    part.clear();
    return ok;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, json::string_view s, json::error_code& ec) {
    part.append(s.data(), s.size());
    JsonValue* v = scalar(ec, JsonKind::Int, part);
    part.clear();
    if (!v) return false;
    v->i = i;
    return true;
  }
  bool on_uint64(uint64_t u, json::string_view s, json::error_code& ec) {
    part.append(s.data(), s.size());
    JsonValue* v = scalar(ec, JsonKind::UInt, part);
    part.clear();
    if (!v) return false;
    v->u = u;
    return true;
  }
  bool on_double(double, json::string_view s, json::error_code& ec) {
    part.append(s.data(), s.size());
    double exact = 0;
    auto [ptr, err] = std::from_chars(part.data(), part.data() + part.size(), exact);
    if (err != std::errc() || ptr != part.data() + part.size() || !std::isfinite(exact)) {
      return fail(ec, "the number " + part + " is out of range for a float64");
    }
    JsonValue* v = scalar(ec, JsonKind::Double, part);
    part.clear();
    if (!v) return false;
    v->d = exact;
    return true;
  }
  bool on_bool(bool b, json::error_code& ec) {
    JsonValue* v = scalar(ec, JsonKind::Bool, b ? "true" : "false");
    if (!v) return false;
    v->b = b;
    return true;
  }
  bool on_null(json::error_code& ec) { return scalar(ec, JsonKind::Null, "null") != nullptr; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

std::string shown(const JsonValue& v) {
  switch (v.kind) {
    case JsonKind::Null: return "null";
    case JsonKind::Bool: return v.b ? "true" : "false";
    case JsonKind::String: return quote_for_message(v.text);
    case JsonKind::Nested:
      return v.text.size() > 40 ? v.text.substr(0, 40) + "..." : v.text;  // JSON text: ASCII structure
    default: return v.text;
  }
}

const char* kind_name(JsonKind k) {
  switch (k) {
    case JsonKind::Bool: return "a boolean";
    case JsonKind::Int:
    case JsonKind::UInt:
    case JsonKind::Double: return "a number";
    case JsonKind::String: return "a string";
    case JsonKind::Nested: return "an object or array";
    default: return "null";
  }
}

struct LineParser::Impl {
  json::basic_parser<RowHandler> parser{json::parse_options{}};
};

LineParser::LineParser() : impl_(std::make_unique<Impl>()) {}
LineParser::~LineParser() = default;

std::string LineParser::parse(std::string_view line, JsonRow& row) {
  auto& parser_ = impl_->parser;
  if (size_t bad = sdk::invalid_utf8_offset(line); bad != std::string_view::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(line[bad]));
    return std::string("invalid UTF-8 (byte ") + byte + " at offset " + std::to_string(bad) + " of the line)";
  }
  parser_.reset();
  parser_.handler().start(&row);
  json::error_code ec;
  size_t n = parser_.write_some(false, line.data(), line.size(), ec);
  if (!parser_.handler().error.empty()) return parser_.handler().error;
  if (ec) return "invalid JSON at byte " + std::to_string(n + 1) + ": " + ec.message();
  if (n != line.size()) return "unexpected text after the JSON object at byte " + std::to_string(n + 1);
  return {};
}

}  // namespace mageio::file
