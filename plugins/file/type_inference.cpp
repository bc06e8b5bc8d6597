// Over 500 lines on purpose: inference (the guessers) and conversion (appending text to a column) are
// two sides of one set of rules -- what a value may look like for each type -- and are kept side by side
// so that they cannot drift apart.
#include "type_inference.hpp"

#include "text_util.hpp"

#include <mageio/sdk/values.hpp>

#include <algorithm>
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

NumberSyntax number_syntax(std::string_view t) {
  // -?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][+-]?[0-9]+)? with at least one digit before the exponent.
  NumberSyntax out;
  size_t i = 0;
  if (i < t.size() && t[i] == '-') {
    out.negative = true;
    ++i;
  }
  const size_t int_start = i;
  while (i < t.size() && is_digit(t[i])) ++i;
  const size_t int_digits = i - int_start;
  if (int_digits > 1 && t[int_start] == '0') return out;  // leading zero: "007" is not a number
  bool has_point = false;
  size_t frac_digits = 0;
  if (i < t.size() && t[i] == '.') {
    has_point = true;
    const size_t s = ++i;
    while (i < t.size() && is_digit(t[i])) ++i;
    frac_digits = i - s;
    if (frac_digits == 0) return out;
  }
  if (int_digits == 0 && frac_digits == 0) return out;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    out.exponent = true;
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    const size_t s = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i == s) return out;
  }
  if (i != t.size()) return out;
  out.valid = true;
  out.integer = !has_point && !out.exponent;
  out.integer_digits = (int_digits == 1 && t[int_start] == '0') ? 0 : static_cast<int32_t>(int_digits);
  out.fraction_digits = static_cast<int32_t>(frac_digits);
  return out;
}

namespace {

/// A decimal number as sign, significant digits (no leading or trailing zeros) and the power of ten of
/// the first digit: value = 0.<digits> x 10^exponent. nullopt for text that is not a number.
struct NormalDecimal {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;
  bool operator==(const NormalDecimal&) const = default;
};

std::optional<NormalDecimal> normalize_decimal(std::string_view t) {
  NormalDecimal out;
  size_t i = 0;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) out.negative = t[i++] == '-';
  int64_t point_shift = 0;  // digits before the point
  bool seen_point = false;
  for (; i < t.size() && (is_digit(t[i]) || t[i] == '.'); ++i) {
    if (t[i] == '.') {
      seen_point = true;
      continue;
    }
    if (out.digits.empty() && t[i] == '0') {
      if (seen_point) --point_shift;  // a leading zero after the point moves the first digit right
      continue;
    }
    out.digits.push_back(t[i]);
    if (!seen_point) ++point_shift;
  }
  int64_t exp10 = 0;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && t[i] == '+') ++i;
    auto [end, ec] = std::from_chars(t.data() + i, t.data() + t.size(), exp10);
    if (ec != std::errc()) return std::nullopt;
    i = static_cast<size_t>(end - t.data());
  }
  if (i != t.size()) return std::nullopt;
  while (!out.digits.empty() && out.digits.back() == '0') out.digits.pop_back();
  out.exponent = out.digits.empty() ? 0 : point_shift + exp10;
  return out;
}

/// True when the double nearest to the decimal `t` (valid number syntax) reads back as the same decimal
/// number, i.e. float64 carries it without rounding what the text says.
bool float64_holds(std::string_view t, const NumberSyntax& syntax) {
  double value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(value)) return false;
  // Up to 15 significant digits always survive a normal double (DBL_DIG); only longer ones are compared.
  if (syntax.integer_digits + syntax.fraction_digits <= std::numeric_limits<double>::digits10 &&
      (value == 0 || std::isnormal(value))) {
    return true;
  }
  // Held when the text is the double's shortest round-trip form ("0.1") or its exact value (a large
  // integral double written out in full, "18014398509481984"), whatever the notation.
  const auto given = normalize_decimal(t);
  char buffer[1100];  // the exact expansion of a double has at most 767 significant digits
  auto shortest = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  if (given == normalize_decimal(std::string_view(buffer, shortest.ptr - buffer))) return true;
  auto exact = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific, 800);
  return exact.ec == std::errc() && given == normalize_decimal(std::string_view(buffer, exact.ptr - buffer));
}

bool is_timestamp_sentinel(int64_t micros) {
  return micros == sdk::kTimestampInfinity || micros == sdk::kTimestampMinusInfinity;
}

Mismatch check_number(const sdk::DataType& type, std::string_view text) {
  using sdk::TypeId;
  const NumberSyntax syntax = number_syntax(text);
  if (type.is_integer()) {
    if (!syntax.integer) return Mismatch::NotOfType;
    if (type.is_signed_integer()) {
      auto v = sdk::parse_int64(text);
      return v && int_in_range(type.id, *v) ? Mismatch::None : Mismatch::OutOfRange;
    }
    if (syntax.negative) return Mismatch::OutOfRange;
    uint64_t v = 0;
    return parse_uint64(text, v) && uint_in_range(type.id, v) ? Mismatch::None : Mismatch::OutOfRange;
  }
  if (type.is_floating()) {
    if (!syntax.valid) return is_float_word(text) ? Mismatch::None : Mismatch::NotOfType;
    return float64_holds(text, syntax) ? Mismatch::None : Mismatch::Inexact;
  }
  // decimal128(p, s): plain notation, at most s fraction digits and p - s integer digits.
  if (!syntax.valid || syntax.exponent) return Mismatch::NotOfType;
  if (syntax.fraction_digits > type.scale || syntax.integer_digits > type.precision - type.scale) {
    return Mismatch::OutOfRange;
  }
  return Mismatch::None;
}

}  // namespace

Mismatch check_canonical(const sdk::DataType& type, std::string_view text) {
  using sdk::TypeId;
  switch (type.id) {
    case TypeId::Int8:
    case TypeId::Int16:
    case TypeId::Int32:
    case TypeId::Int64:
    case TypeId::UInt8:
    case TypeId::UInt16:
    case TypeId::UInt32:
    case TypeId::UInt64:
    case TypeId::Float32:
    case TypeId::Float64:
    case TypeId::Decimal128: return check_number(type, text);
    case TypeId::Bool: return iequals(text, "true") || iequals(text, "false") ? Mismatch::None : Mismatch::NotOfType;
    case TypeId::Date32:
    case TypeId::Date64:
      return looks_like_date(text) || looks_like_written_extreme_date(text) ? Mismatch::None : Mismatch::NotOfType;
    case TypeId::Timestamp: {
      bool offset = false;
      if (!looks_like_timestamp(text, &offset) && !looks_like_written_extreme_timestamp(text, &offset))
        return Mismatch::NotOfType;
      // infinity has no offset, yet belongs in a zoned column as much as in a naive one.
      if (is_timestamp_sentinel(*sdk::parse_timestamp(text))) return Mismatch::None;
      if (type.timezone.empty() && offset) return Mismatch::OffsetOnNaive;
      if (!type.timezone.empty() && !offset) return Mismatch::NoOffsetOnZoned;
      return Mismatch::None;
    }
    default: return Mismatch::None;  // text, binary, time: inference never produces them from values
  }
}

bool looks_like_int(std::string_view text) { return check_canonical(sdk::int64(), text) == Mismatch::None; }

bool looks_like_number(std::string_view t) {
  return number_syntax(t).valid && check_canonical(sdk::float64(), t) == Mismatch::None;
}

void NumberGuesser::observe(std::string_view t) {
  if (is_float_word(t)) {
    can_int64_ = can_uint64_ = can_decimal_ = false;
    return;
  }
  const NumberSyntax syntax = number_syntax(t);
  if (!syntax.valid) {
    can_int64_ = can_uint64_ = can_float64_ = can_decimal_ = false;
    return;
  }
  any_number_ = true;
  if (can_int64_) can_int64_ = check_canonical(sdk::int64(), t) == Mismatch::None;
  if (can_uint64_) can_uint64_ = check_canonical(sdk::uint64(), t) == Mismatch::None;
  if (can_float64_) can_float64_ = check_canonical(sdk::float64(), t) == Mismatch::None;
  if (can_decimal_) {
    can_decimal_ = !syntax.exponent;
    integer_digits_ = std::max(integer_digits_, syntax.integer_digits);
    scale_ = std::max(scale_, syntax.fraction_digits);
  }
}

std::optional<sdk::DataType> NumberGuesser::result() const {
  if (!any_number_) return std::nullopt;
  if (can_int64_) return sdk::int64();
  if (can_uint64_) return sdk::uint64();
  if (can_float64_) return sdk::float64();
  if (can_decimal_ && integer_digits_ + scale_ <= kMaxDecimalDigits) {
    // Every sampled value passes check_canonical for this type by construction (plain notation, within
    // the digits counted); the integer part keeps all the room the precision leaves.
    return sdk::decimal128(kMaxDecimalDigits, scale_);
  }
  return std::nullopt;
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
    : can_number_(numbers_and_bools), can_bool_(numbers_and_bools) {}

void TextTypeGuesser::observe(std::string_view t) {
  any_ = true;
  if (can_number_) numbers_.observe(t);
  if (can_bool_ && check_canonical(sdk::bool_type(), t) != Mismatch::None) can_bool_ = false;
  if (can_date_) {
    if (check_canonical(sdk::date32(), t) != Mismatch::None) {
      can_date_ = false;
    } else if (looks_like_date(t)) {
      date_has_ordinary_ = true;
    }
  }
  if (can_ts_naive_ || can_ts_utc_) observe_timestamp(t);
}

void TextTypeGuesser::observe_timestamp(std::string_view t) {
  if (can_ts_naive_ && check_canonical(sdk::timestamp_us(), t) != Mismatch::None) can_ts_naive_ = false;
  if (can_ts_utc_ && check_canonical(sdk::timestamp_us("UTC"), t) != Mismatch::None) can_ts_utc_ = false;
  if (looks_like_timestamp(t, nullptr)) ts_has_ordinary_ = true;
}

sdk::DataType TextTypeGuesser::result() const {
  if (!any_) return sdk::utf8();
  if (can_number_) {
    if (auto number = numbers_.result()) return *number;
  }
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
  // An inferred type takes exactly the spellings inference accepted (one definition: check_canonical),
  // so that a later "007", "+8" or " 9 " is an error rather than quietly becoming 7, 8 or 9.0.
  if (inferred) {
    if (Mismatch why = check_canonical(type, text); why != Mismatch::None) return why;
  }
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
    case TypeId::Null:
    case TypeId::Duration: return Mismatch::NotOfType;
  }
  return Mismatch::NotOfType;
}

std::string suggest_type(const sdk::DataType& type, std::string_view text, Mismatch why) {
  if (type.is_integer() && why == Mismatch::NotOfType && (looks_like_number(text) || is_float_word(text))) {
    return "float64";
  }
  // A number float64 cannot hold exactly fits a decimal wide enough for its digits.
  const NumberSyntax syntax = number_syntax(text);
  if ((type.is_integer() || type.is_floating() || type.id == sdk::TypeId::Decimal128) && syntax.valid &&
      !syntax.exponent && syntax.integer_digits + syntax.fraction_digits <= kMaxDecimalDigits &&
      (why == Mismatch::Inexact || why == Mismatch::OutOfRange)) {
    const int32_t scale = std::max(syntax.fraction_digits, type.id == sdk::TypeId::Decimal128 ? type.scale : 0);
    if (std::max(syntax.integer_digits, type.precision - type.scale) + scale <= kMaxDecimalDigits) {
      return sdk::decimal128(kMaxDecimalDigits, scale).name();
    }
  }
  return "utf8";
}

std::string override_hint(const std::string& column, const std::string& type_name) {
  std::string out = "options.columns {";
  sdk::append_json_string(out, column);
  out += ": ";
  sdk::append_json_string(out, type_name);
  out += "} (CLI: --column-type " + column + "=" + type_name + ")";
  return out;
}

std::string value_error(const std::string& path, int64_t line, std::string_view what, const std::string& column,
                        const std::string& shown, const sdk::DataType& type, Mismatch why, int64_t sample_rows,
                        const std::string& suggestion) {
  const std::string name = type.name();
  std::string msg = path + ":" + std::to_string(line) + ": " + std::string(what) + " ";
  sdk::append_json_string(msg, column);
  msg += ": " + shown;
  switch (why) {
    case Mismatch::OutOfRange: msg += " is out of range for " + name; break;
    case Mismatch::Inexact: msg += " cannot be held exactly by " + std::string(article_for(name)) + " " + name; break;
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
