// Producing an ArrowArrayStream from C++: implement BatchSource, hand it to export_stream.
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/sdk/error.hpp>  // status_to_errno, errno_to_status (declared with the error type)
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
/// from get_last_error, and the whole error (status, SQLSTATE, vendor code) from stream_error.
void export_stream(std::unique_ptr<BatchSource> source, ArrowArrayStream* out);

/// The plugin's MageioPluginDescriptor.stream_error (ABI 1.1): fills `error` with the last failure of
/// a stream export_stream made (in this plugin) and returns its status; MAGEIO_STATUS_OK for any other
/// stream or one whose last call succeeded.
MageioStatus stream_error(ArrowArrayStream* stream, MageioError* error) noexcept;

/// A source with a schema and no rows (e.g. a load of an empty table).
std::unique_ptr<BatchSource> empty_source(Schema schema);

}  // namespace mageio::sdk
