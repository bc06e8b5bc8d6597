#include <mageio/sdk/error.hpp>
#include <mageio/sdk/types.hpp>

#include <charconv>
#include <cstdio>

namespace mageio::sdk {
namespace {

struct SimpleType {
  TypeId id;
  const char* format;
  const char* name;
};

// Types whose format and name carry no parameters.
constexpr SimpleType kSimpleTypes[] = {
    {TypeId::Null, "n", "null"},       {TypeId::Bool, "b", "bool"},
    {TypeId::Int8, "c", "int8"},       {TypeId::Int16, "s", "int16"},
    {TypeId::Int32, "i", "int32"},     {TypeId::Int64, "l", "int64"},
    {TypeId::UInt8, "C", "uint8"},     {TypeId::UInt16, "S", "uint16"},
    {TypeId::UInt32, "I", "uint32"},   {TypeId::UInt64, "L", "uint64"},
    {TypeId::Float32, "f", "float32"}, {TypeId::Float64, "g", "float64"},
    {TypeId::Utf8, "u", "utf8"},       {TypeId::LargeUtf8, "U", "large_utf8"},
    {TypeId::Binary, "z", "binary"},   {TypeId::LargeBinary, "Z", "large_binary"},
    {TypeId::Date32, "tdD", "date32"}, {TypeId::Date64, "tdm", "date64"},
};

char unit_letter(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::Second: return 's';
    case TimeUnit::Milli: return 'm';
    case TimeUnit::Micro: return 'u';
    case TimeUnit::Nano: return 'n';
  }
  return 'u';
}

bool parse_unit(char letter, TimeUnit& unit) {
  switch (letter) {
    case 's': unit = TimeUnit::Second; return true;
    case 'm': unit = TimeUnit::Milli; return true;
    case 'u': unit = TimeUnit::Micro; return true;
    case 'n': unit = TimeUnit::Nano; return true;
    default: return false;
  }
}

const char* unit_name(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::Second: return "s";
    case TimeUnit::Milli: return "ms";
    case TimeUnit::Micro: return "us";
    case TimeUnit::Nano: return "ns";
  }
  return "us";
}

bool parse_int(std::string_view text, int32_t& out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// "P,S" (format strings) or "P, S" (names) into a decimal type; only 128-bit decimals are supported.
bool parse_precision_scale(std::string_view text, DataType& type) {
  auto comma = text.find(',');
  if (comma == std::string_view::npos) return false;
  std::string_view rest = text.substr(comma + 1);
  if (rest.find(',') != std::string_view::npos) {
    // A third part is the bit width; accept only 128.
    auto second = rest.find(',');
    int32_t bits = 0;
    if (!parse_int(rest.substr(second + 1), bits) || bits != 128) return false;
    rest = rest.substr(0, second);
  }
  if (!parse_int(text.substr(0, comma), type.precision) || !parse_int(rest, type.scale)) return false;
  return type.precision >= 1 && type.precision <= 38 && type.scale >= 0 && type.scale <= type.precision;
}

}  // namespace

std::string DataType::format() const {
  for (const auto& simple : kSimpleTypes)
    if (simple.id == id) return simple.format;
  switch (id) {
    case TypeId::Decimal128: return "d:" + std::to_string(precision) + "," + std::to_string(scale);
    case TypeId::Timestamp: return std::string("ts") + unit_letter(unit) + ":" + timezone;
    case TypeId::Time32: return std::string("tt") + unit_letter(unit);
    case TypeId::Time64: return std::string("tt") + unit_letter(unit);
    case TypeId::Duration: return std::string("tD") + unit_letter(unit);
    default: return "?";
  }
}

std::string DataType::name() const {
  for (const auto& simple : kSimpleTypes)
    if (simple.id == id) return simple.name;
  switch (id) {
    case TypeId::Decimal128: return "decimal128(" + std::to_string(precision) + ", " + std::to_string(scale) + ")";
    case TypeId::Timestamp:
      return std::string("timestamp[") + unit_name(unit) + (timezone.empty() ? "" : ", " + timezone) + "]";
    case TypeId::Time32: return std::string("time32[") + unit_name(unit) + "]";
    case TypeId::Time64: return std::string("time64[") + unit_name(unit) + "]";
    case TypeId::Duration: return std::string("duration[") + unit_name(unit) + "]";
    default: return "?";
  }
}

DataType DataType::from_format(std::string_view format) {
  for (const auto& simple : kSimpleTypes)
    if (format == simple.format) return DataType{.id = simple.id};
  DataType type;
  if (format.starts_with("d:") && parse_precision_scale(format.substr(2), type)) {
    type.id = TypeId::Decimal128;
    return type;
  }
  if (format.size() >= 4 && format.starts_with("ts") && format[3] == ':' && parse_unit(format[2], type.unit)) {
    type.id = TypeId::Timestamp;
    type.timezone = std::string(format.substr(4));
    return type;
  }
  if (format == "tts" || format == "ttm") {
    parse_unit(format[2], type.unit);
    type.id = TypeId::Time32;
    return type;
  }
  if (format == "ttu" || format == "ttn") {
    parse_unit(format[2], type.unit);
    type.id = TypeId::Time64;
    return type;
  }
  if (format.size() == 3 && format.starts_with("tD") && parse_unit(format[2], type.unit)) {
    type.id = TypeId::Duration;
    return type;
  }
  throw not_implemented("unsupported Arrow type format '" + std::string(format) + "'");
}

DataType DataType::from_name(std::string_view name) {
  for (const auto& simple : kSimpleTypes)
    if (name == simple.name && simple.id != TypeId::Date64) return DataType{.id = simple.id};
  DataType type;
  if (name.starts_with("decimal128(") && name.ends_with(")") &&
      parse_precision_scale(name.substr(11, name.size() - 12), type)) {
    type.id = TypeId::Decimal128;
    return type;
  }
  if (name == "timestamp[us]") return timestamp_us();
  if (name.starts_with("timestamp[us, ") && name.ends_with("]") && name.size() > 15)
    return timestamp_us(std::string(name.substr(14, name.size() - 15)));
  if (name == "time64[us]") return time64_us();
  if (name == "duration[us]") return duration_us();
  std::string accepted;
  for (const auto& known : all_type_names()) accepted += (accepted.empty() ? "" : ", ") + known;
  throw invalid_argument("unknown type '" + std::string(name) + "'; accepted types: " + accepted);
}

bool DataType::is_signed_integer() const {
  return id == TypeId::Int8 || id == TypeId::Int16 || id == TypeId::Int32 || id == TypeId::Int64;
}
bool DataType::is_unsigned_integer() const {
  return id == TypeId::UInt8 || id == TypeId::UInt16 || id == TypeId::UInt32 || id == TypeId::UInt64;
}
bool DataType::is_integer() const { return is_signed_integer() || is_unsigned_integer(); }
bool DataType::is_floating() const { return id == TypeId::Float32 || id == TypeId::Float64; }
bool DataType::is_string() const { return id == TypeId::Utf8 || id == TypeId::LargeUtf8; }
bool DataType::is_binary() const { return id == TypeId::Binary || id == TypeId::LargeBinary; }

DataType null_type() { return {.id = TypeId::Null}; }
DataType bool_type() { return {.id = TypeId::Bool}; }
DataType int8() { return {.id = TypeId::Int8}; }
DataType int16() { return {.id = TypeId::Int16}; }
DataType int32() { return {.id = TypeId::Int32}; }
DataType int64() { return {.id = TypeId::Int64}; }
DataType uint8() { return {.id = TypeId::UInt8}; }
DataType uint16() { return {.id = TypeId::UInt16}; }
DataType uint32() { return {.id = TypeId::UInt32}; }
DataType uint64() { return {.id = TypeId::UInt64}; }
DataType float32() { return {.id = TypeId::Float32}; }
DataType float64() { return {.id = TypeId::Float64}; }
DataType decimal128(int32_t precision, int32_t scale) {
  return {.id = TypeId::Decimal128, .precision = precision, .scale = scale};
}
DataType utf8() { return {.id = TypeId::Utf8}; }
DataType large_utf8() { return {.id = TypeId::LargeUtf8}; }
DataType binary() { return {.id = TypeId::Binary}; }
DataType large_binary() { return {.id = TypeId::LargeBinary}; }
DataType date32() { return {.id = TypeId::Date32}; }
DataType timestamp_us(std::string timezone) {
  return {.id = TypeId::Timestamp, .unit = TimeUnit::Micro, .timezone = std::move(timezone)};
}
DataType time64_us() { return {.id = TypeId::Time64, .unit = TimeUnit::Micro}; }
DataType duration_us() { return {.id = TypeId::Duration, .unit = TimeUnit::Micro}; }

const std::vector<std::string>& all_type_names() {
  static const std::vector<std::string> names = {"null",
                                                 "bool",
                                                 "int8",
                                                 "int16",
                                                 "int32",
                                                 "int64",
                                                 "uint8",
                                                 "uint16",
                                                 "uint32",
                                                 "uint64",
                                                 "float32",
                                                 "float64",
                                                 "decimal128(P, S)",
                                                 "utf8",
                                                 "large_utf8",
                                                 "binary",
                                                 "large_binary",
                                                 "date32",
                                                 "timestamp[us]",
                                                 "timestamp[us, UTC]",
                                                 "time64[us]",
                                                 "duration[us]"};
  return names;
}

int64_t byte_width(TypeId id) {
  switch (id) {
    case TypeId::Int8:
    case TypeId::UInt8: return 1;
    case TypeId::Int16:
    case TypeId::UInt16: return 2;
    case TypeId::Int32:
    case TypeId::UInt32:
    case TypeId::Float32:
    case TypeId::Date32:
    case TypeId::Time32: return 4;
    case TypeId::Int64:
    case TypeId::UInt64:
    case TypeId::Float64:
    case TypeId::Date64:
    case TypeId::Timestamp:
    case TypeId::Time64:
    case TypeId::Duration: return 8;
    case TypeId::Decimal128: return 16;
    case TypeId::Null:
    case TypeId::Bool:
    case TypeId::Utf8:
    case TypeId::LargeUtf8:
    case TypeId::Binary:
    case TypeId::LargeBinary: return 0;
  }
  return 0;
}

}  // namespace mageio::sdk
