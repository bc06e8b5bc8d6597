#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/detail/entry_point.hpp>
#include <mageio/sdk/error.hpp>

#include <cerrno>
#include <string>

namespace mageio::sdk {
namespace {

struct StreamState {
  std::unique_ptr<BatchSource> source;
  bool finished = false;
  // The last failure, whole: get_last_error gives its message, stream_error (ABI 1.1) all of it.
  std::string last_error;
  MageioStatus last_status = MAGEIO_STATUS_OK;
  std::string last_sqlstate;
  int32_t last_vendor_code = 0;

  int failed(MageioStatus status, std::string message, std::string sqlstate = {}, int32_t vendor_code = 0) {
    last_status = status;
    last_error = std::move(message);
    last_sqlstate = std::move(sqlstate);
    last_vendor_code = vendor_code;
    return status_to_errno(status);
  }
};

// Runs `step`, turning any exception into an errno-style code and the stream's last error: nothing
// thrown may cross the C boundary.
template <typename Step>
int guarded(ArrowArrayStream* stream, Step&& step) {
  auto* state = static_cast<StreamState*>(stream->private_data);
  try {
    state->last_error.clear();
    state->last_status = MAGEIO_STATUS_OK;
    step(*state);
    return 0;
  } catch (const Error& error) {
    return state->failed(error.status(), error.what(), error.sqlstate(), error.vendor_code());
  } catch (const std::exception& error) {
    return state->failed(MAGEIO_STATUS_INTERNAL, error.what());
  } catch (...) {
    return state->failed(MAGEIO_STATUS_INTERNAL, "unknown error");
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
  auto state = std::make_unique<StreamState>();
  state->source = std::move(source);
  out->private_data = state.release();
}

MageioStatus stream_error(ArrowArrayStream* stream, MageioError* error) noexcept {
  // Only streams export_stream made in this library: another plugin's (or the host's) stream has a
  // different release callback, since every plugin links its own copy of the SDK.
  if (stream == nullptr || stream->release != &release || stream->private_data == nullptr) return MAGEIO_STATUS_OK;
  const auto* state = static_cast<const StreamState*>(stream->private_data);
  if (state->last_status == MAGEIO_STATUS_OK) return MAGEIO_STATUS_OK;
  return fill_error(error, state->last_status, state->last_error.c_str(),
                    state->last_sqlstate.empty() ? nullptr : state->last_sqlstate.c_str(), state->last_vendor_code);
}

std::unique_ptr<BatchSource> empty_source(Schema schema) { return std::make_unique<EmptySource>(std::move(schema)); }

}  // namespace mageio::sdk
