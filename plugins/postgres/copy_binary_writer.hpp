// Encodes Arrow batches into PostgreSQL's binary COPY format (COPY ... FROM STDIN (FORMAT binary)) and
// streams them with PQputCopyData in chunks of about 1 MiB.
//
// Binary COPY is strict: each field must be exactly the binary form of the *target column's* type
// (an int8 field for an integer column is rejected). So every column is encoded for its target
// type: integers are range-checked and narrowed or widened, decimals become numeric, text becomes
// text/varchar/char/json/jsonb/uuid, timestamps of any unit become microseconds since 2000-01-01.
// Pairs the encoder cannot produce (encoding_for returns nullopt) make the export go through a staging
// table with a server-side cast instead (pg_export.cpp).
#pragma once

#include "pg_connection.hpp"
#include "pg_types.hpp"

#include <mageio/mageio_abi.h>
#include <mageio/sdk/types.hpp>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace mageio::postgres {

enum class Encode : uint8_t {
  Null,  // an Arrow null column: every field NULL, whatever the target type
  Bool,
  Int2,
  Int4,
  Int8,
  NumericFromInteger,
  NumericFromDecimal,
  Float4FromFloat32,
  Float8FromFloat32,
  Float8FromFloat64,
  Text,
  Jsonb,
  Uuid,
  Bytea,
  Date,
  Timestamp,
  Time,
};

/// How an Arrow column of type `source` is written into a column of type `target`; nullopt when the
/// encoder cannot write that pair directly.
std::optional<Encode> encoding_for(const sdk::DataType& source, Oid target);

struct EncodePlan {
  std::string name;  // for messages
  sdk::DataType source;
  Encode encode = Encode::Null;
};

class CopyBinaryWriter {
 public:
  CopyBinaryWriter(Connection& connection, std::vector<EncodePlan> plan);

  /// The COPY header. Call once, after the server entered COPY IN.
  void begin();
  /// Encodes every row of a struct batch (already validated against the stream's schema) and sends
  /// full chunks. Throws Error(INVALID_ARGUMENT) naming column and row for a value the target column
  /// cannot take (out of range integer, malformed uuid, timestamp beyond PostgreSQL's range).
  void write(const ArrowArray& batch);
  /// The trailer and the last chunk, then PQputCopyEnd. The caller reads the COPY's result.
  void end();
  /// Ends the COPY with an error (PQputCopyEnd with a message) so that the server rolls it back.
  void abort(const std::string& reason) noexcept;

  int64_t rows() const { return rows_; }
  int64_t bytes_sent() const { return bytes_sent_; }

 private:
  struct Source;
  void flush();
  void ensure(size_t n) {
    if (used_ + n > buffer_.size()) make_room(n);
  }
  void make_room(size_t n);
  void put16(uint16_t v) {
    v = __builtin_bswap16(v);
    std::memcpy(buffer_.data() + used_, &v, 2);
    used_ += 2;
  }
  void put32(uint32_t v) {
    v = __builtin_bswap32(v);
    std::memcpy(buffer_.data() + used_, &v, 4);
    used_ += 4;
  }
  void put64(uint64_t v) {
    v = __builtin_bswap64(v);
    std::memcpy(buffer_.data() + used_, &v, 8);
    used_ += 8;
  }
  /// A length-prefixed field of `size` bytes; large ones are sent straight from the Arrow buffer.
  void put_field(const void* data, size_t size, size_t column, int64_t row);
  [[noreturn]] void fail(size_t column, int64_t row, const std::string& problem) const;

  // The steps of write(): the batch's buffers, then one field per value by its encoding (defined inline
  // in the .cpp, so the row loop compiles as one function).
  std::vector<Source> sources_of(const ArrowArray& batch) const;
  void put_value(const Source& s, Encode encode, size_t column, int64_t row);
  void put_integer(const Source& s, Encode encode, size_t column, int64_t row);
  void put_numeric(const Source& s, Encode encode, size_t column, int64_t row);
  void put_float(const Source& s, Encode encode, int64_t row);
  void put_jsonb(const Source& s, size_t column, int64_t row);
  void put_uuid(const Source& s, size_t column, int64_t row);
  void put_date(const Source& s, size_t column, int64_t row);
  void put_timestamp(const Source& s, size_t column, int64_t row);
  void put_time(const Source& s, int64_t row);
  static int64_t read_int(const Source& s, int64_t row, bool& too_big);

  Connection& connection_;
  std::vector<EncodePlan> plan_;
  std::vector<uint8_t> buffer_;
  size_t used_ = 0;
  int64_t rows_ = 0;
  int64_t bytes_sent_ = 0;
  bool ended_ = false;
};

}  // namespace mageio::postgres
