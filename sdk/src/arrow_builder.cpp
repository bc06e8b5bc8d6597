#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/error.hpp>

#include <cstring>
#include <limits>

namespace mageio::sdk {
namespace {

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

void ColumnBuilder::require(bool ok, const char* what) const {
  if (!ok) throw Error(MAGEIO_STATUS_INTERNAL, std::string(what) + " on a column of type " + type().name());
}

void ColumnBuilder::append_bool(bool value) {
  require(type().id == TypeId::Bool, "append_bool");
  appender_.append_bool(value);
}

void ColumnBuilder::append_int(int64_t value) {
  auto out_of_range = [&] {
    return invalid_argument("value " + std::to_string(value) + " does not fit in " + type().name());
  };
  switch (type().id) {
    case TypeId::Int8:
      if (value < INT8_MIN || value > INT8_MAX) throw out_of_range();
      return appender_.append(static_cast<int8_t>(value));
    case TypeId::Int16:
      if (value < INT16_MIN || value > INT16_MAX) throw out_of_range();
      return appender_.append(static_cast<int16_t>(value));
    case TypeId::Int32:
      if (value < INT32_MIN || value > INT32_MAX) throw out_of_range();
      return appender_.append(static_cast<int32_t>(value));
    case TypeId::Int64: return appender_.append(value);
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
    return invalid_argument("value " + std::to_string(value) + " does not fit in " + type().name());
  };
  switch (type().id) {
    case TypeId::UInt8:
      if (value > UINT8_MAX) throw out_of_range();
      return appender_.append(static_cast<uint8_t>(value));
    case TypeId::UInt16:
      if (value > UINT16_MAX) throw out_of_range();
      return appender_.append(static_cast<uint16_t>(value));
    case TypeId::UInt32:
      if (value > UINT32_MAX) throw out_of_range();
      return appender_.append(static_cast<uint32_t>(value));
    case TypeId::UInt64: return appender_.append(value);
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
  if (type().id == TypeId::Float32) return appender_.append(static_cast<float>(value));
  require(type().id == TypeId::Float64, "append_double");
  appender_.append(value);
}

void ColumnBuilder::append_decimal(int128 unscaled) {
  require(type().id == TypeId::Decimal128, "append_decimal");
  appender_.append(unscaled);
}

void ColumnBuilder::append_string(std::string_view value) {
  require(type().is_string() || type().is_binary(), "append_string");
  appender_.append_bytes(value.data(), value.size());
}

void ColumnBuilder::append_date32(int32_t days) {
  require(type().id == TypeId::Date32, "append_date32");
  appender_.append(days);
}

void ColumnBuilder::append_timestamp_us(int64_t micros) {
  require(type().id == TypeId::Timestamp && type().unit == TimeUnit::Micro, "append_timestamp_us");
  appender_.append(micros);
}

void ColumnBuilder::append_time_us(int64_t micros) {
  require(type().id == TypeId::Time64 && type().unit == TimeUnit::Micro, "append_time_us");
  appender_.append(micros);
}

void ColumnBuilder::append_duration_us(int64_t micros) {
  require(type().id == TypeId::Duration && type().unit == TimeUnit::Micro, "append_duration_us");
  appender_.append(micros);
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
  finish_struct(columns_, rows_, out);
  rows_ = 0;
}

}  // namespace mageio::sdk
