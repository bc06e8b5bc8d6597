// The SDK's Arrow builders and readers: every type through export_schema/import_schema and
// BatchBuilder/BatchView, nulls, and the validation that refuses malformed input.
#include "test_support.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/error.hpp>

#include <cmath>
#include <limits>

using namespace mageio::sdk;

namespace {

Schema every_type() {
  return {{"b", bool_type()},
          {"i8", int8()},
          {"i16", int16()},
          {"i32", int32()},
          {"i64", int64()},
          {"u8", uint8()},
          {"u16", uint16()},
          {"u32", uint32()},
          {"u64", uint64()},
          {"f32", float32()},
          {"f64", float64()},
          {"dec", decimal128(12, 2)},
          {"s", utf8()},
          {"ls", large_utf8()},
          {"bin", binary()},
          {"lbin", large_binary()},
          {"d", date32()},
          {"ts", timestamp_us()},
          {"tstz", timestamp_us("UTC")},
          {"t", time64_us()},
          {"nothing", null_type()}};
}

void append_row(BatchBuilder& b, int64_t i) {
  size_t c = 0;
  b.column(c++).append_bool(i % 2 == 0);
  b.column(c++).append_int(-100 + i);
  b.column(c++).append_int(-30000 + i);
  b.column(c++).append_int(INT32_MIN + i);
  b.column(c++).append_int(INT64_MIN + i);
  b.column(c++).append_uint(200 + i);
  b.column(c++).append_uint(60000 + i);
  b.column(c++).append_uint(UINT32_MAX - i);
  b.column(c++).append_uint(UINT64_MAX - i);
  b.column(c++).append_double(1.5 + i);
  b.column(c++).append_double(0.1 * i);
  b.column(c++).append_decimal(-123456 + i);
  b.column(c++).append_string("Zürich 東京 🚀 " + std::to_string(i));
  b.column(c++).append_string(std::string(i, 'x'));
  b.column(c++).append_string(std::string("\0\xff", 2));
  b.column(c++).append_string("");
  b.column(c++).append_date32(static_cast<int32_t>(19000 + i));
  b.column(c++).append_timestamp_us(1700000000123456 + i);
  b.column(c++).append_timestamp_us(-1);
  b.column(c++).append_time_us(86399999999 - i);
  b.column(c++).append_null();
  b.end_row();
}

void append_nulls(BatchBuilder& b) {
  for (size_t c = 0; c < b.column_count(); ++c) b.column(c).append_null();
  b.end_row();
}

}  // namespace

TEST_CASE("every type survives export_schema and import_schema") {
  OwnedSchema exported;
  export_schema(every_type(), &exported.schema);
  CHECK(std::string(exported.schema.format) == "+s");
  Schema imported = import_schema(exported.schema);
  REQUIRE(imported.size() == every_type().size());
  for (size_t i = 0; i < imported.size(); ++i) {
    CAPTURE(imported[i].name);
    CHECK(imported[i].name == every_type()[i].name);
    CHECK(imported[i].type == every_type()[i].type);
    CHECK(imported[i].nullable);
  }
  CHECK(std::string(exported.schema.children[18]->format) == "tsu:UTC");
  CHECK(std::string(exported.schema.children[11]->format) == "d:12,2");
}

TEST_CASE("a batch of every type reads back value for value, nulls included") {
  BatchBuilder builder(every_type());
  append_row(builder, 0);
  append_nulls(builder);
  append_row(builder, 3);
  OwnedArray batch;
  builder.finish(&batch.array);
  BatchView view(batch.array, every_type());
  REQUIRE(view.rows() == 3);
  CHECK(builder.rows() == 0);  // reset for the next batch

  const auto& col = [&](size_t i) -> const ColumnView& { return view.column(i); };
  CHECK(col(0).get_bool(0));
  CHECK_FALSE(col(0).get_bool(2));
  CHECK(col(1).get_int(2) == -97);
  CHECK(col(3).get_int(0) == INT32_MIN);
  CHECK(col(4).get_int(0) == INT64_MIN);
  CHECK(col(8).get_uint(0) == UINT64_MAX);
  CHECK(col(8).to_text(0) == "18446744073709551615");
  CHECK(col(9).get_double(2) == 4.5);
  CHECK(col(10).to_text(2) == "0.30000000000000004");
  CHECK(col(11).to_text(0) == "-1234.56");
  CHECK(col(12).get_string(0) == "Zürich 東京 🚀 0");
  CHECK(col(13).get_string(2) == "xxx");
  CHECK(col(14).get_string(0) == std::string("\0\xff", 2));
  CHECK(col(14).to_text(0) == "\\x00ff");
  CHECK(col(15).get_string(0).empty());
  CHECK(col(16).to_text(0) == "2022-01-08");
  CHECK(col(17).to_text(0) == "2023-11-14 22:13:20.123456");
  CHECK(col(18).to_text(0) == "1969-12-31 23:59:59.999999+00:00");
  CHECK(col(19).to_text(0) == "23:59:59.999999");
  for (size_t c = 0; c < view.column_count(); ++c) {
    CAPTURE(c);
    CHECK(col(c).is_null(1));
    CHECK(col(c).is_null(0) == (c == 20));
  }
  CHECK(batch.array.children[0]->null_count == 1);
}

TEST_CASE("builders refuse values that do not fit the column") {
  ColumnBuilder small(int8());
  CHECK_THROWS_WITH_AS(small.append_int(128), "value 128 does not fit in int8", Error);
  ColumnBuilder unsigned_column(uint16());
  CHECK_THROWS_WITH_AS(unsigned_column.append_int(-1), "value -1 does not fit in uint16", Error);
  ColumnBuilder text(utf8());
  CHECK_THROWS_AS(text.append_int(1), Error);
  BatchBuilder mismatched({{"a", int64()}, {"b", int64()}});
  mismatched.column(0).append_int(1);
  mismatched.end_row();
  OwnedArray out;
  CHECK_THROWS_WITH_AS(mismatched.finish(&out.array), "column \"b\" has 0 values for 1 rows", Error);
}

TEST_CASE("a malformed batch is refused before anything reads it") {
  Schema schema{{"a", int64()}, {"s", utf8()}};
  BatchBuilder builder(schema);
  builder.column(0).append_int(1);
  builder.column(1).append_string("x");
  builder.end_row();
  OwnedArray batch;
  builder.finish(&batch.array);
  CHECK_THROWS_WITH_AS(BatchView(batch.array, {{"a", int64()}}), "the batch has 2 columns but the schema has 1", Error);
  CHECK_THROWS_WITH_AS(BatchView(batch.array, {{"a", int64()}, {"s", int64()}}),
                       "column \"s\" of the batch has 3 buffers; type int64 needs 2", Error);
  batch.array.children[0]->length = 0;
  CHECK_THROWS_WITH_AS(BatchView(batch.array, schema), "column \"a\" of the batch has 0 values for 1 rows", Error);
}

TEST_CASE("types have one format string and one logical name each, and parse back") {
  for (const auto& name : all_type_names()) {
    if (name == "decimal128(P, S)") continue;
    CAPTURE(name);
    DataType type = DataType::from_name(name);
    CHECK(type.name() == name);
    CHECK(DataType::from_format(type.format()) == type);
  }
  CHECK(DataType::from_name("decimal128(38, 10)") == decimal128(38, 10));
  CHECK(DataType::from_format("tsn:Europe/Paris").name() == "timestamp[ns, Europe/Paris]");
  CHECK(DataType::from_format("ttm").id == TypeId::Time32);
  CHECK_THROWS_WITH_AS(DataType::from_format("+l"), "unsupported Arrow type format '+l'", Error);
  CHECK_THROWS_WITH_AS(DataType::from_name("decimal128(40, 2)"),
                       doctest::Contains("unknown type 'decimal128(40, 2)'; accepted types: null, bool"), Error);
}

TEST_CASE("duration[us]: Arrow tDu, signed values of any size, built and read back, and its text") {
  CHECK(duration_us().format() == "tDu");
  CHECK(duration_us().name() == "duration[us]");
  CHECK(DataType::from_name("duration[us]") == duration_us());
  CHECK(DataType::from_format("tDn").id == TypeId::Duration);
  CHECK(DataType::from_format("tDn").name() == "duration[ns]");
  const std::vector<int64_t> values = {0, -1, 86400000000LL, -3020399999999LL, std::numeric_limits<int64_t>::min()};
  BatchBuilder builder({{"d", duration_us()}});
  for (int64_t value : values) {
    builder.column(0).append_duration_us(value);
    builder.end_row();
  }
  OwnedArray batch;
  builder.finish(&batch.array);
  BatchView view(batch.array, {{"d", duration_us()}});
  for (size_t i = 0; i < values.size(); ++i)
    CHECK(view.column(0).get_duration_us(static_cast<int64_t>(i)) == values[i]);
  CHECK(view.column(0).to_text(1) == "-00:00:00.000001");
  CHECK(view.column(0).to_text(2) == "24:00:00");
  CHECK(view.column(0).to_text(3) == "-838:59:59.999999");
  CHECK(view.column(0).to_text(4) == "-2562047788:00:54.775808");
}

// Found by fuzz/targets/arrow_import.cpp (fuzz/corpus/arrow_import/offsets_backwards): offsets that went
// backwards passed the checks, and reading the value then copied from before or past the data buffer.
TEST_CASE("string offsets that are negative or go backwards are refused before anything reads them") {
  for (const DataType& type : {utf8(), large_utf8(), binary(), large_binary()}) {
    CAPTURE(type.name());
    Schema schema{{"s", type}};
    BatchBuilder builder(schema);
    for (const char* value : {"ab", "c", "def"}) {
      builder.column(0).append_string(value);
      builder.end_row();
    }
    OwnedArray batch;
    builder.finish(&batch.array);
    CHECK_NOTHROW(BatchView(batch.array, schema));
    ArrowArray& column = *batch.array.children[0];
    auto set_offset = [&](int index, int64_t value) {
      auto* offsets = static_cast<uint8_t*>(const_cast<void*>(column.buffers[1]));
      if (type.id == TypeId::LargeUtf8 || type.id == TypeId::LargeBinary)
        reinterpret_cast<int64_t*>(offsets)[index] = value;
      else
        reinterpret_cast<int32_t*>(offsets)[index] = static_cast<int32_t>(value);
    };
    set_offset(2, 1);  // 0, 2, 1, 6: the second value would run from 2 back to 1
    CHECK_THROWS_WITH_AS(BatchView(batch.array, schema),
                         "column \"s\" of the batch has invalid string offsets (offset 1 at value 2 goes backwards)",
                         Error);
    set_offset(2, 3);
    set_offset(0, -4);
    CHECK_THROWS_WITH_AS(BatchView(batch.array, schema),
                         "column \"s\" of the batch has invalid string offsets (offset -4 at value 0 is negative)",
                         Error);
    set_offset(0, 0);
    CHECK_NOTHROW(BatchView(batch.array, schema));
    // The batch reads two rows of the three the column has; the third's offset still bounds the data
    // the producer promised, so going backwards there is refused too (offsets_backwards_past_batch).
    batch.array.length = 2;
    set_offset(3, 2);
    CHECK_THROWS_WITH_AS(BatchView(batch.array, schema),
                         "column \"s\" of the batch has invalid string offsets (offset 2 at value 3 goes backwards)",
                         Error);
  }
}

// Found by fuzz/targets/arrow_import.cpp (fuzz/corpus/arrow_import/timestamp_seconds_overflow): seconds
// times a million overflowed int64 (undefined behaviour) for a timestamp past about ±292,000 years.
TEST_CASE("timestamps and durations in seconds or milliseconds beyond int64 microseconds are refused") {
  int64_t values[3] = {INT64_MAX / 1000, -9223372036854, INT64_MIN};
  const void* buffers[2] = {nullptr, values};
  ArrowArray column{};
  column.length = 3;
  column.n_buffers = 2;
  column.buffers = buffers;
  ColumnView seconds(column, DataType::from_format("tss:"));
  CHECK_THROWS_WITH_AS(seconds.get_timestamp_us(0),
                       "9223372036854775 seconds is out of range (it does not fit in 64-bit microseconds)", Error);
  CHECK(seconds.get_timestamp_us(1) == -9223372036854 * 1000000);
  ColumnView millis(column, DataType::from_format("tDm"));
  CHECK_THROWS_WITH_AS(millis.get_duration_us(2),
                       "-9223372036854775808 milliseconds is out of range (it does not fit in 64-bit microseconds)",
                       Error);
  CHECK(millis.get_duration_us(1) == -9223372036854 * 1000);
  // Nanoseconds divide, rounding toward -inf, INT64_MIN included (it used to be negated first).
  ColumnView nanos(column, DataType::from_format("tsn:"));
  CHECK(nanos.get_timestamp_us(2) == -9223372036854776);
  CHECK(nanos.get_timestamp_us(0) == 9223372036854);
}
