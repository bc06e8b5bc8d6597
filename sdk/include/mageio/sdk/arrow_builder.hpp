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
// ColumnBuilder checks every value; hot paths that already know each column's C type use the unchecked
// ColumnAppender (appender.hpp) that ColumnBuilder is built on.
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/sdk/appender.hpp>
#include <mageio/sdk/types.hpp>
#include <mageio/sdk/values.hpp>

#include <string_view>
#include <utility>
#include <vector>

namespace mageio::sdk {

/// Writes `schema` as a struct ("+s") ArrowSchema whose children are the fields. The caller owns *out.
void export_schema(const Schema& schema, ArrowSchema* out);

/// The checked column builder: it refuses a value that does not fit the column's width and an append of
/// the wrong kind for the column's type. The buffers are a ColumnAppender's (appender.hpp), so checked
/// and unchecked building share one memory layout and one finish().
class ColumnBuilder {
 public:
  explicit ColumnBuilder(DataType type) : appender_(std::move(type)) {}

  const DataType& type() const { return appender_.type(); }
  int64_t length() const { return appender_.length(); }
  /// Bytes held in buffers so far (for bounding batches by size).
  size_t byte_size() const { return appender_.byte_size(); }

  void append_null() { appender_.append_null(); }
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
  void finish(ArrowArray* out) { appender_.finish(out); }

 private:
  /// Throws Error(INTERNAL) naming `what` and the column's type unless `ok`: a plugin bug, not bad data.
  void require(bool ok, const char* what) const;

  ColumnAppender appender_;
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
