#include "copy_binary_writer.hpp"

#include "pg_numeric.hpp"

#include <mageio/sdk/error.hpp>

#include <cstring>
#include <limits>

namespace mageio::postgres {
namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;     // what one PQputCopyData sends
constexpr size_t kDirectBytes = size_t{256} << 10;  // fields this large skip the chunk buffer
constexpr uint8_t kHeader[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};

bool is_int(sdk::TypeId id) {
  using sdk::TypeId;
  return id == TypeId::Int8 || id == TypeId::Int16 || id == TypeId::Int32 || id == TypeId::Int64 ||
         id == TypeId::UInt8 || id == TypeId::UInt16 || id == TypeId::UInt32 || id == TypeId::UInt64;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// uuid_in's forms: 32 hex digits, optionally in braces, with a hyphen allowed after any group of four.
bool parse_uuid(std::string_view text, uint8_t out[16]) {
  if (text.size() >= 2 && text.front() == '{' && text.back() == '}') text = text.substr(1, text.size() - 2);
  int digits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '-') {
      if (digits == 0 || digits % 4 != 0 || i + 1 == text.size() || text[i + 1] == '-') return false;
      continue;
    }
    int v = hex_value(c);
    if (v < 0 || digits >= 32) return false;
    if (digits % 2 == 0)
      out[digits / 2] = static_cast<uint8_t>(v << 4);
    else
      out[digits / 2] |= static_cast<uint8_t>(v);
    ++digits;
  }
  return digits == 32;
}

}  // namespace

std::optional<Encode> encoding_for(const sdk::DataType& source, Oid target) {
  using sdk::TypeId;
  const TypeId id = source.id;
  if (id == TypeId::Null) return Encode::Null;
  switch (target) {
    case oid::kBool:
      if (id == TypeId::Bool) return Encode::Bool;
      break;
    case oid::kInt2:
      if (is_int(id)) return Encode::Int2;
      break;
    case oid::kInt4:
      if (is_int(id)) return Encode::Int4;
      break;
    case oid::kInt8:
      if (is_int(id)) return Encode::Int8;
      break;
    case oid::kNumeric:
      if (is_int(id)) return Encode::NumericFromInteger;
      if (id == TypeId::Decimal128) return Encode::NumericFromDecimal;
      break;
    case oid::kFloat4:
      if (id == TypeId::Float32) return Encode::Float4FromFloat32;
      break;
    case oid::kFloat8:
      if (id == TypeId::Float32) return Encode::Float8FromFloat32;
      if (id == TypeId::Float64) return Encode::Float8FromFloat64;
      break;
    case oid::kText:
    case oid::kVarchar:
    case oid::kBpchar:
    case oid::kName:
    case oid::kJson:
      if (source.is_string()) return Encode::Text;
      break;
    case oid::kJsonb:
      if (source.is_string()) return Encode::Jsonb;
      break;
    case oid::kUuid:
      if (source.is_string()) return Encode::Uuid;
      break;
    case oid::kBytea:
      if (source.is_binary()) return Encode::Bytea;
      break;
    case oid::kDate:
      if (id == TypeId::Date32 || id == TypeId::Date64) return Encode::Date;
      break;
    case oid::kTimestamp:
    case oid::kTimestamptz:
      if (id == TypeId::Timestamp) return Encode::Timestamp;
      break;
    case oid::kTime:
      if (id == TypeId::Time32 || id == TypeId::Time64) return Encode::Time;
      break;
    default: break;
  }
  return std::nullopt;
}

// Raw access to one child array: the SDK's BatchView validated its layout; reading the buffers
// directly spares a type switch per value in the hot loop.
struct CopyBinaryWriter::Source {
  const uint8_t* validity = nullptr;
  const uint8_t* values = nullptr;  // values, or string data
  const uint8_t* offsets = nullptr;
  int64_t offset = 0;
  sdk::TypeId id = sdk::TypeId::Null;
  sdk::TimeUnit unit = sdk::TimeUnit::Micro;
  bool large = false;

  bool is_null(int64_t row) const {
    if (validity == nullptr) return false;
    const int64_t i = offset + row;
    return ((validity[i >> 3] >> (i & 7)) & 1) == 0;
  }
  template <typename T>
  T read(int64_t row) const {
    T value;
    std::memcpy(&value, values + (offset + row) * static_cast<int64_t>(sizeof(T)), sizeof(T));
    return value;
  }
  std::string_view string(int64_t row) const {
    const int64_t i = offset + row;
    int64_t begin, end;
    if (large) {
      std::memcpy(&begin, offsets + 8 * i, 8);
      std::memcpy(&end, offsets + 8 * (i + 1), 8);
    } else {
      int32_t b, e;
      std::memcpy(&b, offsets + 4 * i, 4);
      std::memcpy(&e, offsets + 4 * (i + 1), 4);
      begin = b;
      end = e;
    }
    return {reinterpret_cast<const char*>(values) + begin, static_cast<size_t>(end - begin)};
  }
  bool bit(int64_t row) const {
    const int64_t i = offset + row;
    return ((values[i >> 3] >> (i & 7)) & 1) != 0;
  }
};

CopyBinaryWriter::CopyBinaryWriter(Connection& connection, std::vector<EncodePlan> plan)
    : connection_(connection), plan_(std::move(plan)), buffer_(kChunkBytes + 64 * 1024) {}

void CopyBinaryWriter::fail(size_t column, int64_t row, const std::string& problem) const {
  throw sdk::invalid_argument("column \"" + plan_[column].name + "\", row " + std::to_string(rows_ + row + 1) + ": " +
                              problem);
}

void CopyBinaryWriter::flush() {
  if (used_ == 0) return;
  connection_.put_copy_data(reinterpret_cast<const char*>(buffer_.data()), used_, "sending COPY data failed");
  bytes_sent_ += static_cast<int64_t>(used_);
  used_ = 0;
}

void CopyBinaryWriter::make_room(size_t n) {
  flush();
  if (n > buffer_.size()) buffer_.resize(n);
}

void CopyBinaryWriter::put_field(const void* data, size_t size, size_t column, int64_t row) {
  if (size > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    fail(column, row, "a value of " + std::to_string(size) + " bytes is larger than PostgreSQL's 1 GB field limit");
  if (size >= kDirectBytes) {
    ensure(4);
    put32(static_cast<uint32_t>(size));
    flush();
    connection_.put_copy_data(static_cast<const char*>(data), size, "sending COPY data failed");
    bytes_sent_ += static_cast<int64_t>(size);
    return;
  }
  ensure(4 + size);
  put32(static_cast<uint32_t>(size));
  if (size > 0) std::memcpy(buffer_.data() + used_, data, size);
  used_ += size;
}

void CopyBinaryWriter::begin() {
  ensure(sizeof kHeader);
  std::memcpy(buffer_.data() + used_, kHeader, sizeof kHeader);
  used_ += sizeof kHeader;
}

std::vector<CopyBinaryWriter::Source> CopyBinaryWriter::sources_of(const ArrowArray& batch) const {
  using sdk::TypeId;
  std::vector<Source> sources(plan_.size());
  for (size_t c = 0; c < plan_.size(); ++c) {
    const ArrowArray& child = *batch.children[c];
    Source& s = sources[c];
    s.id = plan_[c].source.id;
    s.unit = plan_[c].source.unit;
    s.offset = child.offset;
    if (s.id == TypeId::Null) continue;
    s.validity = child.null_count == 0 ? nullptr : static_cast<const uint8_t*>(child.buffers[0]);
    if (plan_[c].source.is_string() || plan_[c].source.is_binary()) {
      s.offsets = static_cast<const uint8_t*>(child.buffers[1]);
      s.values = static_cast<const uint8_t*>(child.buffers[2]);
      s.large = s.id == TypeId::LargeUtf8 || s.id == TypeId::LargeBinary;
    } else {
      s.values = static_cast<const uint8_t*>(child.buffers[1]);
    }
  }
  return sources;
}

// Any integer column as int64 (uint64 above INT64_MAX sets `too_big`, for the caller's range check).
inline int64_t CopyBinaryWriter::read_int(const Source& s, int64_t row, bool& too_big) {
  using sdk::TypeId;
  switch (s.id) {
    case TypeId::Int8: return s.read<int8_t>(row);
    case TypeId::Int16: return s.read<int16_t>(row);
    case TypeId::Int32: return s.read<int32_t>(row);
    case TypeId::Int64: return s.read<int64_t>(row);
    case TypeId::UInt8: return s.read<uint8_t>(row);
    case TypeId::UInt16: return s.read<uint16_t>(row);
    case TypeId::UInt32: return s.read<uint32_t>(row);
    case TypeId::UInt64: {
      uint64_t v = s.read<uint64_t>(row);
      too_big = v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
      return static_cast<int64_t>(v);
    }
    default: return 0;
  }
}

inline void CopyBinaryWriter::put_integer(const Source& s, Encode encode, size_t c, int64_t r) {
  bool too_big = false;
  const int64_t v = read_int(s, r, too_big);
  if (encode == Encode::Int2) {
    if (too_big || v < INT16_MIN || v > INT16_MAX)
      fail(c, r, "value " + std::to_string(v) + " does not fit in smallint");
    ensure(6);
    put32(2);
    put16(static_cast<uint16_t>(static_cast<int16_t>(v)));
  } else if (encode == Encode::Int4) {
    if (too_big || v < INT32_MIN || v > INT32_MAX)
      fail(c, r, "value " + std::to_string(v) + " does not fit in integer");
    ensure(8);
    put32(4);
    put32(static_cast<uint32_t>(static_cast<int32_t>(v)));
  } else {
    if (too_big) fail(c, r, "value " + std::to_string(s.read<uint64_t>(r)) + " does not fit in bigint");
    ensure(12);
    put32(8);
    put64(static_cast<uint64_t>(v));
  }
}

inline void CopyBinaryWriter::put_numeric(const Source& s, Encode encode, size_t c, int64_t r) {
  sdk::int128 unscaled;
  int32_t scale = 0;
  if (encode == Encode::NumericFromDecimal) {
    unscaled = s.read<sdk::int128>(r);
    scale = plan_[c].source.scale;
  } else if (s.id == sdk::TypeId::UInt64) {
    unscaled = static_cast<sdk::int128>(s.read<uint64_t>(r));
  } else {
    bool unused = false;
    unscaled = read_int(s, r, unused);
  }
  ensure(4 + kMaxNumericBytes);
  const size_t at = used_;
  used_ += 4;
  const size_t size = decimal_to_numeric(unscaled, scale, buffer_.data() + used_);
  used_ += size;
  const uint32_t be = __builtin_bswap32(static_cast<uint32_t>(size));
  std::memcpy(buffer_.data() + at, &be, 4);
}

inline void CopyBinaryWriter::put_float(const Source& s, Encode encode, int64_t r) {
  if (encode == Encode::Float4FromFloat32) {
    ensure(8);
    put32(4);
    uint32_t bits;
    const float f = s.read<float>(r);
    std::memcpy(&bits, &f, 4);
    put32(bits);
    return;
  }
  ensure(12);
  put32(8);
  const double d = encode == Encode::Float8FromFloat32 ? static_cast<double>(s.read<float>(r)) : s.read<double>(r);
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  put64(bits);
}

inline void CopyBinaryWriter::put_jsonb(const Source& s, size_t c, int64_t r) {
  const std::string_view value = s.string(r);
  if (value.size() + 1 >= kDirectBytes) {
    std::string copy;
    copy.reserve(value.size() + 1);
    copy += '\1';
    copy += value;
    put_field(copy.data(), copy.size(), c, r);
    return;
  }
  ensure(5 + value.size());
  put32(static_cast<uint32_t>(value.size() + 1));
  buffer_[used_++] = 1;  // jsonb's binary version
  std::memcpy(buffer_.data() + used_, value.data(), value.size());
  used_ += value.size();
}

inline void CopyBinaryWriter::put_uuid(const Source& s, size_t c, int64_t r) {
  uint8_t bytes[16];
  const std::string_view value = s.string(r);
  if (!parse_uuid(value, bytes)) fail(c, r, "'" + std::string(value.substr(0, 64)) + "' is not a uuid");
  ensure(20);
  put32(16);
  std::memcpy(buffer_.data() + used_, bytes, 16);
  used_ += 16;
}

inline void CopyBinaryWriter::put_date(const Source& s, size_t c, int64_t r) {
  int32_t days;
  if (s.id == sdk::TypeId::Date32) {
    days = s.read<int32_t>(r);
    if (days != INT32_MAX && days != INT32_MIN) days -= kEpochDaysOffset;  // infinities stay
  } else {
    const int64_t ms = s.read<int64_t>(r);
    if (ms == INT64_MAX || ms == INT64_MIN) {
      days = ms == INT64_MAX ? INT32_MAX : INT32_MIN;
    } else {
      int64_t d = ms / 86400000 - (ms % 86400000 < 0 ? 1 : 0) - kEpochDaysOffset;
      if (d <= INT32_MIN || d >= INT32_MAX) fail(c, r, "the date is out of PostgreSQL's range");
      days = static_cast<int32_t>(d);
    }
  }
  ensure(8);
  put32(4);
  put32(static_cast<uint32_t>(days));
}

inline void CopyBinaryWriter::put_timestamp(const Source& s, size_t c, int64_t r) {
  const int64_t raw = s.read<int64_t>(r);
  int64_t pg;
  if (raw == INT64_MAX || raw == INT64_MIN) {
    pg = raw;  // +-infinity (see pg_types.hpp)
  } else {
    int64_t micros = raw;
    bool overflow = false;
    switch (s.unit) {
      case sdk::TimeUnit::Second: overflow = __builtin_mul_overflow(raw, int64_t{1000000}, &micros); break;
      case sdk::TimeUnit::Milli: overflow = __builtin_mul_overflow(raw, int64_t{1000}, &micros); break;
      case sdk::TimeUnit::Micro: break;
      case sdk::TimeUnit::Nano: micros = raw / 1000 - (raw % 1000 < 0 ? 1 : 0); break;
    }
    if (overflow || __builtin_sub_overflow(micros, kEpochMicrosOffset, &pg) || pg == INT64_MAX || pg == INT64_MIN)
      fail(c, r, "the timestamp is out of PostgreSQL's range");
  }
  ensure(12);
  put32(8);
  put64(static_cast<uint64_t>(pg));
}

inline void CopyBinaryWriter::put_time(const Source& s, int64_t r) {
  int64_t micros;
  if (s.id == sdk::TypeId::Time32) {
    const int64_t v = s.read<int32_t>(r);
    micros = s.unit == sdk::TimeUnit::Second ? v * 1000000 : v * 1000;
  } else {
    const int64_t v = s.read<int64_t>(r);
    micros = s.unit == sdk::TimeUnit::Nano ? v / 1000 : v;
  }
  ensure(12);
  put32(8);
  put64(static_cast<uint64_t>(micros));
}

inline void CopyBinaryWriter::put_value(const Source& s, Encode encode, size_t c, int64_t r) {
  switch (encode) {
    case Encode::Null: break;
    case Encode::Bool:
      ensure(5);
      put32(1);
      buffer_[used_++] = s.bit(r) ? 1 : 0;
      break;
    case Encode::Int2:
    case Encode::Int4:
    case Encode::Int8: put_integer(s, encode, c, r); break;
    case Encode::NumericFromInteger:
    case Encode::NumericFromDecimal: put_numeric(s, encode, c, r); break;
    case Encode::Float4FromFloat32:
    case Encode::Float8FromFloat32:
    case Encode::Float8FromFloat64: put_float(s, encode, r); break;
    case Encode::Text:
    case Encode::Bytea: {
      const std::string_view value = s.string(r);
      put_field(value.data(), value.size(), c, r);
      break;
    }
    case Encode::Jsonb: put_jsonb(s, c, r); break;
    case Encode::Uuid: put_uuid(s, c, r); break;
    case Encode::Date: put_date(s, c, r); break;
    case Encode::Timestamp: put_timestamp(s, c, r); break;
    case Encode::Time: put_time(s, r); break;
  }
}

void CopyBinaryWriter::write(const ArrowArray& batch) {
  const size_t columns = plan_.size();
  const std::vector<Source> sources = sources_of(batch);
  const int64_t rows = batch.length;
  for (int64_t r = 0; r < rows; ++r) {
    ensure(2);
    put16(static_cast<uint16_t>(columns));
    for (size_t c = 0; c < columns; ++c) {
      const Source& s = sources[c];
      const Encode encode = plan_[c].encode;
      if (encode == Encode::Null || s.is_null(r)) {
        ensure(4);
        put32(0xFFFFFFFFu);
        continue;
      }
      put_value(s, encode, c, r);
    }
    if (used_ >= kChunkBytes) flush();
  }
  rows_ += rows;
}

void CopyBinaryWriter::end() {
  ensure(2);
  put16(0xFFFF);
  flush();
  ended_ = true;
  connection_.put_copy_end(nullptr, "ending the COPY failed");
}

void CopyBinaryWriter::abort(const std::string& reason) noexcept {
  if (ended_) return;
  ended_ = true;
  used_ = 0;
  // Only queued: the caller's finish_command sends it (waiting with the cancel flag and timeouts).
  PQputCopyEnd(connection_.raw(), reason.c_str());
}

}  // namespace mageio::postgres
