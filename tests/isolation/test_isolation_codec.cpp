// The framing of Arrow data between the host and an isolated plugin's child process
// (core/src/isolation/arrow_codec): what the child sends is not trusted, so a batch frame whose buffers
// are smaller than its type, offset and length need, whose structure does not match the schema, or a
// schema nested without end, is refused before anything reads it. Found by fuzz/targets/isolation_frame.cpp.
#include "test_support.hpp"

#include "isolation/arrow_codec.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/arrow_reader.hpp>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

using namespace mageio;
using namespace mageio::isolation;

namespace {

// A batch frame as Channel::receive gives it: the iovecs of encode_array gathered into one allocation.
Frame gather(const std::vector<iovec>& parts) {
  Frame frame;
  frame.type = Message::batch;
  for (const iovec& part : parts) frame.length += part.iov_len;
  frame.payload = std::shared_ptr<std::byte>(new std::byte[frame.length], std::default_delete<std::byte[]>());
  size_t at = 0;
  for (const iovec& part : parts) {
    std::memcpy(frame.payload.get() + at, part.iov_base, part.iov_len);
    at += part.iov_len;
  }
  return frame;
}

// The description's int64 fields start after its own size: length, null count, offset, buffer count,
// then each buffer's size.
void set_field(Frame& frame, size_t index, int64_t value) {
  std::memcpy(frame.payload.get() + sizeof(int64_t) * (1 + index), &value, sizeof value);
}

struct Encoded {
  std::string schema;
  Frame frame;
};

Encoded encode_ints_and_strings() {
  sdk::Schema schema{{"n", sdk::int64()}, {"s", sdk::utf8()}};
  sdk::BatchBuilder builder(schema);
  for (int i = 0; i < 3; ++i) {
    builder.column(0).append_int(i);
    builder.column(1).append_string("value " + std::to_string(i));
    builder.end_row();
  }
  sdk::OwnedArray batch;
  builder.finish(&batch.array);
  sdk::OwnedSchema exported;
  sdk::export_schema(schema, &exported.schema);
  std::string description;
  Encoded encoded;
  encoded.schema = encode_schema(exported.schema);
  encoded.frame = gather(encode_array(exported.schema, batch.array, description));
  return encoded;
}

std::string decode_error(const Encoded& encoded) {
  sdk::OwnedArray out;
  try {
    decode_array(encoded.frame, encoded.schema, &out.array);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a batch frame decodes into the batch that was sent") {
  Encoded encoded = encode_ints_and_strings();
  sdk::OwnedArray out;
  decode_array(encoded.frame, encoded.schema, &out.array);
  sdk::OwnedSchema schema;
  decode_schema(encoded.schema, &schema.schema);
  sdk::BatchView view(out.array, sdk::import_schema(schema.schema));
  REQUIRE(view.rows() == 3);
  CHECK(view.column(0).get_int(2) == 2);
  CHECK(view.column(1).get_string(1) == "value 1");
}

TEST_CASE("a batch frame whose buffers are too small for its length is refused") {
  // Struct node: fields 0-3, one buffer size (4), child count (5); the int64 column: fields 6-9, its two
  // buffer sizes (10, 11), child count (12). A column claiming 1000 rows in a 24-byte buffer made readers read past the
  // frame.
  Encoded encoded = encode_ints_and_strings();
  set_field(encoded.frame, 6, 1000);
  CHECK(decode_error(encoded) == "an array of type 'l' from the other process has buffer 1 of 24 bytes for 8000");
  encoded = encode_ints_and_strings();
  set_field(encoded.frame, 8, 2);  // an offset of 2: 5 values in 3 values' bytes
  CHECK(decode_error(encoded) == "an array of type 'l' from the other process has buffer 1 of 24 bytes for 40");
  encoded = encode_ints_and_strings();
  set_field(encoded.frame, 6, -1);
  CHECK(decode_error(encoded) == "an array of type 'l' from the other process has an invalid length or offset");
  encoded = encode_ints_and_strings();
  set_field(encoded.frame, 5, 1);  // one child where the schema has two
  CHECK(decode_error(encoded) == "an array's children do not match its schema");
  encoded = encode_ints_and_strings();
  set_field(encoded.frame, 11, int64_t{1} << 62);  // a buffer larger than the frame
  CHECK(decode_error(encoded) == "truncated message from the other process");
}

TEST_CASE("a string column whose last offset lies past its data buffer is refused") {
  Encoded encoded = encode_ints_and_strings();
  // The int64 column's child count is field 12; the utf8 column: fields 13-16, buffer sizes 17
  // (validity), 18 (offsets), 19 (data: 21 bytes).
  set_field(encoded.frame, 19, 20);
  CHECK(decode_error(encoded) == "an array of type 'u' from the other process has buffer 2 of 20 bytes for 21");
  encoded = encode_ints_and_strings();
  set_field(encoded.frame, 18, 12);  // 3 offsets for 3 values, which need 4
  CHECK(decode_error(encoded) == "an array of type 'u' from the other process has a short offsets buffer");
}

TEST_CASE("a schema nested deeper than 64 levels is refused instead of exhausting the stack") {
  PayloadWriter out;
  for (int depth = 0; depth < 100000; ++depth) {
    out.text("+s").i32(0).text("").i32(0).text("").i64(0).i64(1);
  }
  out.text("l").i32(0).text("").i32(0).text("").i64(0).i64(0);
  ArrowSchema schema{};
  CHECK_THROWS_WITH_AS(decode_schema(out.bytes(), &schema), "a schema from the other process nests too deep",
                       std::runtime_error);
}

TEST_CASE("a string column sent with fewer buffers than its type has is refused") {
  // fuzz/corpus/isolation_frame/string_without_data_buffer: a utf8 column with two buffers, the second
  // empty, made the size check read its offsets from the 8-byte placeholder of an empty buffer.
  constexpr int64_t kNull = -1;  // a NULL buffer's size
  PayloadWriter schema;
  schema.text("+s").i32(0).text("").i32(0).text("").i64(0).i64(1);
  schema.text("u").i32(1).text("s").i32(0).text("").i64(2).i64(0);
  PayloadWriter description;
  description.i64(1).i64(0).i64(0).i64(1).i64(kNull).i64(1);  // the struct: 1 row, no validity, 1 child
  description.i64(1).i64(0).i64(0).i64(2).i64(kNull).i64(0).i64(0);
  PayloadWriter payload;
  payload.i64(static_cast<int64_t>(description.bytes().size()))
      .raw(description.bytes().data(), description.bytes().size());
  Encoded encoded;
  encoded.schema = schema.bytes();
  encoded.frame.type = Message::batch;
  encoded.frame.length = payload.bytes().size();
  encoded.frame.payload =
      std::shared_ptr<std::byte>(new std::byte[encoded.frame.length], std::default_delete<std::byte[]>());
  std::memcpy(encoded.frame.payload.get(), payload.bytes().data(), encoded.frame.length);
  CHECK(decode_error(encoded) == "an array of type 'u' from the other process has a short offsets buffer");
}
