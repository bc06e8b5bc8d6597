// Fuzz target: the host importing an Arrow stream from a plugin. The fuzzer's bytes become a
// structurally plausible ArrowArrayStream -- a struct schema of a few columns and a few batches whose
// buffers are exactly as large as the Arrow spec says for their declared length and offset, but whose
// contents (lengths, offsets, null counts, validity bits, buffer counts, string offsets, values) are the
// fuzzer's -- which the SDK's StreamReader imports and validates (import_schema, BatchView) as the host
// does with a plugin's load. Every value of every batch it accepts is then read (ColumnView::to_text)
// and its buffer bytes counted (buffer_bytes), as the exporters and the progress meter do.
//
// Buffers are separate heap allocations of exactly the size a conforming producer gives, so a batch the
// validator accepts but a reader then reads past (say, string offsets that go backwards) is a heap
// overflow that AddressSanitizer reports. Only sdk::Error may come out of the reader.
#include "fuzz_input.hpp"

#include <mageio/sdk/error.hpp>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

namespace {

using mageio::fuzz::FuzzInput;

// The formats a column may have: every one the SDK reads, a few it does not, and one broken.
const char* const kFormats[] = {
    "n",   "b",   "c",   "s",   "i",   "l",   "C",    "S",    "I",    "L",    "f",       "g",   "d:12,2", "d:38,10",
    "u",   "U",   "z",   "Z",   "tdD", "tdm", "tss:", "tsm:", "tsu:", "tsn:", "tsu:UTC", "tts", "ttm",    "ttu",
    "ttn", "tDs", "tDm", "tDu", "tDn", "+s",  "+l",   "w:4",  "e",    "d:",   "d:99,-5", "ts",  "tsx:"};
constexpr size_t kFormatCount = sizeof kFormats / sizeof kFormats[0];

enum class Layout { None, Bits, Fixed, Var32, Var64 };

struct ColumnLayout {
  Layout layout = Layout::Fixed;
  size_t width = 0;  // bytes per value (Fixed)
};

// How a conforming producer lays out a column of this format: the harness's own table, independent of
// the SDK's.
ColumnLayout layout_of(std::string_view format) {
  if (format == "n") return {Layout::None};
  if (format == "b") return {Layout::Bits};
  if (format == "u" || format == "z") return {Layout::Var32};
  if (format == "U" || format == "Z") return {Layout::Var64};
  if (format == "c" || format == "C") return {Layout::Fixed, 1};
  if (format == "s" || format == "S" || format == "e") return {Layout::Fixed, 2};
  if (format == "i" || format == "I" || format == "f" || format == "tdD" || format == "tts" || format == "ttm" ||
      format == "w:4")
    return {Layout::Fixed, 4};
  if (format.starts_with("d:")) return {Layout::Fixed, 16};
  return {Layout::Fixed, 8};
}

int buffer_count(Layout layout) {
  switch (layout) {
    case Layout::None: return 0;
    case Layout::Var32:
    case Layout::Var64: return 3;
    default: return 2;
  }
}

void release_schema(ArrowSchema* schema) { schema->release = nullptr; }
void release_array(ArrowArray* array) { array->release = nullptr; }

// One column of one batch: its buffers (owned) and the ArrowArray that points at them.
struct ColumnData {
  std::vector<std::unique_ptr<uint8_t[]>> storage;
  std::vector<const void*> buffers;
  ArrowArray array{};
};

struct BatchData {
  std::vector<std::unique_ptr<ColumnData>> columns;
  std::vector<ArrowArray*> children;
  const void* struct_buffers[1] = {nullptr};
  ArrowArray array{};
};

// A buffer of exactly `size` bytes filled from the input (zeros once it runs out).
const void* add_buffer(ColumnData& column, FuzzInput& in, size_t size) {
  column.storage.push_back(std::make_unique<uint8_t[]>(size));
  uint8_t* bytes = column.storage.back().get();
  for (size_t i = 0; i < size; ++i) bytes[i] = in.byte();
  return bytes;
}

// String offsets: mostly growing by 0-15 bytes; a byte >= 0xF0 jumps to a small value, which may go
// backwards or below zero. Returns the buffer and the last offset (the data buffer's size).
template <typename Offset>
const void* add_offsets(ColumnData& column, FuzzInput& in, size_t count, int64_t& last) {
  column.storage.push_back(std::make_unique<uint8_t[]>(count * sizeof(Offset)));
  auto* offsets = reinterpret_cast<Offset*>(column.storage.back().get());
  Offset value = 0;
  for (size_t i = 0; i < count; ++i) {
    uint8_t b = in.byte();
    value = b >= 0xF0 ? static_cast<Offset>((b & 0x0F) - 4) : static_cast<Offset>(value + (b & 0x0F));
    offsets[i] = value;
  }
  last = value;
  return offsets;
}

std::unique_ptr<ColumnData> make_column(FuzzInput& in, const ColumnLayout& layout, int64_t batch_length) {
  auto column = std::make_unique<ColumnData>();
  const uint8_t shape = in.byte();
  ArrowArray& a = column->array;
  // Mostly the batch's length; sometimes one more or one fewer (which the validator must refuse).
  a.length = batch_length + ((shape & 3) == 3 ? 1 : 0) - ((shape & 0x0C) == 0x0C ? 1 : 0);
  a.offset = (shape >> 4) & 3;
  if (a.length < 0) a.length = 0;
  const auto values = static_cast<size_t>(a.offset + a.length);
  const size_t bitmap = (values + 7) / 8;
  const bool has_validity = (shape & 0x40) != 0;
  int buffers = buffer_count(layout.layout);
  if (shape & 0x80) buffers += (in.byte() & 1) ? 1 : -1;  // a producer that got the count wrong
  if (buffers < 0) buffers = 0;

  int64_t last_offset = 0;
  for (int b = 0; b < buffers; ++b) {
    const void* buffer = nullptr;
    if (b == 0) {
      buffer = has_validity ? add_buffer(*column, in, bitmap) : nullptr;
    } else if (b == 1) {
      switch (layout.layout) {
        case Layout::Bits: buffer = add_buffer(*column, in, bitmap); break;
        case Layout::Var32: buffer = add_offsets<int32_t>(*column, in, values + 1, last_offset); break;
        case Layout::Var64: buffer = add_offsets<int64_t>(*column, in, values + 1, last_offset); break;
        default: buffer = add_buffer(*column, in, values * std::max<size_t>(layout.width, 1)); break;
      }
    } else {
      buffer = add_buffer(*column, in, static_cast<size_t>(std::max<int64_t>(last_offset, 0)));
    }
    column->buffers.push_back(buffer);
  }
  // The null count: 0, unknown (-1), or what the fuzzer says.
  const uint8_t nulls = in.byte();
  a.null_count = nulls < 0x80 ? 0 : nulls < 0xC0 ? -1 : nulls & 0x3F;
  a.n_buffers = buffers;
  a.buffers = column->buffers.empty() ? nullptr : column->buffers.data();
  a.release = &release_array;
  return column;
}

class FuzzStream {
 public:
  explicit FuzzStream(FuzzInput& in) {
    const size_t ncols = in.below(5);
    for (size_t i = 0; i < ncols; ++i) {
      formats_.emplace_back(kFormats[in.below(kFormatCount)]);
      names_.push_back("c" + std::to_string(i));
      flags_.push_back(in.byte() & 1 ? ARROW_FLAG_NULLABLE : 0);
    }
    const size_t nbatches = in.below(4);
    for (size_t b = 0; b < nbatches && in.remaining() > 0; ++b) {
      auto batch = std::make_unique<BatchData>();
      const uint8_t shape = in.byte();
      batch->array.length = shape & 0x1F;
      batch->array.offset = (shape & 0x20) ? 1 : 0;
      batch->array.null_count = (shape & 0x40) ? 1 : 0;
      for (size_t c = 0; c < ncols; ++c) {
        batch->columns.push_back(make_column(in, layout_of(formats_[c]), batch->array.length));
        batch->children.push_back(&batch->columns.back()->array);
      }
      batch->array.n_buffers = 1;
      batch->array.buffers = batch->struct_buffers;
      batch->array.n_children = static_cast<int64_t>(ncols);
      batch->array.children = batch->children.empty() ? nullptr : batch->children.data();
      batch->array.release = &release_array;
      batches_.push_back(std::move(batch));
    }
  }

  void export_to(ArrowArrayStream* out) {
    *out = ArrowArrayStream{};
    out->get_schema = &get_schema;
    out->get_next = &get_next;
    out->get_last_error = [](ArrowArrayStream*) -> const char* { return "fuzz stream"; };
    out->release = [](ArrowArrayStream* s) { s->release = nullptr; };
    out->private_data = this;
  }

 private:
  static int get_schema(ArrowArrayStream* stream, ArrowSchema* out) {
    auto* self = static_cast<FuzzStream*>(stream->private_data);
    self->children_.assign(self->formats_.size(), ArrowSchema{});
    self->child_pointers_.clear();
    for (size_t i = 0; i < self->formats_.size(); ++i) {
      ArrowSchema& child = self->children_[i];
      child.format = self->formats_[i].c_str();
      child.name = self->names_[i].c_str();
      child.flags = self->flags_[i];
      child.release = &release_schema;
      self->child_pointers_.push_back(&child);
    }
    *out = ArrowSchema{};
    out->format = "+s";
    out->name = "";
    out->n_children = static_cast<int64_t>(self->formats_.size());
    out->children = self->child_pointers_.empty() ? nullptr : self->child_pointers_.data();
    out->release = &release_schema;
    return 0;
  }

  static int get_next(ArrowArrayStream* stream, ArrowArray* out) {
    auto* self = static_cast<FuzzStream*>(stream->private_data);
    if (self->next_ == self->batches_.size()) {
      *out = ArrowArray{};
      return 0;
    }
    BatchData& batch = *self->batches_[self->next_++];
    // Handed over as a producer would: the consumer releases it (a no-op here; the stream owns it).
    for (auto& column : batch.columns) column->array.release = &release_array;
    batch.array.release = &release_array;
    *out = batch.array;
    return 0;
  }

  std::vector<std::string> formats_, names_;
  std::vector<int64_t> flags_;
  std::vector<ArrowSchema> children_;
  std::vector<ArrowSchema*> child_pointers_;
  std::vector<std::unique_ptr<BatchData>> batches_;
  size_t next_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  FuzzStream producer(in);
  ArrowArrayStream stream;
  producer.export_to(&stream);
  try {
    mageio::sdk::StreamReader reader(&stream, "fuzz plugin");
    mageio::sdk::OwnedArray batch;
    while (reader.next(batch)) {
      mageio::sdk::BatchView view(batch.array, reader.schema());
      for (size_t c = 0; c < view.column_count(); ++c) {
        const mageio::sdk::ColumnView& column = view.column(c);
        for (int64_t row = 0; row < view.rows(); ++row)
          if (!column.is_null(row)) (void)column.to_text(row);
      }
      (void)mageio::sdk::buffer_bytes(batch.array, reader.schema());
    }
  } catch (const mageio::sdk::Error&) {
    // A malformed stream: refused with an error, which is what the host must do.
  }
  stream.release(&stream);
  return 0;
}
