// JSON cell writing: every type's spelling, escapes, and the UTF-8 refusal that callers turn into messages.
#include <doctest/doctest.h>

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/json_cell.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

using namespace mageio::sdk;

namespace {

// How many values `fill` appends: build them alone and read the array length.
int64_t count_values(const DataType& type, const std::function<void(ColumnBuilder&)>& fill) {
  ColumnBuilder probe(type);
  fill(probe);
  OwnedArray array;
  probe.finish(&array.array);
  return array.array.length;
}

// The JSON of each row of a one-column batch that `fill` builds.
std::vector<std::string> cells(const DataType& type, const std::function<void(ColumnBuilder&)>& fill) {
  Schema schema{{"c", type}};
  BatchBuilder builder(schema);
  fill(builder.column(0));
  const int64_t rows = count_values(type, fill);
  for (int64_t i = 0; i < rows; ++i) builder.end_row();
  OwnedArray batch;
  builder.finish(&batch.array);
  BatchView view(batch.array, schema);
  std::vector<std::string> out;
  for (int64_t r = 0; r < view.rows(); ++r) {
    std::string text;
    REQUIRE(append_json_cell(text, view.column(0), r) == std::string_view::npos);
    out.push_back(text);
  }
  return out;
}

using Cells = std::vector<std::string>;

}  // namespace

TEST_CASE("strings are quoted with JSON escapes") {
  std::string out;
  append_json_string(out, "say \"hi\"\\\n\t\x01 caf\xC3\xA9");
  CHECK(out == "\"say \\\"hi\\\"\\\\\\n\\t\\u0001 caf\xC3\xA9\"");
}

TEST_CASE("floats read back as floats, non-finite values as strings") {
  const auto text = [](double v) {
    std::string out;
    append_json_float(out, v);
    return out;
  };
  CHECK(text(3) == "3.0");
  CHECK(text(-2) == "-2.0");
  CHECK(text(0.25) == "0.25");
  CHECK(text(1e300) == "1e+300");
  CHECK(text(std::nan("")) == "\"NaN\"");
  CHECK(text(std::numeric_limits<double>::infinity()) == "\"Infinity\"");
  CHECK(text(-std::numeric_limits<double>::infinity()) == "\"-Infinity\"");
}

TEST_CASE("each type has its JSON spelling") {
  CHECK(cells(bool_type(), [](ColumnBuilder& c) { c.append_bool(true), c.append_null(), c.append_bool(false); }) ==
        Cells{"true", "null", "false"});
  CHECK(cells(int64(), [](ColumnBuilder& c) { c.append_int(INT64_MIN), c.append_int(7); }) ==
        Cells{"-9223372036854775808", "7"});
  CHECK(cells(uint64(), [](ColumnBuilder& c) { c.append_uint(UINT64_MAX); }) == Cells{"18446744073709551615"});
  CHECK(cells(float32(), [](ColumnBuilder& c) { c.append_double(0.1), c.append_double(2); }) == Cells{"0.1", "2.0"});
  CHECK(cells(utf8(), [](ColumnBuilder& c) { c.append_string("a\"b"); }) == Cells{"\"a\\\"b\""});
  CHECK(cells(decimal128(5, 2), [](ColumnBuilder& c) { c.append_decimal(-12345); }) == Cells{"\"-123.45\""});
  CHECK(cells(binary(), [](ColumnBuilder& c) { c.append_string(std::string("\x00\xff", 2)); }) ==
        Cells{"\"\\\\x00ff\""});
  CHECK(cells(date32(), [](ColumnBuilder& c) { c.append_date32(0); }) == Cells{"\"1970-01-01\""});
  CHECK(cells(timestamp_us("UTC"), [](ColumnBuilder& c) { c.append_timestamp_us(1500000); }) ==
        Cells{"\"1970-01-01 00:00:01.500000+00:00\""});
}

TEST_CASE("a string that is not UTF-8 is refused with its offset") {
  Schema schema{{"s", utf8()}};
  BatchBuilder builder(schema);
  builder.column(0).append_string("ok\xFF");
  builder.end_row();
  OwnedArray batch;
  builder.finish(&batch.array);
  BatchView view(batch.array, schema);
  std::string out = "{";
  CHECK(append_json_cell(out, view.column(0), 0) == 2);
  CHECK(out == "{");  // nothing half-written
}
