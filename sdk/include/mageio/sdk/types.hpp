// Column types: the subset of Arrow that mageio moves, with its two spellings -- the Arrow C Data
// Interface format string ("tsu:UTC") and the logical name people type ("timestamp[us, UTC]").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::sdk {

enum class TypeId {
  Null,
  Bool,
  Int8,
  Int16,
  Int32,
  Int64,
  UInt8,
  UInt16,
  UInt32,
  UInt64,
  Float32,
  Float64,
  Decimal128,
  Utf8,
  LargeUtf8,
  Binary,
  LargeBinary,
  Date32,
  Date64,     // read only: builders write Date32
  Timestamp,  // any unit; builders write microseconds
  Time32,     // read only: builders write Time64[us]
  Time64,
  Duration,  // any unit; builders write microseconds (a signed length of time, e.g. MySQL's TIME)
};

enum class TimeUnit { Second, Milli, Micro, Nano };

struct DataType {
  TypeId id = TypeId::Null;
  int32_t precision = 0;            // Decimal128
  int32_t scale = 0;                // Decimal128
  TimeUnit unit = TimeUnit::Micro;  // Timestamp, Time32, Time64, Duration
  std::string timezone;             // Timestamp; empty = no time zone

  /// The Arrow C Data Interface format string.
  std::string format() const;
  /// The logical name: "int64", "decimal128(12, 2)", "timestamp[us, UTC]" ...
  std::string name() const;

  /// Parses an Arrow format string; throws Error(NOT_IMPLEMENTED) naming it when it is not supported.
  static DataType from_format(std::string_view format);
  /// Parses a logical name (as listed in mageio_abi.h); throws Error(INVALID_ARGUMENT) listing the
  /// accepted names when it is not one.
  static DataType from_name(std::string_view name);

  bool is_integer() const;
  bool is_signed_integer() const;
  bool is_unsigned_integer() const;
  bool is_floating() const;
  bool is_string() const;  // Utf8, LargeUtf8
  bool is_binary() const;  // Binary, LargeBinary

  friend bool operator==(const DataType&, const DataType&) = default;
};

// Shorthands for the canonical types builders produce.
DataType null_type();
DataType bool_type();
DataType int8();
DataType int16();
DataType int32();
DataType int64();
DataType uint8();
DataType uint16();
DataType uint32();
DataType uint64();
DataType float32();
DataType float64();
DataType decimal128(int32_t precision, int32_t scale);
DataType utf8();
DataType large_utf8();
DataType binary();
DataType large_binary();
DataType date32();
DataType timestamp_us(std::string timezone = {});
DataType time64_us();
DataType duration_us();

struct Field {
  std::string name;
  DataType type;
  bool nullable = true;
};

using Schema = std::vector<Field>;

/// The logical names of every type a plugin may list in supported_types.
const std::vector<std::string>& all_type_names();

/// Bytes per value in the data buffer of a fixed-width type (1 for int8 ... 8 for int64, timestamps and
/// durations of any unit, 16 for decimal128); 0 for the types whose values are bits (bool),
/// variable-length (strings, binary) or absent (null). Readers and builders size buffers with it.
int64_t byte_width(TypeId id);

}  // namespace mageio::sdk
