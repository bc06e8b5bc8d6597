#include <mageio/sdk/appender.hpp>
#include <mageio/sdk/error.hpp>

#include <limits>
#include <new>

namespace mageio::sdk {
namespace {

struct ColumnStorage {
  uint8_t* buffers[3] = {nullptr, nullptr, nullptr};
  size_t capacities[3] = {0, 0, 0};
  const void* pointers[3] = {nullptr, nullptr, nullptr};
  std::shared_ptr<BufferPool> pool;  // keeps the pool alive as long as any batch of it
};

void release_column(ArrowArray* array) {
  if (array == nullptr || array->release == nullptr) return;
  auto* storage = static_cast<ColumnStorage*>(array->private_data);
  for (int i = 0; i < 3; ++i) {
    if (storage->buffers[i] == nullptr) continue;
    if (storage->pool)
      storage->pool->give(storage->buffers[i], storage->capacities[i]);
    else
      std::free(storage->buffers[i]);
  }
  delete storage;
  array->release = nullptr;
}

struct StructStorage {
  const void* validity[1] = {nullptr};
  std::vector<ArrowArray> children;
  std::vector<ArrowArray*> pointers;
};

void release_struct(ArrowArray* array) {
  if (array == nullptr || array->release == nullptr) return;
  auto* storage = static_cast<StructStorage*>(array->private_data);
  for (auto& child : storage->children)
    if (child.release != nullptr) child.release(&child);
  delete storage;
  array->release = nullptr;
}

}  // namespace

// --- BufferPool -----------------------------------------------------------------------------------

BufferPool::~BufferPool() {
  for (auto& [data, capacity] : free_) std::free(data);
}

uint8_t* BufferPool::take(size_t size, size_t* capacity) {
  {
    std::lock_guard lock(mutex_);
    size_t best = free_.size();
    for (size_t i = 0; i < free_.size(); ++i)
      if (free_[i].second >= size && (best == free_.size() || free_[i].second < free_[best].second)) best = i;
    if (best < free_.size()) {
      auto [data, kept] = free_[best];
      free_[best] = free_.back();
      free_.pop_back();
      held_ -= kept;
      *capacity = kept;
      return data;
    }
  }
  auto* data = static_cast<uint8_t*>(std::malloc(size));
  if (data == nullptr) throw std::bad_alloc();
  *capacity = size;
  return data;
}

void BufferPool::give(uint8_t* data, size_t capacity) noexcept {
  {
    std::lock_guard lock(mutex_);
    if (held_ + capacity <= max_bytes_) {
      try {
        free_.emplace_back(data, capacity);
        held_ += capacity;
        return;
      } catch (...) {
      }
    }
  }
  std::free(data);
}

size_t BufferPool::held() const {
  std::lock_guard lock(mutex_);
  return held_;
}

// --- AppendBuffer ---------------------------------------------------------------------------------

void AppendBuffer::grow(size_t needed) {
  size_t capacity = capacity_ < 64 ? 64 : capacity_;
  while (capacity < needed) capacity += capacity / 2 + 64;
  if (data_ == nullptr && pool_) {
    // A recycled buffer: the pages are already there.
    data_ = pool_->take(capacity, &capacity_);
    return;
  }
  auto* data = static_cast<uint8_t*>(std::realloc(data_, capacity));
  if (data == nullptr) throw std::bad_alloc();
  data_ = data;
  capacity_ = capacity;
}

// --- ColumnAppender -------------------------------------------------------------------------------

ColumnAppender::ColumnAppender(DataType type, std::shared_ptr<BufferPool> pool)
    : type_(std::move(type)), pool_(std::move(pool)) {
  validity_.set_pool(pool_);
  values_.set_pool(pool_);
  offsets_.set_pool(pool_);
  if (type_.id == TypeId::Utf8 || type_.id == TypeId::Binary) offset_width_ = 4;
  if (type_.id == TypeId::LargeUtf8 || type_.id == TypeId::LargeBinary) offset_width_ = 8;
  boolean_ = type_.id == TypeId::Bool;
  width_ = static_cast<size_t>(byte_width(type_.id));
  start_offsets();
}

void ColumnAppender::start_offsets() {
  if (offset_width_ > 0) std::memset(offsets_.append(offset_width_), 0, offset_width_);
}

void ColumnAppender::reserve(int64_t rows, size_t data_bytes) {
  const size_t n = static_cast<size_t>(rows);
  validity_.reserve(n / 8 + 1);
  if (offset_width_ > 0) {
    offsets_.reserve(offset_width_ * (n + 1));
    values_.reserve(data_bytes);
  } else if (!boolean_) {
    values_.reserve(width_ * n);
  } else {
    values_.reserve(n / 8 + 1);
  }
}

void ColumnAppender::grow_bits() {
  // One more byte of bits (8 rows) at a time, zeroed; the buffers were reserved for the batch, so this
  // rarely reallocates.
  validity_.zero_extend(validity_.size() + 1);
  if (boolean_) values_.zero_extend(validity_.size());
}

void ColumnAppender::end_variable() {
  const size_t end = values_.size();
  if (offset_width_ == 8) {
    const int64_t end64 = static_cast<int64_t>(end);
    std::memcpy(offsets_.append(8), &end64, 8);
  } else {
    if (end > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
      throw invalid_argument("more than 2 GiB of " + type_.name() + " data in one batch; use smaller batches");
    const int32_t end32 = static_cast<int32_t>(end);
    std::memcpy(offsets_.append(4), &end32, 4);
  }
  ++length_;
}

void ColumnAppender::finish(ArrowArray* out) {
  auto* storage = new ColumnStorage;
  storage->pool = pool_;
  int n_buffers = 2;
  if (type_.id == TypeId::Null) {
    // A null array has no buffers; the bits kept while appending are simply returned.
    size_t capacity = 0;
    storage->buffers[0] = validity_.release(&capacity);
    storage->capacities[0] = capacity;
    n_buffers = 0;
  } else {
    storage->buffers[0] = validity_.release(&storage->capacities[0]);
    storage->pointers[0] = null_count_ > 0 ? storage->buffers[0] : nullptr;
    if (offset_width_ > 0) {
      storage->buffers[1] = offsets_.release(&storage->capacities[1]);
      storage->buffers[2] = values_.release(&storage->capacities[2]);
      storage->pointers[1] = storage->buffers[1];
      storage->pointers[2] = storage->buffers[2];
      n_buffers = 3;
    } else {
      storage->buffers[1] = values_.release(&storage->capacities[1]);
      storage->pointers[1] = storage->buffers[1];
    }
  }
  *out = ArrowArray{};
  out->length = length_;
  out->null_count = null_count_;
  out->n_buffers = n_buffers;
  out->buffers = n_buffers > 0 ? storage->pointers : nullptr;
  out->release = &release_column;
  out->private_data = storage;
  length_ = 0;
  null_count_ = 0;
  start_offsets();
}

// --- Struct batches -------------------------------------------------------------------------------

void wrap_struct(std::vector<ArrowArray> children, int64_t rows, ArrowArray* out) {
  std::unique_ptr<StructStorage> storage;
  try {
    storage = std::make_unique<StructStorage>();
    storage->pointers.reserve(children.size());
  } catch (...) {
    for (auto& child : children)
      if (child.release != nullptr) child.release(&child);
    throw;
  }
  storage->children = std::move(children);
  for (auto& child : storage->children) storage->pointers.push_back(&child);  // reserved: cannot throw
  *out = ArrowArray{};
  out->length = rows;
  out->n_buffers = 1;
  out->buffers = storage->validity;
  out->n_children = static_cast<int64_t>(storage->children.size());
  out->children = storage->pointers.data();
  out->release = &release_struct;
  out->private_data = storage.release();
}

}  // namespace mageio::sdk
