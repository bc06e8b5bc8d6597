// The Arrow PyCapsule interface: C Data Interface structs in capsules named "arrow_schema",
// "arrow_array" and "arrow_array_stream". A capsule owns its struct: its destructor releases the struct
// unless a consumer moved it out (release set to NULL), as the interface requires.
#include "binding.hpp"

#include <nanobind/stl/string.h>

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/error.hpp>

#include <cerrno>
#include <cstring>

namespace mageio::python {
namespace {

template <class T>
void release_capsule(PyObject* capsule, const char* name) {
  auto* data = static_cast<T*>(PyCapsule_GetPointer(capsule, name));
  if (data == nullptr) {
    PyErr_Clear();
    return;
  }
  if (data->release != nullptr) data->release(data);
  delete data;
}

extern "C" void release_schema_capsule(PyObject* capsule) { release_capsule<ArrowSchema>(capsule, "arrow_schema"); }
extern "C" void release_array_capsule(PyObject* capsule) { release_capsule<ArrowArray>(capsule, "arrow_array"); }
extern "C" void release_stream_capsule(PyObject* capsule) {
  release_capsule<ArrowArrayStream>(capsule, "arrow_array_stream");
}

template <class T>
nb::object make_capsule(T&& value, const char* name, PyCapsule_Destructor destructor) {
  auto* data = new T(value);
  value.release = nullptr;  // moved into the capsule
  PyObject* capsule = PyCapsule_New(data, name, destructor);
  if (capsule == nullptr) {
    if (data->release != nullptr) data->release(data);
    delete data;
    throw nb::python_error();
  }
  return nb::steal(capsule);
}

// The private data of a stream wrapped around a BatchReader.
struct WrappedReader {
  BatchReader reader;
  std::string last_error;
};

int wrapped_get_schema(ArrowArrayStream* stream, ArrowSchema* out) {
  auto* self = static_cast<WrappedReader*>(stream->private_data);
  ArrowArrayStream* inner = self->reader.stream();
  const int code = inner->get_schema(inner, out);
  if (code != 0) {
    const char* message = inner->get_last_error(inner);
    self->last_error = message != nullptr ? message : "could not read the schema";
  }
  return code;
}

int wrapped_get_next(ArrowArrayStream* stream, ArrowArray* out) {
  auto* self = static_cast<WrappedReader*>(stream->private_data);
  try {
    sdk::OwnedArray batch;
    if (!self->reader.next(batch)) {
      std::memset(out, 0, sizeof *out);  // release NULL: the end of the stream
      return 0;
    }
    *out = batch.array;
    batch.array.release = nullptr;
    return 0;
  } catch (const sdk::Error& e) {
    self->last_error = e.what();
    return sdk::status_to_errno(e.status());
  } catch (const std::exception& e) {
    self->last_error = e.what();
    return EIO;
  }
}

const char* wrapped_get_last_error(ArrowArrayStream* stream) {
  auto* self = static_cast<WrappedReader*>(stream->private_data);
  return self->last_error.empty() ? nullptr : self->last_error.c_str();
}

void wrapped_release(ArrowArrayStream* stream) {
  delete static_cast<WrappedReader*>(stream->private_data);  // the plugin's stream, then its library
  stream->release = nullptr;
}

}  // namespace

nb::object schema_capsule(ArrowSchema&& schema) {
  return make_capsule(std::move(schema), "arrow_schema", release_schema_capsule);
}
nb::object array_capsule(ArrowArray&& array) {
  return make_capsule(std::move(array), "arrow_array", release_array_capsule);
}
nb::object stream_capsule(ArrowArrayStream&& stream) {
  return make_capsule(std::move(stream), "arrow_array_stream", release_stream_capsule);
}

ArrowArrayStream take_stream(nb::handle capsule) {
  if (!PyCapsule_IsValid(capsule.ptr(), "arrow_array_stream"))
    throw nb::type_error("__arrow_c_stream__() did not return an 'arrow_array_stream' PyCapsule");
  auto* stream = static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(capsule.ptr(), "arrow_array_stream"));
  if (stream == nullptr) throw nb::python_error();
  if (stream->release == nullptr) throw UsageError("the Arrow stream capsule was already consumed");
  ArrowArrayStream taken = *stream;
  stream->release = nullptr;
  return taken;
}

ArrowArrayStream wrap_reader(BatchReader reader) {
  ArrowArrayStream stream{};
  stream.private_data = new WrappedReader{std::move(reader), {}};
  stream.get_schema = wrapped_get_schema;
  stream.get_next = wrapped_get_next;
  stream.get_last_error = wrapped_get_last_error;
  stream.release = wrapped_release;
  return stream;
}

}  // namespace mageio::python
