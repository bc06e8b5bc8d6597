// Fuzz target: the host reading an isolated plugin's Arrow stream off the socket (core/src/isolation):
// the child process is not trusted, so the bytes of its schema and batch frames are the fuzzer's. They
// are decoded as the host decodes them (decode_schema, read_stream_reply), imported and validated by
// the SDK's StreamReader as any stream from a plugin, and every value of every accepted batch is read.
//
// Input: a little-endian uint16 length and that many bytes of encoded schema, then any number of batch
// frames, each a uint16 length and its payload. Each payload gets an allocation of exactly its size, so
// a decoded array that points past its frame is a heap overflow AddressSanitizer reports. Decoding
// errors become the stream's error (EIO), as in the host; only sdk::Error may come out of the reader.
#include "fuzz_input.hpp"

#include "isolation/arrow_codec.hpp"

#include <mageio/sdk/error.hpp>

#include <cerrno>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

using mageio::isolation::Frame;

struct FrameStream {
  std::string schema;
  std::vector<Frame> frames;
  size_t next = 0;
  mageio::isolation::StreamFailure error;
};

size_t take_length(mageio::fuzz::FuzzInput& in) {
  size_t low = in.byte();
  return low | (size_t{in.byte()} << 8);
}

int get_schema(ArrowArrayStream* stream, ArrowSchema* out) {
  auto* self = static_cast<FrameStream*>(stream->private_data);
  try {
    mageio::isolation::decode_schema(self->schema, out);
    return 0;
  } catch (const std::exception& e) {
    self->error.message = e.what();
    return EIO;
  }
}

int get_next(ArrowArrayStream* stream, ArrowArray* out) {
  auto* self = static_cast<FrameStream*>(stream->private_data);
  if (self->next == self->frames.size()) {
    *out = ArrowArray{};
    return 0;
  }
  try {
    int code = mageio::isolation::read_stream_reply(self->frames[self->next++], self->schema, out, self->error);
    return code >= 0 ? code : EIO;
  } catch (const std::exception& e) {  // what the host's remote_get_next does
    self->error.message = e.what();
    return EIO;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mageio::fuzz::FuzzInput in(data, size);
  FrameStream frames;
  for (size_t n = take_length(in); n > 0 && in.remaining() > 0; --n)
    frames.schema.push_back(static_cast<char>(in.byte()));
  while (in.remaining() > 0) {
    const size_t length = std::min(take_length(in), in.remaining());
    Frame frame;
    frame.type = mageio::isolation::Message::batch;
    frame.length = length;
    frame.payload = std::shared_ptr<std::byte>(new std::byte[length], std::default_delete<std::byte[]>());
    for (size_t i = 0; i < length; ++i) frame.payload.get()[i] = static_cast<std::byte>(in.byte());
    frames.frames.push_back(std::move(frame));
  }

  ArrowArrayStream stream{};
  stream.get_schema = &get_schema;
  stream.get_next = &get_next;
  stream.get_last_error = [](ArrowArrayStream* s) {
    return static_cast<FrameStream*>(s->private_data)->error.message.c_str();
  };
  stream.release = [](ArrowArrayStream* s) { s->release = nullptr; };
  stream.private_data = &frames;
  try {
    mageio::sdk::StreamReader reader(&stream, "isolated plugin");
    mageio::sdk::OwnedArray batch;
    while (reader.next(batch)) {
      mageio::sdk::BatchView view(batch.array, reader.schema());
      for (size_t c = 0; c < view.column_count(); ++c)
        for (int64_t row = 0; row < view.rows(); ++row)
          if (!view.column(c).is_null(row)) (void)view.column(c).to_text(row);
    }
  } catch (const mageio::sdk::Error&) {
    // A malformed stream: refused with an error, which is what the host must do.
  }
  return 0;
}
