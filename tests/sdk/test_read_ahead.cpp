// ReadAhead: the batches arrive in order, an error arrives after the batches before it, and stopping
// early neither hangs nor leaks.
#include <doctest/doctest.h>

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/read_ahead.hpp>

#include <atomic>
#include <memory>

using namespace mageio::sdk;

namespace {

// Batches of one int64 row each: 0, 1, 2 ... `batches - 1`; then an error when `fail` is set.
class Counter : public BatchSource {
 public:
  Counter(int64_t batches, bool fail, std::atomic<int64_t>& produced)
      : batches_(batches), fail_(fail), produced_(produced) {}
  const Schema& schema() const override { return schema_; }
  bool next(ArrowArray* out) override {
    if (next_ == batches_) {
      if (fail_) throw invalid_argument("row " + std::to_string(next_) + " is bad");
      return false;
    }
    BatchBuilder builder(schema_);
    builder.column(0).append_int(next_++);
    builder.end_row();
    builder.finish(out);
    ++produced_;
    return true;
  }

 private:
  Schema schema_{{"n", int64()}};
  int64_t batches_;
  bool fail_;
  std::atomic<int64_t>& produced_;
  int64_t next_ = 0;
};

struct Input {
  std::atomic<int64_t> produced{0};
  ArrowArrayStream stream{};
  std::unique_ptr<StreamReader> reader;
  Input(int64_t batches, bool fail) {
    export_stream(std::make_unique<Counter>(batches, fail, produced), &stream);
    reader = std::make_unique<StreamReader>(&stream);
  }
  ~Input() { stream.release(&stream); }
};

int64_t value_of(const OwnedArray& batch) {
  const Schema schema{{"n", int64()}};
  return BatchView(batch.array, schema).column(0).get_int(0);
}

}  // namespace

TEST_CASE("every batch arrives, in order, then the end") {
  Input input(50, false);
  ReadAhead ahead(*input.reader);
  OwnedArray batch;
  for (int64_t i = 0; i < 50; ++i) {
    REQUIRE(ahead.next(batch));
    CHECK(value_of(batch) == i);
  }
  CHECK_FALSE(ahead.next(batch));
  CHECK_FALSE(ahead.next(batch));  // the end stays the end
}

TEST_CASE("the input's error arrives after the batches read before it") {
  Input input(3, true);
  ReadAhead ahead(*input.reader);
  OwnedArray batch;
  for (int i = 0; i < 3; ++i) REQUIRE(ahead.next(batch));
  CHECK_THROWS_WITH_AS(ahead.next(batch), doctest::Contains("row 3 is bad"), Error);
}

TEST_CASE("nothing is read before the first next, and little beyond what is taken") {
  Input input(1000, false);
  {
    ReadAhead ahead(*input.reader);
    CHECK(input.produced == 0);
    OwnedArray batch;
    REQUIRE(ahead.next(batch));
  }  // destroyed part-way: joins its thread and releases the queued batch (ASan would see a leak)
  CHECK(input.produced <= 3);  // taken, queued, and at most one being fetched
}
