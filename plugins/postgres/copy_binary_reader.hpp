// Decodes PostgreSQL's binary COPY stream (COPY ... TO STDOUT (FORMAT binary)) straight into Arrow
// columns.
//
// The stream: an 11-byte signature "PGCOPY\n\377\r\n\0", int32 flags, int32 header-extension length
// and the extension; then tuples: int16 field count, and per field an int32 length (-1 = NULL) and
// that many bytes in the type's binary send format; then the trailer, int16 -1. All big-endian.
//
// libpq hands the stream over as CopyData messages (PQgetCopyData). PostgreSQL sends one tuple per
// message (the header rides along with the first), but the decoder does not rely on that framing: a
// tuple split across messages is carried over to the next one. Each tuple is first scanned for its
// field lengths (a bounds check of the whole tuple), then decoded without further checks.
#pragma once

#include <mageio/sdk/appender.hpp>
#include "pg_types.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mageio::postgres {

class CopyBinaryDecoder {
 public:
  explicit CopyBinaryDecoder(std::vector<ColumnPlan> plan);
  ~CopyBinaryDecoder();
  CopyBinaryDecoder(const CopyBinaryDecoder&) = delete;
  CopyBinaryDecoder& operator=(const CopyBinaryDecoder&) = delete;

  const std::vector<ColumnPlan>& plan() const { return plan_; }

  /// The next CopyData message, as PQgetCopyData returned it; the decoder frees it (PQfreemem).
  /// Only call when decode() asked for input.
  void feed(char* message, int length);

  enum class Step { NeedInput, BatchFull, End };

  struct Batch {
    std::vector<sdk::ColumnAppender>& columns;
    int64_t rows = 0;  // rows in the batch so far
    size_t bytes = 0;  // COPY bytes decoded into it (a close proxy of the Arrow size)
    int64_t max_rows;
    size_t max_bytes;
  };

  /// Decodes tuples into the batch until the input is used up (NeedInput), the batch reached a bound
  /// (BatchFull; the rest of the input is kept) or the trailer was read (End). Throws Error
  /// (INVALID_ARGUMENT) naming column and row for a value Arrow cannot hold, (INTERNAL) for a stream
  /// that is not valid binary COPY.
  Step decode(Batch& batch);

  bool finished() const { return finished_; }
  int64_t rows_decoded() const { return rows_decoded_; }
  /// Bytes of COPY data received so far (progress).
  int64_t bytes_received() const { return bytes_received_; }

 private:
  /// Returns the tuple's size when [p, end) holds it completely, 0 when it does not.
  size_t scan_tuple(const uint8_t* p, const uint8_t* end) const;
  size_t scan_header(const uint8_t* p, const uint8_t* end) const;
  void decode_tuple(const uint8_t* p, std::vector<sdk::ColumnAppender>& columns);
  [[noreturn]] void fail_value(size_t column, const std::string& problem) const;
  [[noreturn]] void fail_stream(const std::string& problem) const;
  void release_message();

  std::vector<ColumnPlan> plan_;
  std::vector<Decode> decodes_;
  bool header_done_ = false;
  bool finished_ = false;
  int64_t rows_decoded_ = 0;
  int64_t bytes_received_ = 0;

  char* message_ = nullptr;  // the message being decoded (owned; PQfreemem)
  const uint8_t* pos_ = nullptr;
  const uint8_t* end_ = nullptr;
  std::vector<uint8_t> carry_;  // an incomplete tuple, waiting for the next message
  bool in_carry_ = false;       // pos_/end_ point into carry_
  std::string scratch_;         // numeric text
};

}  // namespace mageio::postgres
