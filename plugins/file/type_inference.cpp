#include "type_inference.hpp"

#include "text_util.hpp"

#include <mageio/sdk/values.hpp>

#include <charconv>
#include <cmath>
#include <limits>

namespace mageio::file {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

/// -?(0|[1-9][0-9]*) : the integer syntax inference accepts.
bool integer_syntax(std::string_view t) {
  size_t i = 0;
  if (i < t.size() && t[i] == '-') ++i;
  if (i == t.size()) return false;
  if (t[i] == '0') return i + 1 == t.size();
  for (; i < t.size(); ++i) {
    if (!is_digit(t[i])) return false;
  }
  return true;
}

bool parse_uint64(std::string_view t, uint64_t& out) {
  if (t.empty() || !is_digit(t[0])) return false;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && ptr == t.data() + t.size();
}

bool int_in_range(sdk::TypeId id, int64_t v) {
  switch (id) {
    case sdk::TypeId::Int8: return v >= INT8_MIN && v <= INT8_MAX;
    case sdk::TypeId::Int16: return v >= INT16_MIN && v <= INT16_MAX;
    case sdk::TypeId::Int32: return v >= INT32_MIN && v <= INT32_MAX;
    default: return true;
  }
}

bool uint_in_range(sdk::TypeId id, uint64_t v) {
  switch (id) {
    case sdk::TypeId::UInt8: return v <= UINT8_MAX;
    case sdk::TypeId::UInt16: return v <= UINT16_MAX;
    case sdk::TypeId::UInt32: return v <= UINT32_MAX;
    default: return true;
  }
}

}  // namespace

bool looks_like_int(std::string_view text) { return integer_syntax(text) && sdk::parse_int64(text).has_value(); }

bool looks_like_number(std::string_view t) {
  // -?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][+-]?[0-9]+)? with at least one digit before the exponent.
  size_t i = 0;
  if (i < t.size() && t[i] == '-') ++i;
  size_t int_start = i;
  while (i < t.size() && is_digit(t[i])) ++i;
  size_t int_digits = i - int_start;
  if (int_digits > 1 && t[int_start] == '0') return false;  // leading zero
  size_t frac_digits = 0;
  bool has_point = false, has_exp = false;
  if (i < t.size() && t[i] == '.') {
    has_point = true;
    ++i;
    size_t s = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    frac_digits = i - s;
    if (frac_digits == 0) return false;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    has_exp = true;
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    size_t s = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i == s) return false;
  }
  if (i != t.size()) return false;
  // A plain integer too large for int64 is not silently rounded into a float64.
  if (!has_point && !has_exp) return sdk::parse_int64(t).has_value();
  auto d = sdk::parse_double(t);
  return d && std::isfinite(*d);
}

bool is_float_word(std::string_view t) {
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  return iequals(t, "nan") || iequals(t, "inf") || iequals(t, "infinity");
}

std::optional<double> float_word_value(std::string_view t) {
  if (!is_float_word(t)) return std::nullopt;
  bool negative = t[0] == '-';
  if (t[0] == '-' || t[0] == '+') t.remove_prefix(1);
  if (iequals(t, "nan")) return std::numeric_limits<double>::quiet_NaN();
  return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
}

bool looks_like_date(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!is_digit(t[i])) return false;
  }
  return sdk::parse_date(t).has_value();
}

bool looks_like_timestamp(std::string_view t, bool* has_offset) {
  if (t.size() < 16 || (t[10] != ' ' && t[10] != 'T')) return false;
  if (!looks_like_date(t.substr(0, 10))) return false;
  bool offset = false;
  if (!sdk::parse_timestamp(t, &offset)) return false;
  if (has_offset) *has_offset = offset;
  return true;
}

bool is_timestamp_sentinel(int64_t micros) {
  return micros == sdk::kTimestampInfinity || micros == sdk::kTimestampMinusInfinity;
}

bool looks_like_written_extreme_date(std::string_view t) {
  auto days = sdk::parse_date(t);
  return days && !looks_like_date(t) && sdk::format_date(*days) == t;
}

bool looks_like_written_extreme_timestamp(std::string_view t, bool* has_offset) {
  bool offset = false;
  auto micros = sdk::parse_timestamp(t, &offset);
  if (!micros || sdk::format_timestamp(*micros, offset) != t) return false;
  if (t.size() >= 10 && looks_like_date(t.substr(0, 10))) return false;  // an ordinary timestamp
  if (has_offset) *has_offset = offset;
  return true;
}

TextTypeGuesser::TextTypeGuesser(bool numbers_and_bools)
    : can_int_(numbers_and_bools), can_float_(numbers_and_bools), can_bool_(numbers_and_bools) {}

void TextTypeGuesser::observe(std::string_view t) {
  any_ = true;
  if (can_int_ && !looks_like_int(t)) can_int_ = false;
  if (can_float_) {
    if (looks_like_number(t)) {
      float_has_number_ = true;
    } else if (!is_float_word(t)) {
      can_float_ = false;
    }
  }
  if (can_bool_ && !iequals(t, "true") && !iequals(t, "false")) can_bool_ = false;
  if (can_date_) {
    if (looks_like_date(t)) {
      date_has_ordinary_ = true;
    } else if (!looks_like_written_extreme_date(t)) {
      can_date_ = false;
    }
  }
  if (can_ts_naive_ || can_ts_utc_) observe_timestamp(t);
}

void TextTypeGuesser::observe_timestamp(std::string_view t) {
  bool offset = false;
  if (looks_like_timestamp(t, &offset)) {
    ts_has_ordinary_ = true;
  } else if (!looks_like_written_extreme_timestamp(t, &offset)) {
    can_ts_naive_ = can_ts_utc_ = false;
    return;
  } else if (is_timestamp_sentinel(*sdk::parse_timestamp(t))) {
    return;  // infinity has no offset and fits both kinds of timestamp
  }
  if (offset) {
    can_ts_naive_ = false;
  } else {
    can_ts_utc_ = false;
  }
}

sdk::DataType TextTypeGuesser::result() const {
  if (!any_) return sdk::utf8();
  if (can_int_) return sdk::int64();
  if (can_float_ && float_has_number_) return sdk::float64();
  if (can_bool_) return sdk::bool_type();
  if (can_date_ && date_has_ordinary_) return sdk::date32();
  if (can_ts_naive_ && ts_has_ordinary_) return sdk::timestamp_us();
  if (can_ts_utc_ && ts_has_ordinary_) return sdk::timestamp_us("UTC");
  return sdk::utf8();
}

std::optional<std::string> decode_hex_binary(std::string_view t) {
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x' || (t.size() % 2) != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve((t.size() - 2) / 2);
  for (size_t i = 2; i < t.size(); i += 2) {
    int hi = nibble(t[i]), lo = nibble(t[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

Mismatch append_text(sdk::ColumnBuilder& column, std::string_view text, bool inferred) {
  const sdk::DataType& type = column.type();
  using sdk::TypeId;
  switch (type.id) {
    case TypeId::Bool: {
      if (text == "true" || text == "false") {  // the common spelling, without parse_bool's allocation
        column.append_bool(text[0] == 't');
        return Mismatch::None;
      }
      auto v = sdk::parse_bool(text);
      if (!v) return Mismatch::NotOfType;
      column.append_bool(*v);
      return Mismatch::None;
    }
    case TypeId::Int8:
    case TypeId::Int16:
    case TypeId::Int32:
    case TypeId::Int64: {
      std::optional<int64_t> v;
      int64_t fast = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), fast);
      if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
        v = fast;
      } else {
        v = sdk::parse_int64(text);  // also "+5" and surrounding spaces
      }
      if (!v) return integer_syntax(text) ? Mismatch::OutOfRange : Mismatch::NotOfType;
      if (!int_in_range(type.id, *v)) return Mismatch::OutOfRange;
      column.append_int(*v);
      return Mismatch::None;
    }
    case TypeId::UInt8:
    case TypeId::UInt16:
    case TypeId::UInt32:
    case TypeId::UInt64: {
      uint64_t v = 0;
      if (!parse_uint64(text, v)) return integer_syntax(text) ? Mismatch::OutOfRange : Mismatch::NotOfType;
      if (!uint_in_range(type.id, v)) return Mismatch::OutOfRange;
      column.append_uint(v);
      return Mismatch::None;
    }
    case TypeId::Float32:
    case TypeId::Float64: {
      std::optional<double> v;
      double fast = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), fast);
      if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
        v = fast;
      } else {
        v = sdk::parse_double(text);  // also "+5", surrounding spaces
        if (!v) v = float_word_value(text);
      }
      if (!v) return Mismatch::NotOfType;
      column.append_double(*v);
      return Mismatch::None;
    }
    case TypeId::Decimal128: {
      auto v = sdk::parse_decimal(text, type.precision, type.scale);
      if (!v) return Mismatch::NotOfType;
      column.append_decimal(*v);
      return Mismatch::None;
    }
    case TypeId::Utf8:
    case TypeId::LargeUtf8: column.append_string(text); return Mismatch::None;
    case TypeId::Binary:
    case TypeId::LargeBinary: {
      auto bytes = decode_hex_binary(text);
      column.append_string(bytes ? std::string_view(*bytes) : text);
      return Mismatch::None;
    }
    case TypeId::Date32:
    case TypeId::Date64: {
      auto v = sdk::parse_date(text);
      if (!v) return Mismatch::NotOfType;
      column.append_date32(*v);
      return Mismatch::None;
    }
    case TypeId::Timestamp: {
      bool offset = false;
      auto v = sdk::parse_timestamp(text, &offset);
      if (!v) return Mismatch::NotOfType;
      if (inferred && type.timezone.empty() && offset) return Mismatch::OffsetOnNaive;
      // infinity has no offset, yet belongs in a zoned column as much as in a naive one.
      if (inferred && !type.timezone.empty() && !offset && !is_timestamp_sentinel(*v)) return Mismatch::NoOffsetOnZoned;
      column.append_timestamp_us(*v);
      return Mismatch::None;
    }
    case TypeId::Time32:
    case TypeId::Time64: {
      auto v = sdk::parse_time(text);
      if (!v) return Mismatch::NotOfType;
      column.append_time_us(*v);
      return Mismatch::None;
    }
    case TypeId::Null: return Mismatch::NotOfType;
  }
  return Mismatch::NotOfType;
}

std::string suggest_type(const sdk::DataType& type, std::string_view text, Mismatch why) {
  if (type.is_integer() && why == Mismatch::NotOfType && (looks_like_number(text) || is_float_word(text))) {
    return "float64";
  }
  return "utf8";
}

std::string override_hint(const std::string& column, const std::string& type_name) {
  std::string out = "options.columns {";
  append_json_string(out, column);
  out += ": ";
  append_json_string(out, type_name);
  out += "} (CLI: --column-type " + column + "=" + type_name + ")";
  return out;
}

std::string value_error(const std::string& path, int64_t line, std::string_view what, const std::string& column,
                        const std::string& shown, const sdk::DataType& type, Mismatch why, int64_t sample_rows,
                        const std::string& suggestion) {
  const std::string name = type.name();
  std::string msg = path + ":" + std::to_string(line) + ": " + std::string(what) + " ";
  append_json_string(msg, column);
  msg += ": " + shown;
  switch (why) {
    case Mismatch::OutOfRange: msg += " is out of range for " + name; break;
    case Mismatch::OffsetOnNaive: msg += " has a UTC offset but the column is " + name; break;
    case Mismatch::NoOffsetOnZoned: msg += " has no UTC offset but the column is " + name; break;
    default: msg += std::string(" is not ") + article_for(name) + " " + name; break;
  }
  if (sample_rows < 0) {
    msg += " (type set by options.columns); fix the value or choose another type in options.columns";
  } else {
    msg += " (type inferred from the first " + std::to_string(sample_rows) + (sample_rows == 1 ? " row" : " rows") +
           "); override it with " + override_hint(column, suggestion);
  }
  return msg;
}

std::string float_text(double value) {
  std::string s = sdk::format_double(value);
  bool integral = !s.empty();
  for (char c : s) {
    if (!(is_digit(c) || c == '-')) {
      integral = false;
      break;
    }
  }
  if (integral) s += ".0";
  return s;
}

}  // namespace mageio::file
