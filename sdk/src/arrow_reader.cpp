#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/error.hpp>

#include <cerrno>
#include <cstring>

namespace mageio::sdk {
namespace {

template <typename T>
T read_value(const ArrowArray& array, int buffer, int64_t row) {
  T value;
  std::memcpy(&value, static_cast<const uint8_t*>(array.buffers[buffer]) + (array.offset + row) * sizeof(T), sizeof(T));
  return value;
}

bool read_bit(const void* bits, int64_t index) {
  return (static_cast<const uint8_t*>(bits)[index / 8] >> (index % 8)) & 1;
}

// Seconds and milliseconds beyond about ±292,000 years do not fit in int64 microseconds: such a value is
// refused rather than wrapped around (a producer's garbage, or a date no backend stores).
int64_t to_micros(int64_t value, TimeUnit unit) {
  int64_t micros = value;
  switch (unit) {
    case TimeUnit::Second:
    case TimeUnit::Milli:
      if (__builtin_mul_overflow(value, unit == TimeUnit::Second ? kMicrosPerSecond : 1000, &micros))
        throw invalid_argument(std::to_string(value) + (unit == TimeUnit::Second ? " seconds" : " milliseconds") +
                               " is out of range (it does not fit in 64-bit microseconds)");
      return micros;
    case TimeUnit::Micro: return value;
    // Truncated toward -inf; written without negating, which overflows for INT64_MIN.
    case TimeUnit::Nano: return value / 1000 - (value % 1000 < 0 ? 1 : 0);
  }
  return value;
}

int expected_buffers(TypeId id) {
  switch (id) {
    case TypeId::Null: return 0;
    case TypeId::Utf8:
    case TypeId::LargeUtf8:
    case TypeId::Binary:
    case TypeId::LargeBinary: return 3;
    default: return 2;
  }
}

// Offsets plus the data bytes between the first and the last offset of `rows` values.
template <typename Offset>
int64_t variable_bytes(const ArrowArray& column, int64_t rows) {
  if (column.n_buffers < 3 || column.buffers[1] == nullptr) return 0;
  Offset first = 0, last = 0;
  const auto* offsets = static_cast<const uint8_t*>(column.buffers[1]);
  std::memcpy(&first, offsets + column.offset * sizeof(Offset), sizeof(Offset));
  std::memcpy(&last, offsets + (column.offset + rows) * sizeof(Offset), sizeof(Offset));
  return (rows + 1) * static_cast<int64_t>(sizeof(Offset)) + static_cast<int64_t>(last - first);
}

int64_t column_bytes(const ArrowArray& column, const DataType& type, int64_t rows) {
  if (type.id == TypeId::Null || column.n_buffers < 2 || column.buffers == nullptr) return 0;
  const int64_t bitmap = (rows + 7) / 8;
  const int64_t validity = column.buffers[0] != nullptr ? bitmap : 0;
  switch (type.id) {
    case TypeId::Bool: return validity + bitmap;
    case TypeId::Utf8:
    case TypeId::Binary: return validity + variable_bytes<int32_t>(column, rows);
    case TypeId::LargeUtf8:
    case TypeId::LargeBinary: return validity + variable_bytes<int64_t>(column, rows);
    default: return validity + rows * byte_width(type.id);
  }
}

// The offsets of a string or binary column: they must start at 0 or more and never go backwards over the
// column's length (not only the rows the batch reads: the data buffer is only promised up to the last
// one), so every value lies between the first and the last offset, which is the data the producer
// promised (the C Data Interface carries no buffer sizes, so this is all that can be checked). A
// producer that broke this made readers read before or past the data buffer.
template <typename Offset>
void check_offsets(const ArrowArray& column, const std::string& where) {
  const auto* offsets = static_cast<const uint8_t*>(column.buffers[1]);
  Offset previous = 0;
  for (int64_t i = 0; i <= column.length; ++i) {
    Offset current;
    std::memcpy(&current, offsets + (column.offset + i) * static_cast<int64_t>(sizeof(Offset)), sizeof(Offset));
    if (i == 0 ? current < 0 : current < previous)
      throw invalid_argument(where + " has invalid string offsets (offset " + std::to_string(current) + " at value " +
                             std::to_string(i) + (i == 0 ? " is negative)" : " goes backwards)"));
    previous = current;
  }
}

[[noreturn]] void wrong_type(const DataType& type, const char* getter) {
  throw Error(MAGEIO_STATUS_INTERNAL, std::string(getter) + " called on a column of type " + type.name());
}

}  // namespace

Schema import_schema(const ArrowSchema& schema) {
  if (schema.release == nullptr) throw invalid_argument("the stream's schema was already released");
  if (schema.format == nullptr || std::strcmp(schema.format, "+s") != 0)
    throw invalid_argument(std::string("the stream's schema is not a struct (format '") +
                           (schema.format ? schema.format : "(null)") + "'); expected '+s'");
  if (schema.n_children < 0 || (schema.n_children > 0 && schema.children == nullptr))
    throw invalid_argument("the stream's schema has an invalid child list");
  Schema fields;
  fields.reserve(static_cast<size_t>(schema.n_children));
  for (int64_t i = 0; i < schema.n_children; ++i) {
    const ArrowSchema* child = schema.children[i];
    if (child == nullptr || child->format == nullptr)
      throw invalid_argument("column " + std::to_string(i + 1) + " of the stream's schema has no format");
    std::string name = child->name ? child->name : "";
    if (child->dictionary != nullptr)
      throw not_implemented("column \"" + name + "\" is dictionary-encoded, which is not supported");
    try {
      fields.push_back(Field{name, DataType::from_format(child->format), (child->flags & ARROW_FLAG_NULLABLE) != 0});
    } catch (const Error& error) {
      throw Error(error.status(), "column \"" + name + "\": " + error.what());
    }
  }
  return fields;
}

void OwnedSchema::reset() {
  if (schema.release != nullptr) schema.release(&schema);
  schema = ArrowSchema{};
}

void OwnedArray::reset() {
  if (array.release != nullptr) array.release(&array);
  array = ArrowArray{};
}

// --- ColumnView ---------------------------------------------------------------------------------

ColumnView::ColumnView(const ArrowArray& array, const DataType& type) : array_(&array), type_(type) {}

bool ColumnView::is_null(int64_t row) const {
  if (type_.id == TypeId::Null) return true;
  if (array_->null_count == 0 || array_->buffers[0] == nullptr) return false;
  return !read_bit(array_->buffers[0], array_->offset + row);
}

bool ColumnView::get_bool(int64_t row) const {
  if (type_.id != TypeId::Bool) wrong_type(type_, "get_bool");
  return read_bit(array_->buffers[1], array_->offset + row);
}

int64_t ColumnView::get_int(int64_t row) const {
  switch (type_.id) {
    case TypeId::Int8: return read_value<int8_t>(*array_, 1, row);
    case TypeId::Int16: return read_value<int16_t>(*array_, 1, row);
    case TypeId::Int32: return read_value<int32_t>(*array_, 1, row);
    case TypeId::Int64: return read_value<int64_t>(*array_, 1, row);
    case TypeId::UInt8: return read_value<uint8_t>(*array_, 1, row);
    case TypeId::UInt16: return read_value<uint16_t>(*array_, 1, row);
    case TypeId::UInt32: return read_value<uint32_t>(*array_, 1, row);
    default: wrong_type(type_, "get_int");
  }
}

uint64_t ColumnView::get_uint(int64_t row) const {
  switch (type_.id) {
    case TypeId::UInt8: return read_value<uint8_t>(*array_, 1, row);
    case TypeId::UInt16: return read_value<uint16_t>(*array_, 1, row);
    case TypeId::UInt32: return read_value<uint32_t>(*array_, 1, row);
    case TypeId::UInt64: return read_value<uint64_t>(*array_, 1, row);
    default: wrong_type(type_, "get_uint");
  }
}

double ColumnView::get_double(int64_t row) const {
  if (type_.id == TypeId::Float32) return read_value<float>(*array_, 1, row);
  if (type_.id == TypeId::Float64) return read_value<double>(*array_, 1, row);
  wrong_type(type_, "get_double");
}

int128 ColumnView::get_decimal(int64_t row) const {
  if (type_.id != TypeId::Decimal128) wrong_type(type_, "get_decimal");
  return read_value<int128>(*array_, 1, row);
}

std::string_view ColumnView::get_string(int64_t row) const {
  const auto* data = static_cast<const char*>(array_->buffers[2]);
  if (type_.id == TypeId::Utf8 || type_.id == TypeId::Binary) {
    int32_t begin = read_value<int32_t>(*array_, 1, row);
    int32_t end = read_value<int32_t>(*array_, 1, row + 1);
    return {data + begin, static_cast<size_t>(end - begin)};
  }
  if (type_.id == TypeId::LargeUtf8 || type_.id == TypeId::LargeBinary) {
    int64_t begin = read_value<int64_t>(*array_, 1, row);
    int64_t end = read_value<int64_t>(*array_, 1, row + 1);
    return {data + begin, static_cast<size_t>(end - begin)};
  }
  wrong_type(type_, "get_string");
}

int32_t ColumnView::get_date32(int64_t row) const {
  if (type_.id == TypeId::Date32) return read_value<int32_t>(*array_, 1, row);
  if (type_.id == TypeId::Date64) {
    int64_t millis = read_value<int64_t>(*array_, 1, row);
    int64_t day_ms = kMicrosPerDay / 1000;
    return static_cast<int32_t>(millis / day_ms - (millis % day_ms < 0));
  }
  wrong_type(type_, "get_date32");
}

int64_t ColumnView::get_timestamp_us(int64_t row) const {
  if (type_.id != TypeId::Timestamp) wrong_type(type_, "get_timestamp_us");
  return to_micros(read_value<int64_t>(*array_, 1, row), type_.unit);
}

int64_t ColumnView::get_time_us(int64_t row) const {
  if (type_.id == TypeId::Time32) return to_micros(read_value<int32_t>(*array_, 1, row), type_.unit);
  if (type_.id == TypeId::Time64) return to_micros(read_value<int64_t>(*array_, 1, row), type_.unit);
  wrong_type(type_, "get_time_us");
}

int64_t ColumnView::get_duration_us(int64_t row) const {
  if (type_.id != TypeId::Duration) wrong_type(type_, "get_duration_us");
  return to_micros(read_value<int64_t>(*array_, 1, row), type_.unit);
}

std::string ColumnView::to_text(int64_t row) const {
  switch (type_.id) {
    case TypeId::Null: return "";
    case TypeId::Bool: return get_bool(row) ? "true" : "false";
    case TypeId::Int8:
    case TypeId::Int16:
    case TypeId::Int32:
    case TypeId::Int64:
    case TypeId::UInt8:
    case TypeId::UInt16:
    case TypeId::UInt32: return std::to_string(get_int(row));
    case TypeId::UInt64: return std::to_string(get_uint(row));
    case TypeId::Float32: return format_float(read_value<float>(*array_, 1, row));
    case TypeId::Float64: return format_double(get_double(row));
    case TypeId::Decimal128: return format_decimal(get_decimal(row), type_.scale);
    case TypeId::Utf8:
    case TypeId::LargeUtf8: return std::string(get_string(row));
    case TypeId::Binary:
    case TypeId::LargeBinary: return format_hex_binary(get_string(row));
    case TypeId::Date32:
    case TypeId::Date64: return format_date(get_date32(row));
    case TypeId::Timestamp: return format_timestamp(get_timestamp_us(row), !type_.timezone.empty());
    case TypeId::Time32:
    case TypeId::Time64: return format_time(get_time_us(row));
    case TypeId::Duration: return format_duration(get_duration_us(row));
  }
  return "";
}

// --- BatchView ----------------------------------------------------------------------------------

BatchView::BatchView(const ArrowArray& batch, const Schema& schema) : rows_(batch.length) {
  if (batch.release == nullptr) throw invalid_argument("the batch was already released");
  if (batch.length < 0 || batch.offset < 0) throw invalid_argument("the batch has a negative length or offset");
  if (batch.offset != 0) throw not_implemented("struct batches with a non-zero offset are not supported");
  if (batch.n_children != static_cast<int64_t>(schema.size()) || (batch.n_children > 0 && batch.children == nullptr))
    throw invalid_argument("the batch has " + std::to_string(batch.n_children) + " columns but the schema has " +
                           std::to_string(schema.size()));
  if (batch.null_count > 0) throw not_implemented("struct batches with null rows are not supported");
  columns_.reserve(schema.size());
  for (size_t i = 0; i < schema.size(); ++i) {
    const ArrowArray* child = batch.children[i];
    const std::string where = "column \"" + schema[i].name + "\" of the batch";
    if (child == nullptr || child->release == nullptr) throw invalid_argument(where + " is missing");
    if (child->length < batch.length || child->offset < 0)
      throw invalid_argument(where + " has " + std::to_string(child->length) + " values for " +
                             std::to_string(batch.length) + " rows");
    const int buffers = expected_buffers(schema[i].type.id);
    if (child->n_buffers != buffers || (buffers > 0 && child->buffers == nullptr))
      throw invalid_argument(where + " has " + std::to_string(child->n_buffers) + " buffers; type " +
                             schema[i].type.name() + " needs " + std::to_string(buffers));
    if (child->null_count != 0 && buffers > 0 && child->buffers[0] == nullptr)
      throw invalid_argument(where + " has nulls but no validity bitmap");
    for (int b = 1; b < buffers; ++b)
      if (child->buffers[b] == nullptr && child->length > 0) throw invalid_argument(where + " has a null data buffer");
    if (buffers == 3 && child->buffers[1] != nullptr) {
      if (schema[i].type.id == TypeId::LargeUtf8 || schema[i].type.id == TypeId::LargeBinary)
        check_offsets<int64_t>(*child, where);
      else
        check_offsets<int32_t>(*child, where);
    }
    columns_.emplace_back(*child, schema[i].type);
  }
}

int64_t buffer_bytes(const ArrowArray& batch, const Schema& schema) {
  if (batch.n_children != static_cast<int64_t>(schema.size()) || batch.children == nullptr || batch.length <= 0)
    return 0;
  int64_t bytes = 0;
  for (size_t i = 0; i < schema.size(); ++i) {
    const ArrowArray* child = batch.children[i];
    if (child != nullptr && child->length >= batch.length) bytes += column_bytes(*child, schema[i].type, batch.length);
  }
  return bytes;
}

// --- StreamReader -------------------------------------------------------------------------------

StreamReader::StreamReader(ArrowArrayStream* stream, std::string label, StreamErrorLookup lookup)
    : stream_(stream), label_(std::move(label)), lookup_(std::move(lookup)) {
  if (stream_ == nullptr || stream_->release == nullptr)
    throw invalid_argument("the input stream is not valid (released)");
  if (stream_->get_schema == nullptr || stream_->get_next == nullptr)
    throw invalid_argument("the input stream has no get_schema or get_next callback");
  OwnedSchema owned;
  int code = stream_->get_schema(stream_, &owned.schema);
  if (code != 0) fail("reading the schema", code);
  schema_ = import_schema(owned.schema);
}

bool StreamReader::next(OwnedArray& batch) {
  batch.reset();
  int code = stream_->get_next(stream_, &batch.array);
  if (code != 0) fail("reading a batch", code);
  if (batch.array.release == nullptr) return false;
  BatchView validate(batch.array, schema_);  // throws on a malformed batch
  rows_read_ += batch.array.length;
  if (observer_) observer_(batch.array);
  return true;
}

std::optional<Error> StreamReader::producer_error(const char* operation) const {
  if (!lookup_) return std::nullopt;
  std::optional<Error> whole = lookup_(stream_);
  if (!whole) return std::nullopt;
  std::string message = whole->what();
  // Plugins built for 1.0 hosts often write the SQLSTATE into the text already.
  if (!whole->sqlstate().empty() && message.find("SQLSTATE " + whole->sqlstate()) == std::string::npos)
    message += " (SQLSTATE " + whole->sqlstate() + ")";
  if (whole->status() != MAGEIO_STATUS_CANCELLED) message = label_ + " failed while " + operation + ": " + message;
  return Error(whole->status(), message, whole->sqlstate(), whole->vendor_code());
}

void StreamReader::fail(const char* operation, int code) {
  if (std::optional<Error> whole = producer_error(operation)) throw *whole;
  const char* detail = stream_->get_last_error ? stream_->get_last_error(stream_) : nullptr;
  std::string message = detail && *detail ? std::string(detail) : std::string(std::strerror(code));
  MageioStatus status = errno_to_status(code);
  if (status == MAGEIO_STATUS_CANCELLED) throw Error(status, message);
  throw Error(status, label_ + " failed while " + operation + ": " + message);
}

}  // namespace mageio::sdk
