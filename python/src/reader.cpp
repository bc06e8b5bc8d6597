// mageio._mageio.Reader: the batches of one load, handed to Python one "arrow_array" capsule at a time
// (each batch crosses without a copy), or whole as an "arrow_array_stream" capsule.
#include "binding.hpp"

#include <nanobind/stl/string.h>

#include <mageio/sdk/arrow_reader.hpp>

namespace mageio::python {

Reader::Reader(std::shared_ptr<Session> session, BatchReader reader, std::string label)
    : session_(std::move(session)), reader_(std::move(reader)), label_(std::move(label)) {}

Reader::~Reader() {
  if (reader_) {
    // Closing a plugin's stream may wait on its backend (e.g. draining a query): not under the GIL.
    nb::gil_scoped_release no_gil;
    reader_.reset();
  }
}

BatchReader& Reader::get(const char* operation) {
  if (!reader_)
    throw UsageError(std::string(operation) + ": this reader of " + label_ + " was already consumed (" + consumed_by_ +
                     "); a reader can be read once: load again to read the rows again");
  return *reader_;
}

nb::object Reader::schema() {
  ArrowArrayStream* stream = get("schema").stream();
  ArrowSchema schema{};
  if (stream->get_schema(stream, &schema) != 0) {
    const char* message = stream->get_last_error(stream);
    throw sdk::Error(MAGEIO_STATUS_INTERNAL,
                     label_ + ": could not read the schema: " + (message != nullptr ? message : "no message"));
  }
  return schema_capsule(std::move(schema));
}

nb::object Reader::next_batch(nb::handle progress) {
  BatchReader& reader = get("next batch");
  BusyGuard busy({session_.get()}, "reading a batch");
  sdk::OwnedArray batch;
  bool more = false;
  try {
    run_interruptible([&] { more = reader.next(batch); }, {session_.get()}, progress);
  } catch (...) {
    // A failed or interrupted stream cannot go on.
    consumed_by_ = "its reading failed or was interrupted";
    nb::gil_scoped_release no_gil;
    reader_.reset();
    throw;
  }
  if (!more) {
    consumed_by_ = "every batch was read";
    nb::gil_scoped_release no_gil;
    reader_.reset();
    return nb::none();
  }
  rows_read_ += batch.array.length;
  ArrowArray array = batch.array;
  batch.array.release = nullptr;
  return array_capsule(std::move(array));
}

nb::object Reader::arrow_c_stream(nb::handle requested_schema) {
  if (!requested_schema.is_none())
    throw nb::type_error(
        "mageio reader: __arrow_c_stream__(requested_schema) is not supported: cast the data after reading it");
  BatchReader reader = std::move(get("__arrow_c_stream__"));
  reader_.reset();
  consumed_by_ = "it was handed over as an Arrow stream";
  return stream_capsule(wrap_reader(std::move(reader)));
}

void Reader::close() {
  if (!reader_) return;
  consumed_by_ = "it was closed";
  nb::gil_scoped_release no_gil;
  reader_.reset();
}

}  // namespace mageio::python
