#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/error.hpp>

#include <cstring>
#include <limits>

namespace mageio::sdk {
namespace {

// --- Arrays ------------------------------------------------------------------------------------
// The buffers of a finished array live in this heap block; the array's release callback frees it.
struct ArrayStorage {
  std::vector<std::vector<uint8_t>> buffers;
  std::vector<const void*> buffer_pointers;
  std::vector<ArrowArray> child_arrays;
  std::vector<ArrowArray*> child_pointers;
};

void release_array(ArrowArray* array) {
  if (array == nullptr || array->release == nullptr) return;
  auto* storage = static_cast<ArrayStorage*>(array->private_data);
  for (auto& child : storage->child_arrays)
    if (child.release != nullptr) child.release(&child);
  delete storage;
  array->release = nullptr;
}

// --- Schemas -----------------------------------------------------------------------------------
struct SchemaStorage {
  std::string format;
  std::string name;
  std::vector<ArrowSchema> children;
  std::vector<ArrowSchema*> child_pointers;
};

void release_schema(ArrowSchema* schema) {
  if (schema == nullptr || schema->release == nullptr) return;
  auto* storage = static_cast<SchemaStorage*>(schema->private_data);
  for (auto& child : storage->children)
    if (child.release != nullptr) child.release(&child);
  delete storage;
  schema->release = nullptr;
}

void fill_schema(ArrowSchema* out, std::string format, std::string name, bool nullable) {
  auto* storage = new SchemaStorage{std::move(format), std::move(name), {}, {}};
  *out = ArrowSchema{};
  out->format = storage->format.c_str();
  out->name = storage->name.c_str();
  out->flags = nullable ? ARROW_FLAG_NULLABLE : 0;
  out->release = &release_schema;
  out->private_data = storage;
}

bool is_variable_width(TypeId id) {
  return id == TypeId::Utf8 || id == TypeId::LargeUtf8 || id == TypeId::Binary || id == TypeId::LargeBinary;
}
bool has_large_offsets(TypeId id) { return id == TypeId::LargeUtf8 || id == TypeId::LargeBinary; }

void set_bit(std::vector<uint8_t>& bits, int64_t index, bool value) {
  size_t byte = static_cast<size_t>(index / 8);
  if (bits.size() <= byte) bits.resize(byte + 1, 0);
  if (value) bits[byte] |= static_cast<uint8_t>(1u << (index % 8));
}

}  // namespace

void export_schema(const Schema& schema, ArrowSchema* out) {
  fill_schema(out, "+s", "", false);
  auto* storage = static_cast<SchemaStorage*>(out->private_data);
  storage->children.resize(schema.size());
  for (size_t i = 0; i < schema.size(); ++i) {
    fill_schema(&storage->children[i], schema[i].type.format(), schema[i].name, schema[i].nullable);
    storage->child_pointers.push_back(&storage->children[i]);
  }
  out->n_children = static_cast<int64_t>(schema.size());
  out->children = storage->child_pointers.data();
}

// --- ColumnBuilder ------------------------------------------------------------------------------

ColumnBuilder::ColumnBuilder(DataType type) : type_(std::move(type)) {
  if (is_variable_width(type_.id)) {
    size_t width = has_large_offsets(type_.id) ? 8 : 4;
    offsets_.assign(width, 0);  // the first offset, 0
  }
}

size_t ColumnBuilder::byte_size() const { return validity_.size() + values_.size() + offsets_.size(); }

void ColumnBuilder::require(bool ok, const char* what) const {
  if (!ok) throw Error(MAGEIO_STATUS_INTERNAL, std::string(what) + " on a column of type " + type_.name());
}

void ColumnBuilder::append_valid() {
  if (!validity_.empty()) set_bit(validity_, length_, true);
  ++length_;
}

void ColumnBuilder::append_null() {
  if (validity_.empty() && type_.id != TypeId::Null) {
    // First null: materialise the bitmap with every earlier value valid.
    validity_.assign(static_cast<size_t>(length_ / 8 + 1), 0);
    for (int64_t i = 0; i < length_; ++i) set_bit(validity_, i, true);
  }
  if (type_.id != TypeId::Null) set_bit(validity_, length_, false);
  ++null_count_;
  // Keep the value slot so later values stay aligned with their row.
  switch (type_.id) {
    case TypeId::Null: break;
    case TypeId::Bool: set_bit(values_, length_, false); break;
    case TypeId::Utf8:
    case TypeId::LargeUtf8:
    case TypeId::Binary:
    case TypeId::LargeBinary: {
      size_t width = has_large_offsets(type_.id) ? 8 : 4;
      offsets_.insert(offsets_.end(), offsets_.end() - width, offsets_.end());
      break;
    }
    case TypeId::Int8:
    case TypeId::UInt8: values_.resize(values_.size() + 1, 0); break;
    case TypeId::Int16:
    case TypeId::UInt16: values_.resize(values_.size() + 2, 0); break;
    case TypeId::Int32:
    case TypeId::UInt32:
    case TypeId::Float32:
    case TypeId::Date32:
    case TypeId::Time32: values_.resize(values_.size() + 4, 0); break;
    case TypeId::Decimal128: values_.resize(values_.size() + 16, 0); break;
    default: values_.resize(values_.size() + 8, 0); break;
  }
  ++length_;
}

template <typename T>
void ColumnBuilder::append_fixed(T value) {
  size_t at = values_.size();
  values_.resize(at + sizeof(T));
  std::memcpy(values_.data() + at, &value, sizeof(T));
  append_valid();
}

void ColumnBuilder::append_bool(bool value) {
  require(type_.id == TypeId::Bool, "append_bool");
  set_bit(values_, length_, value);
  append_valid();
}

void ColumnBuilder::append_int(int64_t value) {
  auto out_of_range = [&] {
    return invalid_argument("value " + std::to_string(value) + " does not fit in " + type_.name());
  };
  switch (type_.id) {
    case TypeId::Int8:
      if (value < INT8_MIN || value > INT8_MAX) throw out_of_range();
      return append_fixed(static_cast<int8_t>(value));
    case TypeId::Int16:
      if (value < INT16_MIN || value > INT16_MAX) throw out_of_range();
      return append_fixed(static_cast<int16_t>(value));
    case TypeId::Int32:
      if (value < INT32_MIN || value > INT32_MAX) throw out_of_range();
      return append_fixed(static_cast<int32_t>(value));
    case TypeId::Int64: return append_fixed(value);
    case TypeId::UInt8:
    case TypeId::UInt16:
    case TypeId::UInt32:
    case TypeId::UInt64:
      if (value < 0) throw out_of_range();
      return append_uint(static_cast<uint64_t>(value));
    default: require(false, "append_int");
  }
}

void ColumnBuilder::append_uint(uint64_t value) {
  auto out_of_range = [&] {
    return invalid_argument("value " + std::to_string(value) + " does not fit in " + type_.name());
  };
  switch (type_.id) {
    case TypeId::UInt8:
      if (value > UINT8_MAX) throw out_of_range();
      return append_fixed(static_cast<uint8_t>(value));
    case TypeId::UInt16:
      if (value > UINT16_MAX) throw out_of_range();
      return append_fixed(static_cast<uint16_t>(value));
    case TypeId::UInt32:
      if (value > UINT32_MAX) throw out_of_range();
      return append_fixed(static_cast<uint32_t>(value));
    case TypeId::UInt64: return append_fixed(value);
    case TypeId::Int8:
    case TypeId::Int16:
    case TypeId::Int32:
    case TypeId::Int64:
      if (value > static_cast<uint64_t>(INT64_MAX)) throw out_of_range();
      return append_int(static_cast<int64_t>(value));
    default: require(false, "append_uint");
  }
}

void ColumnBuilder::append_double(double value) {
  if (type_.id == TypeId::Float32) return append_fixed(static_cast<float>(value));
  require(type_.id == TypeId::Float64, "append_double");
  append_fixed(value);
}

void ColumnBuilder::append_decimal(int128 unscaled) {
  require(type_.id == TypeId::Decimal128, "append_decimal");
  append_fixed(unscaled);
}

void ColumnBuilder::append_string(std::string_view value) {
  require(is_variable_width(type_.id), "append_string");
  values_.insert(values_.end(), value.begin(), value.end());
  if (has_large_offsets(type_.id)) {
    int64_t end = static_cast<int64_t>(values_.size());
    offsets_.insert(offsets_.end(), reinterpret_cast<uint8_t*>(&end), reinterpret_cast<uint8_t*>(&end) + 8);
  } else {
    if (values_.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
      throw invalid_argument("more than 2 GiB of " + type_.name() + " data in one batch; use smaller batches");
    int32_t end = static_cast<int32_t>(values_.size());
    offsets_.insert(offsets_.end(), reinterpret_cast<uint8_t*>(&end), reinterpret_cast<uint8_t*>(&end) + 4);
  }
  append_valid();
}

void ColumnBuilder::append_date32(int32_t days) {
  require(type_.id == TypeId::Date32, "append_date32");
  append_fixed(days);
}

void ColumnBuilder::append_timestamp_us(int64_t micros) {
  require(type_.id == TypeId::Timestamp && type_.unit == TimeUnit::Micro, "append_timestamp_us");
  append_fixed(micros);
}

void ColumnBuilder::append_time_us(int64_t micros) {
  require(type_.id == TypeId::Time64 && type_.unit == TimeUnit::Micro, "append_time_us");
  append_fixed(micros);
}

void ColumnBuilder::append_duration_us(int64_t micros) {
  require(type_.id == TypeId::Duration && type_.unit == TimeUnit::Micro, "append_duration_us");
  append_fixed(micros);
}

void ColumnBuilder::finish(ArrowArray* out) {
  auto* storage = new ArrayStorage;
  const bool variable = is_variable_width(type_.id);
  if (type_.id == TypeId::Null) {
    storage->buffer_pointers = {};
  } else {
    if (!validity_.empty()) validity_.resize(static_cast<size_t>((length_ + 7) / 8), 0);
    storage->buffers.push_back(std::move(validity_));
    if (variable) storage->buffers.push_back(std::move(offsets_));
    if (type_.id == TypeId::Bool) values_.resize(static_cast<size_t>((length_ + 7) / 8), 0);
    storage->buffers.push_back(std::move(values_));
    for (auto& buffer : storage->buffers) {
      // An empty buffer is passed as a pointer to a zero byte rather than NULL, except the validity
      // bitmap, whose NULL means "no nulls". Arrow allows either for zero-length buffers; a non-null
      // pointer spares consumers a special case.
      if (buffer.empty()) buffer.push_back(0), buffer.pop_back();
      storage->buffer_pointers.push_back(buffer.data());
    }
    if (null_count_ == 0) storage->buffer_pointers[0] = nullptr;
  }
  *out = ArrowArray{};
  out->length = length_;
  out->null_count = null_count_;
  out->n_buffers = static_cast<int64_t>(storage->buffer_pointers.size());
  out->buffers = storage->buffer_pointers.empty() ? nullptr : storage->buffer_pointers.data();
  out->release = &release_array;
  out->private_data = storage;

  // Reset for the next batch.
  length_ = 0;
  null_count_ = 0;
  validity_ = {};
  values_ = {};
  offsets_ = {};
  if (variable) offsets_.assign(has_large_offsets(type_.id) ? 8 : 4, 0);
}

// --- BatchBuilder -------------------------------------------------------------------------------

BatchBuilder::BatchBuilder(Schema schema) : schema_(std::move(schema)) {
  columns_.reserve(schema_.size());
  for (const auto& field : schema_) columns_.emplace_back(field.type);
}

size_t BatchBuilder::byte_size() const {
  size_t total = 0;
  for (const auto& column : columns_) total += column.byte_size();
  return total;
}

void BatchBuilder::finish(ArrowArray* out) {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].length() != rows_)
      throw Error(MAGEIO_STATUS_INTERNAL, "column \"" + schema_[i].name + "\" has " +
                                              std::to_string(columns_[i].length()) + " values for " +
                                              std::to_string(rows_) + " rows");
  }
  auto* storage = new ArrayStorage;
  storage->buffer_pointers = {nullptr};  // a struct array has only a validity buffer; no null rows
  storage->child_arrays.resize(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    columns_[i].finish(&storage->child_arrays[i]);
    storage->child_pointers.push_back(&storage->child_arrays[i]);
  }
  *out = ArrowArray{};
  out->length = rows_;
  out->n_buffers = 1;
  out->buffers = storage->buffer_pointers.data();
  out->n_children = static_cast<int64_t>(columns_.size());
  out->children = storage->child_pointers.data();
  out->release = &release_array;
  out->private_data = storage;
  rows_ = 0;
}

}  // namespace mageio::sdk
