// Fast typed appenders: Arrow columns built in place, for load hot paths that already know each
// column's layout. An append is a bounds check and a memcpy into malloc'd buffers; finish() hands those
// very buffers to the ArrowArray (its release callback frees them, or gives them back to a BufferPool):
// no per-value allocation, no copy at the end of a batch.
//
//   auto pool = std::make_shared<BufferPool>(2 * kDefaultBatchBytes);  // optional
//   std::vector<ColumnAppender> columns;
//   for (const auto& field : schema) columns.emplace_back(field.type, pool);
//   columns[0].append<int64_t>(42);          // the caller picks the C type matching the column
//   columns[1].append_bytes("hello", 5);     // utf8 / binary (and the large variants)
//   columns[2].append_null();
//   finish_struct(columns, rows, &out);      // one struct ("+s") batch; the columns start empty
//
// ColumnAppender checks nothing about values: append<T> must be given the column's own C type (int32_t
// for int32 and date32, int64_t for int64/timestamp/time64/duration, int128 for decimal128, ...).
// ColumnBuilder (arrow_builder.hpp) is the checked alternative: it picks the width, refuses values that
// do not fit, and is what most plugins want. (Moved from the postgres plugin's arrow_columns.)
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/sdk/types.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace mageio::sdk {

/// Memory of released batches, kept for the next ones. Without it every batch's buffers would be fresh
/// pages from the kernel (glibc maps and unmaps allocations this large), and zeroing those pages can cost
/// more CPU than decoding the rows. A consumer releases arrays on any thread, hence the mutex; at most
/// `max_bytes` are kept, so memory stays bounded.
class BufferPool {
 public:
  explicit BufferPool(size_t max_bytes) : max_bytes_(max_bytes) {}
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  /// A buffer of at least `size` bytes (the smallest kept one that fits, else a new one); its real
  /// capacity goes to *capacity.
  uint8_t* take(size_t size, size_t* capacity);
  /// Keeps the buffer for later, or frees it when the pool is full.
  void give(uint8_t* data, size_t capacity) noexcept;
  /// Bytes kept for reuse right now.
  size_t held() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<uint8_t*, size_t>> free_;
  size_t held_ = 0;
  size_t max_bytes_;
};

/// A growable malloc'd byte buffer whose memory can be handed over.
class AppendBuffer {
 public:
  AppendBuffer() = default;
  ~AppendBuffer() { drop(); }
  AppendBuffer(const AppendBuffer&) = delete;
  AppendBuffer& operator=(const AppendBuffer&) = delete;
  AppendBuffer(AppendBuffer&& other) noexcept
      : data_(other.data_), size_(other.size_), capacity_(other.capacity_), pool_(std::move(other.pool_)) {
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  AppendBuffer& operator=(AppendBuffer&& other) noexcept {
    if (this != &other) {
      drop();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
      pool_ = std::move(other.pool_);
    }
    return *this;
  }
  void set_pool(std::shared_ptr<BufferPool> pool) { pool_ = std::move(pool); }

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  /// Room for n more bytes at the end; returns where they go and counts them as used.
  uint8_t* append(size_t n) {
    if (size_ + n > capacity_) grow(size_ + n);
    uint8_t* at = data_ + size_;
    size_ += n;
    return at;
  }
  /// Makes sure n more bytes fit without counting them (for writing in place, then commit).
  uint8_t* reserve_tail(size_t n) {
    if (size_ + n > capacity_) grow(size_ + n);
    return data_ + size_;
  }
  void commit(size_t n) { size_ += n; }
  /// Grows to `size` bytes, the new ones zero (bitmaps).
  void zero_extend(size_t size) {
    if (size <= size_) return;
    if (size > capacity_) grow(size);
    std::memset(data_ + size_, 0, size - size_);
    size_ = size;
  }
  void reserve(size_t capacity) {
    if (capacity > capacity_) grow(capacity);
  }
  /// Gives up the memory (the caller frees it with std::free, or gives it to the pool) and its capacity,
  /// and starts empty. Never null, even for an empty buffer (consumers get a valid pointer).
  uint8_t* release(size_t* capacity) {
    if (data_ == nullptr) grow(8);
    uint8_t* out = data_;
    *capacity = capacity_;
    data_ = nullptr;
    size_ = capacity_ = 0;
    return out;
  }

 private:
  void grow(size_t needed);
  void drop() noexcept {
    if (data_ != nullptr) pool_ ? pool_->give(data_, capacity_) : std::free(data_);
  }
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  std::shared_ptr<BufferPool> pool_;
};

/// One output column of any type of types.hpp. Every append writes exactly one row.
class ColumnAppender {
 public:
  /// `pool` (may be null) supplies the buffers and gets them back when the consumer releases a batch.
  explicit ColumnAppender(DataType type, std::shared_ptr<BufferPool> pool = nullptr);

  const DataType& type() const { return type_; }
  int64_t length() const { return length_; }
  int64_t null_count() const { return null_count_; }
  size_t byte_size() const { return validity_.size() + values_.size() + offsets_.size(); }
  /// Pre-sizes the buffers for a batch of about `rows` rows with `data_bytes` of variable-width data.
  void reserve(int64_t rows, size_t data_bytes);

  void append_null() {
    ensure_bits();
    ++null_count_;
    if (offset_width_ == 4) {
      const int32_t end = static_cast<int32_t>(values_.size());
      std::memcpy(offsets_.append(4), &end, 4);
    } else if (offset_width_ == 8) {
      const int64_t end = static_cast<int64_t>(values_.size());
      std::memcpy(offsets_.append(8), &end, 8);
    } else if (width_ > 0) {
      std::memset(values_.append(width_), 0, width_);
    }
    ++length_;
  }
  /// A fixed-width value; T must be the column's own C type (same size as its byte width).
  template <typename T>
  void append(T value) {
    ensure_bits();
    set_valid();
    std::memcpy(values_.append(sizeof(T)), &value, sizeof(T));
    ++length_;
  }
  void append_bool(bool value) {
    ensure_bits();
    set_valid();
    if (value) values_.data()[length_ >> 3] |= static_cast<uint8_t>(1u << (length_ & 7));
    ++length_;
  }
  /// A utf8/binary value (large or not); the caller guarantees valid UTF-8 for the string types.
  void append_bytes(const void* data, size_t size) {
    ensure_bits();
    set_valid();
    if (size > 0) std::memcpy(values_.append(size), data, size);
    end_variable();
  }
  /// For formatting a value in place: room for `max` bytes, then commit_bytes(n) with what was written.
  uint8_t* begin_bytes(size_t max) { return values_.reserve_tail(max); }
  void commit_bytes(size_t size) {
    ensure_bits();
    set_valid();
    values_.commit(size);
    end_variable();
  }

  /// Moves the column into *out (caller owns it; its release frees the buffers) and starts empty.
  void finish(ArrowArray* out);

 private:
  void ensure_bits() {
    if (static_cast<size_t>(length_ >> 3) >= validity_.size()) grow_bits();
  }
  void grow_bits();
  void set_valid() { validity_.data()[length_ >> 3] |= static_cast<uint8_t>(1u << (length_ & 7)); }
  void end_variable();
  void start_offsets();

  DataType type_;
  std::shared_ptr<BufferPool> pool_;
  size_t offset_width_ = 0;  // 4 (utf8, binary), 8 (large_utf8, large_binary), 0 (fixed width)
  bool boolean_ = false;
  size_t width_ = 0;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  AppendBuffer validity_;  // always kept (setting a bit is cheaper than testing for the first null)
  AppendBuffer values_;    // fixed-width values, bit-packed booleans, or string bytes
  AppendBuffer offsets_;   // int32 or int64 offsets for the string and binary types
};

/// Wraps finished columns into a struct ("+s") array of `rows` rows with no null rows; *out owns them
/// (its release releases each child). Takes the children over.
void wrap_struct(std::vector<ArrowArray> children, int64_t rows, ArrowArray* out);

/// Finishes every column (anything with `finish(ArrowArray*)`: ColumnAppender, ColumnBuilder) and wraps
/// them into a struct ("+s") array of `rows` rows; *out owns them. On a throw, the children finished so
/// far are released.
template <typename Column>
void finish_struct(std::vector<Column>& columns, int64_t rows, ArrowArray* out) {
  std::vector<ArrowArray> children(columns.size());
  try {
    for (size_t i = 0; i < columns.size(); ++i) columns[i].finish(&children[i]);
  } catch (...) {
    for (auto& child : children)
      if (child.release != nullptr) child.release(&child);
    throw;
  }
  wrap_struct(std::move(children), rows, out);
}

}  // namespace mageio::sdk
