#include "copy_binary_reader.hpp"

#include "pg_numeric.hpp"

#include <mageio/sdk/error.hpp>

#include <libpq-fe.h>

#include <cstring>
#include <limits>

namespace mageio::postgres {
namespace {

constexpr uint8_t kSignature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0};

inline uint16_t load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

const char kHex[] = "0123456789abcdef";

size_t fixed_length(Decode decode) {
  switch (decode) {
    case Decode::Bool: return 1;
    case Decode::Int16: return 2;
    case Decode::Int32:
    case Decode::Oid:
    case Decode::Float32:
    case Decode::Date: return 4;
    case Decode::Int64:
    case Decode::Float64:
    case Decode::Timestamp:
    case Decode::Time: return 8;
    case Decode::Uuid: return 16;
    default: return 0;  // variable
  }
}

}  // namespace

CopyBinaryDecoder::CopyBinaryDecoder(std::vector<ColumnPlan> plan) : plan_(std::move(plan)) {
  for (const auto& column : plan_) decodes_.push_back(column.decode);
}

CopyBinaryDecoder::~CopyBinaryDecoder() { release_message(); }

void CopyBinaryDecoder::release_message() {
  if (message_ != nullptr) PQfreemem(message_);
  message_ = nullptr;
}

void CopyBinaryDecoder::fail_value(size_t column, const std::string& problem) const {
  throw sdk::invalid_argument("column \"" + plan_[column].name + "\", row " + std::to_string(rows_decoded_ + 1) + ": " +
                              problem);
}

void CopyBinaryDecoder::fail_stream(const std::string& problem) const {
  throw sdk::Error(MAGEIO_STATUS_INTERNAL, "malformed binary COPY data from the server at row " +
                                               std::to_string(rows_decoded_ + 1) + ": " + problem);
}

void CopyBinaryDecoder::feed(char* message, int length) {
  bytes_received_ += length;
  const auto* data = reinterpret_cast<const uint8_t*>(message);
  if (carry_.empty()) {
    release_message();
    message_ = message;
    pos_ = data;
    end_ = data + length;
    in_carry_ = false;
    return;
  }
  // Finish the carried-over tuple with this message.
  carry_.insert(carry_.end(), data, data + length);
  PQfreemem(message);
  pos_ = carry_.data();
  end_ = carry_.data() + carry_.size();
  in_carry_ = true;
}

size_t CopyBinaryDecoder::scan_header(const uint8_t* p, const uint8_t* end) const {
  if (end - p < 19) return 0;
  if (std::memcmp(p, kSignature, sizeof kSignature) != 0) fail_stream("the COPY signature is missing");
  const uint32_t flags = load32(p + 11);
  if (flags & 0x10000u) fail_stream("the server sent OIDs (WITH OIDS), which are not supported");
  const uint32_t extension = load32(p + 15);
  if (static_cast<size_t>(end - p) < 19 + static_cast<size_t>(extension)) return 0;
  return 19 + extension;
}

size_t CopyBinaryDecoder::scan_tuple(const uint8_t* p, const uint8_t* end) const {
  if (end - p < 2) return 0;
  const int16_t fields = static_cast<int16_t>(load16(p));
  if (fields == -1) return 2;  // the trailer
  if (fields != static_cast<int16_t>(plan_.size()))
    fail_stream("a row of " + std::to_string(fields) + " fields where " + std::to_string(plan_.size()) +
                " were described (did the table change between describing and copying?)");
  const uint8_t* q = p + 2;
  for (int16_t i = 0; i < fields; ++i) {
    if (end - q < 4) return 0;
    const int32_t length = static_cast<int32_t>(load32(q));
    q += 4;
    if (length < 0) {
      if (length != -1) fail_stream("a negative field length");
      continue;
    }
    if (end - q < length) return 0;
    const size_t expected = fixed_length(decodes_[static_cast<size_t>(i)]);
    if (expected != 0 && static_cast<size_t>(length) != expected)
      fail_stream("column \"" + plan_[static_cast<size_t>(i)].name + "\" has a " + std::to_string(length) +
                  "-byte value where " + std::to_string(expected) + " bytes were expected");
    q += length;
  }
  return static_cast<size_t>(q - p);
}

CopyBinaryDecoder::Step CopyBinaryDecoder::decode(Batch& batch) {
  for (;;) {
    if (pos_ == end_ || pos_ == nullptr) {
      // Used up: drop the message (or the carry) and ask for more.
      if (in_carry_) {
        carry_.clear();
        in_carry_ = false;
      }
      release_message();
      pos_ = end_ = nullptr;
      return finished_ ? Step::End : Step::NeedInput;
    }
    if (finished_) fail_stream("data after the end-of-data marker");
    size_t size = header_done_ ? scan_tuple(pos_, end_) : scan_header(pos_, end_);
    if (size == 0) {
      // Incomplete: keep the rest for the next message.
      if (in_carry_) {
        carry_.erase(carry_.begin(), carry_.begin() + (pos_ - carry_.data()));
      } else {
        carry_.assign(pos_, end_);
        release_message();
      }
      pos_ = end_ = nullptr;
      in_carry_ = false;
      return Step::NeedInput;
    }
    if (!header_done_) {
      header_done_ = true;
      pos_ += size;
      continue;
    }
    if (size == 2 && static_cast<int16_t>(load16(pos_)) == -1) {
      finished_ = true;
      pos_ += size;
      continue;
    }
    decode_tuple(pos_, batch.columns);
    pos_ += size;
    ++rows_decoded_;
    ++batch.rows;
    batch.bytes += size;
    if (batch.rows >= batch.max_rows || batch.bytes >= batch.max_bytes) return Step::BatchFull;
  }
}

void CopyBinaryDecoder::decode_tuple(const uint8_t* p, std::vector<sdk::ColumnAppender>& columns) {
  p += 2;  // field count, checked by scan_tuple
  const size_t count = decodes_.size();
  for (size_t i = 0; i < count; ++i) {
    const int32_t length = static_cast<int32_t>(load32(p));
    p += 4;
    sdk::ColumnAppender& column = columns[i];
    if (length < 0) {
      column.append_null();
      continue;
    }
    const uint8_t* value = p;
    p += length;
    switch (decodes_[i]) {
      case Decode::Bool: column.append_bool(value[0] != 0); break;
      case Decode::Int16: column.append(static_cast<int16_t>(load16(value))); break;
      case Decode::Int32: column.append(static_cast<int32_t>(load32(value))); break;
      case Decode::Int64: column.append(static_cast<int64_t>(load64(value))); break;
      case Decode::Oid: column.append(static_cast<int64_t>(load32(value))); break;
      case Decode::Float32: {
        uint32_t bits = load32(value);
        float f;
        std::memcpy(&f, &bits, 4);
        column.append(f);
        break;
      }
      case Decode::Float64: {
        uint64_t bits = load64(value);
        double d;
        std::memcpy(&d, &bits, 8);
        column.append(d);
        break;
      }
      case Decode::Text:
      case Decode::Bytea: column.append_bytes(value, static_cast<size_t>(length)); break;
      case Decode::Jsonb:
        if (length < 1 || value[0] != 1)
          fail_value(i, "jsonb in an unknown binary version " + std::to_string(length < 1 ? -1 : value[0]));
        column.append_bytes(value + 1, static_cast<size_t>(length - 1));
        break;
      case Decode::Uuid: {
        uint8_t* out = column.begin_bytes(36);
        for (int b = 0, o = 0; b < 16; ++b) {
          if (b == 4 || b == 6 || b == 8 || b == 10) out[o++] = '-';
          out[o++] = static_cast<uint8_t>(kHex[value[b] >> 4]);
          out[o++] = static_cast<uint8_t>(kHex[value[b] & 15]);
        }
        column.commit_bytes(36);
        break;
      }
      case Decode::Date: {
        const int32_t days = static_cast<int32_t>(load32(value));
        // PostgreSQL's infinities are INT32_MAX/INT32_MIN; they stay the same sentinels in date32.
        if (days == std::numeric_limits<int32_t>::max() || days == std::numeric_limits<int32_t>::min()) {
          column.append(days);
        } else {
          int32_t unix_days;
          if (__builtin_add_overflow(days, kEpochDaysOffset, &unix_days) ||
              unix_days == std::numeric_limits<int32_t>::max())
            fail_value(i, "the date is out of the range of date32");
          column.append(unix_days);
        }
        break;
      }
      case Decode::Timestamp: {
        const int64_t micros = static_cast<int64_t>(load64(value));
        if (micros == std::numeric_limits<int64_t>::max() || micros == std::numeric_limits<int64_t>::min()) {
          column.append(micros);  // +-infinity: PostgreSQL's own sentinels, kept as they are
        } else {
          int64_t unix_micros;
          if (__builtin_add_overflow(micros, kEpochMicrosOffset, &unix_micros) ||
              unix_micros == std::numeric_limits<int64_t>::max() || unix_micros == std::numeric_limits<int64_t>::min())
            fail_value(i,
                       "the timestamp is beyond what 64-bit microseconds since 1970 can hold (after the year 294246)");
          column.append(unix_micros);
        }
        break;
      }
      case Decode::Time: column.append(static_cast<int64_t>(load64(value))); break;
      case Decode::NumericDecimal: {
        sdk::int128 unscaled = 0;
        switch (numeric_to_decimal(value, length, column.type().scale, unscaled)) {
          case NumericValue::Finite: column.append(unscaled); break;
          case NumericValue::NaN:
          case NumericValue::PositiveInfinity:
          case NumericValue::NegativeInfinity: {
            scratch_.clear();
            numeric_to_text(value, length, scratch_);
            fail_value(i, "the numeric value " + scratch_ +
                              " has no decimal128 representation; load with options "
                              "{\"numeric_as_text\": true} or cast the column to text in the query");
          }
          case NumericValue::DoesNotFit: {
            scratch_.clear();
            numeric_to_text(value, length, scratch_);
            fail_value(i, "the numeric value " + scratch_ + " does not fit in " + column.type().name());
          }
          case NumericValue::Malformed: fail_value(i, "a malformed binary numeric");
        }
        break;
      }
      case Decode::NumericText:
        scratch_.clear();
        if (!numeric_to_text(value, length, scratch_)) fail_value(i, "a malformed binary numeric");
        column.append_bytes(scratch_.data(), scratch_.size());
        break;
    }
  }
}

}  // namespace mageio::postgres
