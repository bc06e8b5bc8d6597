#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/error.hpp>

#include <cerrno>
#include <string>

namespace mageio::sdk {
namespace {

struct StreamState {
  std::unique_ptr<BatchSource> source;
  std::string last_error;
  bool finished = false;
};

// Runs `step`, turning any exception into an errno-style code and the stream's last error: nothing
// thrown may cross the C boundary.
template <typename Step>
int guarded(ArrowArrayStream* stream, Step&& step) {
  auto* state = static_cast<StreamState*>(stream->private_data);
  try {
    state->last_error.clear();
    step(*state);
    return 0;
  } catch (const Error& error) {
    state->last_error = error.what();
    return status_to_errno(error.status());
  } catch (const std::exception& error) {
    state->last_error = error.what();
    return EIO;
  } catch (...) {
    state->last_error = "unknown error";
    return EIO;
  }
}

int get_schema(ArrowArrayStream* stream, ArrowSchema* out) {
  return guarded(stream, [&](StreamState& state) { export_schema(state.source->schema(), out); });
}

int get_next(ArrowArrayStream* stream, ArrowArray* out) {
  return guarded(stream, [&](StreamState& state) {
    *out = ArrowArray{};  // released array == end of stream
    if (state.finished) return;
    if (!state.source->next(out)) {
      state.finished = true;
      *out = ArrowArray{};
    }
  });
}

const char* get_last_error(ArrowArrayStream* stream) {
  auto* state = static_cast<StreamState*>(stream->private_data);
  return state->last_error.empty() ? nullptr : state->last_error.c_str();
}

void release(ArrowArrayStream* stream) {
  if (stream == nullptr || stream->release == nullptr) return;
  auto* state = static_cast<StreamState*>(stream->private_data);
  try {
    delete state;  // a source's destructor may talk to its backend; never let that escape
  } catch (...) {
  }
  stream->release = nullptr;
  stream->private_data = nullptr;
}

class EmptySource : public BatchSource {
 public:
  explicit EmptySource(Schema schema) : schema_(std::move(schema)) {}
  const Schema& schema() const override { return schema_; }
  bool next(ArrowArray*) override { return false; }

 private:
  Schema schema_;
};

}  // namespace

void export_stream(std::unique_ptr<BatchSource> source, ArrowArrayStream* out) {
  *out = ArrowArrayStream{};
  out->get_schema = &get_schema;
  out->get_next = &get_next;
  out->get_last_error = &get_last_error;
  out->release = &release;
  out->private_data = new StreamState{std::move(source), {}, false};
}

int status_to_errno(MageioStatus status) {
  switch (status) {
    case MAGEIO_STATUS_INVALID_ARGUMENT: return EINVAL;
    case MAGEIO_STATUS_NOT_FOUND: return ENOENT;
    case MAGEIO_STATUS_ALREADY_EXISTS: return EEXIST;
    case MAGEIO_STATUS_NOT_IMPLEMENTED: return ENOSYS;
    case MAGEIO_STATUS_UNAUTHENTICATED: return EACCES;
    case MAGEIO_STATUS_UNAVAILABLE: return ECONNRESET;
    case MAGEIO_STATUS_CANCELLED: return ECANCELED;
    case MAGEIO_STATUS_BACKEND: return EPROTO;
    default: return EIO;
  }
}

MageioStatus errno_to_status(int code) {
  switch (code) {
    case EINVAL: return MAGEIO_STATUS_INVALID_ARGUMENT;
    case ENOENT: return MAGEIO_STATUS_NOT_FOUND;
    case EEXIST: return MAGEIO_STATUS_ALREADY_EXISTS;
    case ENOSYS: return MAGEIO_STATUS_NOT_IMPLEMENTED;
    case EACCES: return MAGEIO_STATUS_UNAUTHENTICATED;
    case ECONNRESET: return MAGEIO_STATUS_UNAVAILABLE;
    case ECANCELED: return MAGEIO_STATUS_CANCELLED;
    case EPROTO: return MAGEIO_STATUS_BACKEND;
    default: return MAGEIO_STATUS_IO;
  }
}

std::unique_ptr<BatchSource> empty_source(Schema schema) { return std::make_unique<EmptySource>(std::move(schema)); }

}  // namespace mageio::sdk
