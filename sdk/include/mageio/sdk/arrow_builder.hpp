// Building Arrow C Data Interface arrays column by column, and exporting schemas.
//
//   BatchBuilder batch(schema);
//   batch.column(0).append_int(42);
//   batch.column(1).append_string("hello");
//   batch.end_row();
//   ...
//   if (batch.rows() >= 65536 || batch.byte_size() >= 16 << 20) batch.finish(&out_array);
//
// finish() hands the buffers over to the ArrowArray (its release callback frees them) and leaves the
// builder empty and ready for the next batch, reusing nothing that the consumer may still read.
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/sdk/types.hpp>
#include <mageio/sdk/values.hpp>

#include <memory>
#include <string_view>
#include <vector>

namespace mageio::sdk {

/// Writes `schema` as a struct ("+s") ArrowSchema whose children are the fields. The caller owns *out.
void export_schema(const Schema& schema, ArrowSchema* out);

class ColumnBuilder {
 public:
  explicit ColumnBuilder(DataType type);

  const DataType& type() const { return type_; }
  int64_t length() const { return length_; }
  /// Bytes held in buffers so far (for bounding batches by size).
  size_t byte_size() const;

  void append_null();
  void append_bool(bool value);
  /// Any integer type; throws Error(INVALID_ARGUMENT) when the value does not fit the column's width.
  void append_int(int64_t value);
  void append_uint(uint64_t value);
  /// Float32 or Float64.
  void append_double(double value);
  /// Decimal128: the unscaled value (123.45 at scale 2 is 12345).
  void append_decimal(int128 unscaled);
  /// Utf8, LargeUtf8, Binary, LargeBinary. The caller guarantees valid UTF-8 for the string types.
  void append_string(std::string_view value);
  void append_date32(int32_t days);
  void append_timestamp_us(int64_t micros);
  void append_time_us(int64_t micros);
  void append_duration_us(int64_t micros);

  /// Moves the column into *out (caller owns it) and resets the builder.
  void finish(ArrowArray* out);

 private:
  void append_valid();
  template <typename T>
  void append_fixed(T value);
  void require(bool ok, const char* what) const;

  DataType type_;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  std::vector<uint8_t> validity_;  // bit-packed, LSB first; materialised only once a null appears
  std::vector<uint8_t> values_;    // fixed-width values, bit-packed bools, or string bytes
  std::vector<uint8_t> offsets_;   // int32 or int64 offsets for the string and binary types
};

class BatchBuilder {
 public:
  explicit BatchBuilder(Schema schema);

  const Schema& schema() const { return schema_; }
  ColumnBuilder& column(size_t index) { return columns_[index]; }
  size_t column_count() const { return columns_.size(); }
  /// Marks the end of a row; every column must have received exactly one value for it.
  void end_row() { ++rows_; }
  int64_t rows() const { return rows_; }
  size_t byte_size() const;

  /// Moves the batch into *out as a struct array (caller owns it) and resets the builder. Throws
  /// Error(INTERNAL) if a column's length differs from rows().
  void finish(ArrowArray* out);

 private:
  Schema schema_;
  std::vector<ColumnBuilder> columns_;
  int64_t rows_ = 0;
};

/// Default bounds for one batch: whichever is reached first.
constexpr int64_t kDefaultBatchRows = 65536;
constexpr size_t kDefaultBatchBytes = size_t{16} << 20;

}  // namespace mageio::sdk
