// Reading Arrow C Data Interface data that someone else produced: schemas, batches and streams.
// Everything here validates what it is given and throws Error(INVALID_ARGUMENT) naming the problem
// instead of reading out of bounds.
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/types.hpp>
#include <mageio/sdk/values.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mageio::sdk {

/// Reads a struct ("+s") ArrowSchema into a Schema. Does not take ownership.
Schema import_schema(const ArrowSchema& schema);

/// An ArrowSchema released on destruction.
struct OwnedSchema {
  ArrowSchema schema{};
  OwnedSchema() = default;
  OwnedSchema(const OwnedSchema&) = delete;
  OwnedSchema& operator=(const OwnedSchema&) = delete;
  ~OwnedSchema() { reset(); }
  void reset();
};

/// An ArrowArray released on destruction.
struct OwnedArray {
  ArrowArray array{};
  OwnedArray() = default;
  OwnedArray(const OwnedArray&) = delete;
  OwnedArray& operator=(const OwnedArray&) = delete;
  ~OwnedArray() { reset(); }
  void reset();
};

/// Read access to one column of a batch. Getters take a row index relative to the batch (the array's
/// offset is applied) and must only be called for a type the column can give (see each getter).
class ColumnView {
 public:
  ColumnView(const ArrowArray& array, const DataType& type);

  const DataType& type() const { return type_; }
  int64_t length() const { return array_->length; }

  bool is_null(int64_t row) const;
  bool get_bool(int64_t row) const;
  /// Any signed integer type, and unsigned ones up to UInt32 (UInt64 may overflow: use get_uint).
  int64_t get_int(int64_t row) const;
  /// Any unsigned integer type.
  uint64_t get_uint(int64_t row) const;
  /// Float32, Float64.
  double get_double(int64_t row) const;
  /// Decimal128: the unscaled value.
  int128 get_decimal(int64_t row) const;
  /// The string and binary types.
  std::string_view get_string(int64_t row) const;
  /// Date32, Date64 (as days).
  int32_t get_date32(int64_t row) const;
  /// Timestamp of any unit, converted to microseconds (nanoseconds are truncated toward -inf). Throws
  /// Error(INVALID_ARGUMENT) for seconds or milliseconds that do not fit in int64 microseconds.
  int64_t get_timestamp_us(int64_t row) const;
  /// Time32, Time64, converted to microseconds.
  int64_t get_time_us(int64_t row) const;
  /// Duration of any unit, converted to microseconds (nanoseconds are truncated toward -inf); out of
  /// range as for get_timestamp_us.
  int64_t get_duration_us(int64_t row) const;

  /// The canonical text of any non-null value (see values.hpp); binary as \x-hex.
  std::string to_text(int64_t row) const;

 private:
  const ArrowArray* array_;
  DataType type_;
};

/// Read access to one struct batch.
class BatchView {
 public:
  /// Validates the batch against the schema (struct layout, child count, lengths, required buffers, and
  /// string/binary offsets that start at 0 or more and never go backwards over the batch's rows).
  BatchView(const ArrowArray& batch, const Schema& schema);

  int64_t rows() const { return rows_; }
  size_t column_count() const { return columns_.size(); }
  const ColumnView& column(size_t index) const { return columns_[index]; }

 private:
  int64_t rows_;
  std::vector<ColumnView> columns_;
};

/// The bytes of Arrow buffers that the rows of a struct batch occupy: validity bitmaps, values,
/// offsets and string data of every column (not a shared buffer's bytes outside the batch's rows).
/// What the SDK reports to the host as progress bytes. Reads only buffers that are present; a batch
/// that does not match `schema` counts 0.
int64_t buffer_bytes(const ArrowArray& batch, const Schema& schema);

/// Asked when a stream call fails, for the producer's whole error (status, SQLSTATE, vendor code),
/// e.g. through its plugin's stream_error slot (ABI 1.1). nullopt: use the errno code and
/// get_last_error.
using StreamErrorLookup = std::function<std::optional<Error>(ArrowArrayStream* stream)>;

/// Consumes an ArrowArrayStream it does not own (the caller releases it).
class StreamReader {
 public:
  /// `label` names the producer in error messages ("input stream", "postgres load").
  explicit StreamReader(ArrowArrayStream* stream, std::string label = "input stream", StreamErrorLookup lookup = {});

  /// The stream's schema (read once, at construction).
  const Schema& schema() const { return schema_; }
  /// Fetches the next batch into `batch` (releasing what it held); false at the end of the stream.
  /// Throws Error with the producer's status (errno_to_status) and message when the stream fails, or
  /// Error(INVALID_ARGUMENT) when it is malformed.
  bool next(OwnedArray& batch);
  /// Rows read so far.
  int64_t rows_read() const { return rows_read_; }
  /// Called with every batch once it is validated (the SDK counts progress with it).
  void on_batch(std::function<void(const ArrowArray& batch)> observer) { observer_ = std::move(observer); }
  /// The producer's whole error for the stream's last failed call (status, SQLSTATE, vendor code, the
  /// message naming `label`), when the lookup has one; nullopt otherwise (no lookup, a 1.0 producer, or
  /// the last call did not fail). For a consumer that is not this reader, e.g. another plugin's export
  /// reading the stream directly: ask right after it failed, before anything else touches the stream.
  std::optional<Error> producer_error(const char* operation = "reading a batch") const;

 private:
  [[noreturn]] void fail(const char* operation, int code);

  ArrowArrayStream* stream_;
  std::string label_;
  StreamErrorLookup lookup_;
  Schema schema_;
  int64_t rows_read_ = 0;
  std::function<void(const ArrowArray& batch)> observer_;
};

}  // namespace mageio::sdk
