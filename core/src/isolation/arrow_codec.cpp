#include "arrow_codec.hpp"

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace mageio::isolation {
namespace {

constexpr uint64_t kNullBuffer = ~uint64_t{0};  // a buffer pointer that was NULL
constexpr char kPadding[8] = {};
// Received from the other process, which is not trusted: schemas nest at most this deep (a deeper one
// would exhaust the stack decoding it), and an array's offset and length stay below 2^40 values (so the
// buffer sizes computed from them cannot overflow).
constexpr int kMaxDepth = 64;
constexpr int64_t kMaxValues = int64_t{1} << 40;

size_t padded(size_t size) { return (size + 7) / 8 * 8; }

// --- Schemas -----------------------------------------------------------------------------------------

// ArrowSchema.metadata is binary: int32 pair count, then per key and value an int32 length and bytes.
size_t metadata_size(const char* metadata) {
  if (metadata == nullptr) return 0;
  int32_t pairs = 0;
  std::memcpy(&pairs, metadata, sizeof pairs);
  size_t size = sizeof pairs;
  for (int32_t i = 0; i < pairs * 2; ++i) {
    int32_t length = 0;
    std::memcpy(&length, metadata + size, sizeof length);
    size += sizeof length + static_cast<size_t>(length);
  }
  return size;
}

void write_schema(PayloadWriter& out, const ArrowSchema& schema) {
  if (schema.dictionary != nullptr)
    throw std::runtime_error("dictionary-encoded columns cannot cross to an isolated plugin");
  out.text(schema.format ? schema.format : "");
  out.i32(schema.name != nullptr);
  out.text(schema.name ? schema.name : "");
  out.i32(schema.metadata != nullptr);
  out.text(std::string_view(schema.metadata ? schema.metadata : "", metadata_size(schema.metadata)));
  out.i64(schema.flags);
  out.i64(schema.n_children);
  for (int64_t i = 0; i < schema.n_children; ++i) write_schema(out, *schema.children[i]);
}

// Releases its children itself, so a schema whose decoding failed halfway frees what it had decoded.
struct SchemaHolder {
  std::string format, name, metadata;
  std::vector<std::unique_ptr<ArrowSchema>> children;
  std::vector<ArrowSchema*> child_pointers;
  ~SchemaHolder() {
    for (auto& child : children)
      if (child->release) child->release(child.get());
  }
};

void release_schema(ArrowSchema* schema) {
  delete static_cast<SchemaHolder*>(schema->private_data);
  schema->release = nullptr;
}

void read_schema(PayloadReader& in, ArrowSchema* out, int depth) {
  if (depth > kMaxDepth) throw std::runtime_error("a schema from the other process nests too deep");
  auto holder = std::make_unique<SchemaHolder>();
  holder->format = in.text();
  bool has_name = in.i32() != 0;
  holder->name = in.text();
  bool has_metadata = in.i32() != 0;
  holder->metadata = in.text();
  *out = ArrowSchema{};
  out->flags = in.i64();
  out->n_children = in.i64();
  for (int64_t i = 0; i < out->n_children; ++i) {
    holder->children.push_back(std::make_unique<ArrowSchema>());
    read_schema(in, holder->children.back().get(), depth + 1);
    holder->child_pointers.push_back(holder->children.back().get());
  }
  out->format = holder->format.c_str();
  out->name = has_name ? holder->name.c_str() : nullptr;
  out->metadata = has_metadata ? holder->metadata.data() : nullptr;
  out->children = holder->child_pointers.empty() ? nullptr : holder->child_pointers.data();
  out->release = &release_schema;
  out->private_data = holder.release();
}

// --- Buffer sizes from the format string -------------------------------------------------------------

// Bytes per value of a fixed-width format, 0 if the format is not fixed-width.
size_t fixed_width(const std::string& format) {
  if (format.size() == 1) {
    switch (format[0]) {
      case 'c':
      case 'C': return 1;
      case 's':
      case 'S':
      case 'e': return 2;
      case 'i':
      case 'I':
      case 'f': return 4;
      case 'l':
      case 'L':
      case 'g': return 8;
      default: return 0;
    }
  }
  if (format.starts_with("d:")) return format.ends_with(",256") ? 32 : 16;
  if (format.starts_with("w:")) return static_cast<size_t>(std::stoul(format.substr(2)));
  if (format == "tdD" || format == "tts" || format == "ttm" || format == "tiM") return 4;
  if (format == "tdm" || format == "ttu" || format == "ttn" || format == "tiD") return 8;
  if (format.starts_with("ts") || format.starts_with("tD")) return 8;
  if (format == "tin") return 16;
  return 0;
}

// The sizes of `array`'s buffers; each covers offset + length values, as a consumer may read.
std::vector<uint64_t> buffer_sizes(const std::string& format, const ArrowArray& array) {
  const auto values = static_cast<uint64_t>(array.offset + array.length);
  auto size_of = [&](int64_t index, uint64_t bytes) { return array.buffers[index] ? bytes : kNullBuffer; };
  const uint64_t bitmap = (values + 7) / 8;
  if (format == "n") return {};
  if (format == "+s") return {size_of(0, bitmap)};
  if (format == "b") return {size_of(0, bitmap), size_of(1, bitmap)};
  if (size_t width = fixed_width(format); width != 0) return {size_of(0, bitmap), size_of(1, values * width)};
  if (format == "u" || format == "z" || format == "U" || format == "Z") {
    const bool large = format == "U" || format == "Z";
    const size_t offset_width = large ? 8 : 4;
    uint64_t data = 0;
    if (array.buffers[1] != nullptr) {
      if (large)
        data = static_cast<uint64_t>(static_cast<const int64_t*>(array.buffers[1])[values]);
      else
        data = static_cast<uint64_t>(static_cast<const int32_t*>(array.buffers[1])[values]);
    }
    return {size_of(0, bitmap), size_of(1, (values + 1) * offset_width), size_of(2, data)};
  }
  throw std::runtime_error("the Arrow type '" + format + "' cannot cross to an isolated plugin");
}

void describe_array(const ArrowSchema& schema, const ArrowArray& array, PayloadWriter& out,
                    std::vector<iovec>& buffers) {
  if (array.dictionary != nullptr)
    throw std::runtime_error("dictionary-encoded columns cannot cross to an isolated plugin");
  const std::string format = schema.format ? schema.format : "";
  auto sizes = buffer_sizes(format, array);
  if (static_cast<int64_t>(sizes.size()) != array.n_buffers)
    throw std::runtime_error("an array of type '" + format + "' has " + std::to_string(array.n_buffers) +
                             " buffers, expected " + std::to_string(sizes.size()));
  if (array.n_children != schema.n_children) throw std::runtime_error("an array's children do not match its schema");
  out.i64(array.length).i64(array.null_count).i64(array.offset).i64(array.n_buffers);
  for (size_t i = 0; i < sizes.size(); ++i) {
    out.i64(static_cast<int64_t>(sizes[i]));
    if (sizes[i] == kNullBuffer || sizes[i] == 0) continue;
    buffers.push_back(iovec{const_cast<void*>(array.buffers[i]), sizes[i]});
    if (size_t pad = padded(sizes[i]) - sizes[i]; pad != 0) buffers.push_back(iovec{const_cast<char*>(kPadding), pad});
  }
  out.i64(array.n_children);
  for (int64_t i = 0; i < array.n_children; ++i) describe_array(*schema.children[i], *array.children[i], out, buffers);
}

// --- Decoding arrays ----------------------------------------------------------------------------------

// Releases its children itself, so an array whose decoding failed halfway frees what it had decoded.
struct ArrayHolder {
  std::shared_ptr<std::byte> block;  // the frame's payload, shared by every node of the array
  std::vector<const void*> buffers;
  std::vector<std::unique_ptr<ArrowArray>> children;
  std::vector<ArrowArray*> child_pointers;
  ~ArrayHolder() {
    for (auto& child : children)
      if (child->release) child->release(child.get());
  }
};

void release_array(ArrowArray* array) {
  delete static_cast<ArrayHolder*>(array->private_data);
  array->release = nullptr;
}

[[noreturn]] void bad_array(const std::string& format, const std::string& what) {
  throw std::runtime_error("an array of type '" + format + "' from the other process " + what);
}

// Refuses a received array whose buffers are smaller than its type, offset and length need: the C Data
// Interface carries no buffer sizes, so past this point nothing could tell, and a reader would read past
// the frame. `sizes` are the sizes the sender described (kNullBuffer for a NULL buffer).
void check_buffer_sizes(const std::string& format, const ArrowArray& array, const std::vector<uint64_t>& sizes) {
  if (array.length < 0 || array.offset < 0 || array.length > kMaxValues || array.offset > kMaxValues)
    bad_array(format, "has an invalid length or offset");
  // buffer_sizes reads the last string offset: the offsets buffer must hold it first.
  const bool large = format == "U" || format == "Z";
  if ((large || format == "u" || format == "z") && sizes.size() >= 2 && sizes[1] != kNullBuffer &&
      sizes[1] < static_cast<uint64_t>(array.offset + array.length + 1) * (large ? 8 : 4))
    bad_array(format, "has a short offsets buffer");
  // buffer_sizes indexes the buffers its format has: give it three, the missing ones NULL, and compare
  // the counts after.
  const void* three[3] = {};
  for (size_t i = 0; i < sizes.size() && i < 3; ++i) three[i] = array.buffers[i];
  ArrowArray padded_array = array;
  padded_array.buffers = three;
  const std::vector<uint64_t> needed = buffer_sizes(format, padded_array);
  if (needed.size() != sizes.size())
    bad_array(format, "has " + std::to_string(sizes.size()) + " buffers, expected " + std::to_string(needed.size()));
  for (size_t i = 0; i < sizes.size(); ++i)
    if (sizes[i] != kNullBuffer && sizes[i] < needed[i])
      bad_array(format, "has buffer " + std::to_string(i) + " of " + std::to_string(sizes[i]) + " bytes for " +
                            std::to_string(needed[i]));
}

void read_array(PayloadReader& description, PayloadReader& data, const std::shared_ptr<std::byte>& block,
                const ArrowSchema& schema, ArrowArray* out) {
  const std::string format = schema.format ? schema.format : "";
  auto holder = std::make_unique<ArrayHolder>();
  holder->block = block;
  *out = ArrowArray{};
  out->length = description.i64();
  out->null_count = description.i64();
  out->offset = description.i64();
  out->n_buffers = description.i64();
  if (out->n_buffers < 0 || out->n_buffers > 3) throw std::runtime_error("bad buffer count from the other process");
  std::vector<uint64_t> sizes;
  for (int64_t i = 0; i < out->n_buffers; ++i) {
    auto size = static_cast<uint64_t>(description.i64());
    sizes.push_back(size);
    if (size == kNullBuffer) {
      holder->buffers.push_back(nullptr);
    } else if (size == 0) {
      holder->buffers.push_back(kPadding);  // a valid pointer to nothing
    } else {
      if (size > data.remaining()) throw std::runtime_error("truncated message from the other process");
      holder->buffers.push_back(data.take(padded(size)));
    }
  }
  out->buffers = holder->buffers.empty() ? nullptr : holder->buffers.data();
  check_buffer_sizes(format, *out, sizes);
  out->n_children = description.i64();
  if (out->n_children != schema.n_children) throw std::runtime_error("an array's children do not match its schema");
  for (int64_t i = 0; i < out->n_children; ++i) {
    holder->children.push_back(std::make_unique<ArrowArray>());
    read_array(description, data, block, *schema.children[i], holder->children.back().get());
    holder->child_pointers.push_back(holder->children.back().get());
  }
  out->children = holder->child_pointers.empty() ? nullptr : holder->child_pointers.data();
  out->release = &release_array;
  out->private_data = holder.release();
}

}  // namespace

std::string encode_schema(const ArrowSchema& schema) {
  PayloadWriter out;
  write_schema(out, schema);
  return out.bytes();
}

void decode_schema(std::string_view bytes, ArrowSchema* out) {
  PayloadReader in(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size());
  read_schema(in, out, 0);
}

// Layout: int64 description size, the description padded to 8, then the buffers, each padded to 8.
std::vector<iovec> encode_array(const ArrowSchema& schema, const ArrowArray& array, std::string& description) {
  PayloadWriter out;
  std::vector<iovec> buffers;
  describe_array(schema, array, out, buffers);
  description.clear();
  auto size = static_cast<int64_t>(out.bytes().size());
  description.append(reinterpret_cast<const char*>(&size), sizeof size);
  description.append(out.bytes());
  description.append(padded(description.size()) - description.size(), '\0');
  std::vector<iovec> parts;
  parts.reserve(buffers.size() + 1);
  parts.push_back(iovec{description.data(), description.size()});
  parts.insert(parts.end(), buffers.begin(), buffers.end());
  return parts;
}

void decode_array(const Frame& frame, std::string_view schema, ArrowArray* out) {
  PayloadReader head(frame);
  auto size = static_cast<size_t>(head.i64());
  PayloadReader description(head.take(size), size);
  PayloadReader data(frame.payload.get(), frame.length);
  data.take(padded(sizeof(int64_t) + size));
  ArrowSchema decoded{};
  decode_schema(schema, &decoded);
  std::unique_ptr<ArrowSchema, void (*)(ArrowSchema*)> release(&decoded, [](ArrowSchema* s) { s->release(s); });
  read_array(description, data, frame.payload, decoded, out);
}

std::string encode_stream_failure(int code, const StreamFailure& failure) {
  return PayloadWriter()
      .i32(code)
      .text(failure.message)
      .i32(failure.status)
      .i32(failure.vendor_code)
      .text(failure.sqlstate)
      .bytes();
}

int read_stream_reply(const Frame& frame, std::string_view schema, ArrowArray* out, StreamFailure& failure) {
  switch (frame.type) {
    case Message::batch: decode_array(frame, schema, out); return 0;
    case Message::end_of_stream: *out = ArrowArray{}; return 0;
    case Message::stream_error: {
      PayloadReader in(frame);
      int code = in.i32();
      failure = StreamFailure{in.text()};
      failure.status = in.i32();
      failure.vendor_code = in.i32();
      failure.sqlstate = in.text();
      return code > 0 ? code : EIO;
    }
    default: return -1;
  }
}

}  // namespace mageio::isolation
