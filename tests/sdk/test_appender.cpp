// sdk/appender.hpp: ColumnAppender builds every column type in place (nulls, booleans, fixed width,
// utf8 and large_utf8 offsets, null type), finish_struct wraps them, and BufferPool gets the buffers
// back when a batch is released.
#include <doctest/doctest.h>

#include <mageio/sdk/appender.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace mageio::sdk;

TEST_CASE("ColumnAppender: int64 with a null, bool, utf8, large_utf8 and null columns in one struct batch") {
  auto pool = std::make_shared<BufferPool>(size_t{1} << 20);
  std::vector<ColumnAppender> columns;
  columns.emplace_back(int64(), pool);
  columns.emplace_back(DataType::from_name("bool"), pool);
  columns.emplace_back(utf8(), pool);
  columns.emplace_back(DataType::from_name("large_utf8"), pool);
  columns.emplace_back(DataType::from_name("null"), pool);
  for (int64_t row = 0; row < 20; ++row) {
    if (row == 3)
      columns[0].append_null();
    else
      columns[0].append<int64_t>(row * 10);
    columns[1].append_bool(row % 3 == 0);
    const std::string text = "r" + std::to_string(row);
    columns[2].append_bytes(text.data(), text.size());
    if (row == 5)
      columns[3].append_null();
    else
      columns[3].append_bytes(text.data(), text.size());
    columns[4].append_null();
  }
  ArrowArray batch{};
  finish_struct(columns, 20, &batch);
  REQUIRE(batch.n_children == 5);
  CHECK(batch.length == 20);
  const ArrowArray& ints = *batch.children[0];
  CHECK(ints.null_count == 1);
  CHECK((static_cast<const uint8_t*>(ints.buffers[0])[0] & (1u << 3)) == 0);
  CHECK(static_cast<const int64_t*>(ints.buffers[1])[19] == 190);
  const ArrowArray& bools = *batch.children[1];
  CHECK(bools.buffers[0] == nullptr);  // no nulls: no validity bitmap
  const auto* bits = static_cast<const uint8_t*>(bools.buffers[1]);
  for (int row = 0; row < 20; ++row) CHECK(((bits[row / 8] >> (row % 8)) & 1) == (row % 3 == 0 ? 1 : 0));
  const ArrowArray& text = *batch.children[2];
  const auto* offsets = static_cast<const int32_t*>(text.buffers[1]);
  CHECK(std::string(static_cast<const char*>(text.buffers[2]) + offsets[12], offsets[13] - offsets[12]) == "r12");
  const ArrowArray& large = *batch.children[3];
  const auto* large_offsets = static_cast<const int64_t*>(large.buffers[1]);
  CHECK(large.null_count == 1);
  CHECK(large_offsets[6] == large_offsets[5]);
  CHECK(std::string(static_cast<const char*>(large.buffers[2]) + large_offsets[6], 2) == "r6");
  const ArrowArray& nulls = *batch.children[4];
  CHECK(nulls.n_buffers == 0);
  CHECK(nulls.null_count == 20);
  CHECK(pool->held() == 0);
  batch.release(&batch);
  const bool released = batch.release == nullptr;
  CHECK(released);
  CHECK(pool->held() > 0);  // the buffers came back for the next batch
  CHECK(columns[0].length() == 0);
}
