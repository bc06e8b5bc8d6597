#include "mageio/sdk/json_cell.hpp"

#include "mageio/sdk/utf8.hpp"
#include "mageio/sdk/values.hpp"

#include <charconv>
#include <cmath>

namespace mageio::sdk {

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the pending run of bytes that need no escape, copied in one append
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

void append_json_float(std::string& out, double value, bool single) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return;
  }
  const std::string text = single ? format_float(static_cast<float>(value)) : format_double(value);
  out += text;
  // "3" would read back as an integer: only digits and a sign need the ".0".
  if (text.find_first_not_of("-0123456789") == std::string::npos) out += ".0";
}

size_t append_json_cell(std::string& out, const ColumnView& column, int64_t row) {
  const DataType& type = column.type();
  if (type.id == TypeId::Null || column.is_null(row)) {
    out += "null";
    return std::string_view::npos;
  }
  char number[32];
  switch (type.id) {
    case TypeId::Bool: out += column.get_bool(row) ? "true" : "false"; break;
    case TypeId::Int8:
    case TypeId::Int16:
    case TypeId::Int32:
    case TypeId::Int64:
    case TypeId::UInt8:
    case TypeId::UInt16:
    case TypeId::UInt32:
      out.append(number, std::to_chars(number, number + sizeof number, column.get_int(row)).ptr);
      break;
    case TypeId::UInt64:
      out.append(number, std::to_chars(number, number + sizeof number, column.get_uint(row)).ptr);
      break;
    case TypeId::Float32:
    case TypeId::Float64: append_json_float(out, column.get_double(row), type.id == TypeId::Float32); break;
    case TypeId::Utf8:
    case TypeId::LargeUtf8: {
      const std::string_view text = column.get_string(row);
      if (size_t bad = invalid_utf8_offset(text); bad != std::string_view::npos) return bad;
      append_json_string(out, text);
      break;
    }
    default: append_json_string(out, column.to_text(row)); break;
  }
  return std::string_view::npos;
}

}  // namespace mageio::sdk
