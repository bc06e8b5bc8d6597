// Producing an ArrowArrayStream from C++: implement BatchSource, hand it to export_stream.
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/sdk/types.hpp>

#include <memory>

namespace mageio::sdk {

/// Yields batches one at a time. Exceptions thrown by next() reach the consumer as the stream's error
/// (get_last_error), so a source never needs to catch them itself.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual const Schema& schema() const = 0;
  /// Writes the next struct batch into *out (see BatchBuilder::finish); false when there is no more.
  virtual bool next(ArrowArray* out) = 0;
  /// How many rows the whole stream will yield, when the source knows it (a row count from the
  /// backend, file metadata), else -1. The SDK passes it to the host with progress, which can then
  /// show a total and an ETA. Asked after every batch, so it may become known late.
  virtual int64_t total_rows() const { return -1; }
};

/// Wraps `source` into *out, which the caller then owns. The stream owns the source and destroys it
/// on release. Errors: the errno code of the exception's status (status_to_errno) with its message
/// from get_last_error.
void export_stream(std::unique_ptr<BatchSource> source, ArrowArrayStream* out);

/// The Arrow stream interface carries only an errno-compatible code, so a status crosses it as one of
/// these (and back, for any producer): INVALID_ARGUMENT EINVAL, NOT_FOUND ENOENT, ALREADY_EXISTS
/// EEXIST, NOT_IMPLEMENTED ENOSYS, UNAUTHENTICATED EACCES, UNAVAILABLE ECONNRESET, CANCELLED ECANCELED,
/// BACKEND EPROTO, IO and INTERNAL EIO.
int status_to_errno(MageioStatus status);
MageioStatus errno_to_status(int code);

/// A source with a schema and no rows (e.g. a load of an empty table).
std::unique_ptr<BatchSource> empty_source(Schema schema);

}  // namespace mageio::sdk
