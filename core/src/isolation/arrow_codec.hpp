// Arrow C Data Interface structures to and from frame payloads.
//
// A schema is encoded field by field (format, name, metadata, flags, children). An array is encoded as a
// description (lengths, offsets, null counts, buffer sizes, children, in pre-order) followed by the
// buffers themselves, each starting at a multiple of 8 bytes. Buffer sizes are computed from the format
// string, for every type the SDK carries; a type it cannot size is refused with an error naming it.
// The sender hands the buffers to sendmsg as they are; the receiver's arrays point into the one
// allocation the frame was read into, which lives until the last of them is released.
#pragma once

#include "wire.hpp"

#include <mageio/mageio_abi.h>

#include <string>
#include <vector>

namespace mageio::isolation {

std::string encode_schema(const ArrowSchema& schema);
/// Fills `out` (which the caller then owns and releases) from an encoded schema.
void decode_schema(std::string_view bytes, ArrowSchema* out);

/// The iovecs of an encoded array: the description first (kept in `description`), then the buffers,
/// which stay owned by `array` (keep it alive until the frame is sent). Throws std::runtime_error for a
/// format it cannot size.
std::vector<iovec> encode_array(const ArrowSchema& schema, const ArrowArray& array, std::string& description);
/// Fills `out` from a batch frame of the stream whose encoded schema is `schema`; its buffers point into
/// the frame's payload. The other process is not trusted: an array whose structure does not match the
/// schema, or whose buffers are smaller than its type, offset and length need, nesting deeper than 64
/// levels or a truncated frame throw std::runtime_error (so readers never read past the frame).
void decode_array(const Frame& frame, std::string_view schema, ArrowArray* out);

/// A failed stream call as a stream_error frame carries it: the errno code and message any stream has,
/// then the producer's whole error when its plugin gave it (MageioStreamErrorFn, ABI 1.1); status is
/// MAGEIO_STATUS_OK when it did not.
struct StreamFailure {
  std::string message;
  MageioStatus status = MAGEIO_STATUS_OK;
  int32_t vendor_code = 0;
  std::string sqlstate;
};
/// The payload of a stream_error frame.
std::string encode_stream_failure(int code, const StreamFailure& failure);

/// The answer to a next_batch pull as ArrowArrayStream.get_next gives it: a batch (0, `out` filled), the
/// end (0, `out` released), or a stream error (its errno code, `failure` set). Any other frame: -1.
int read_stream_reply(const Frame& frame, std::string_view schema, ArrowArray* out, StreamFailure& failure);

}  // namespace mageio::isolation
