// check_export_input: the inputs every export refuses before it changes anything, and the keys it returns.
#include <doctest/doctest.h>

#include <mageio/sdk/error.hpp>
#include <mageio/sdk/export_input.hpp>

using namespace mageio::sdk;

namespace {

const ColumnNaming kIgnoreCase{same_ignoring_ascii_case, "names ignore case"};

}  // namespace

TEST_CASE("a good input passes and its keys come back as the input spells them") {
  const Schema input{{"id", int64()}, {"Name", utf8()}};
  CHECK(check_export_input(input, {}, "t").empty());
  CHECK(check_export_input(input, {"id"}, "t") == std::vector<std::string>{"id"});
  CHECK(check_export_input(input, {"NAME"}, "t", kIgnoreCase) == std::vector<std::string>{"Name"});
}

TEST_CASE("inputs without columns or names are refused") {
  CHECK_THROWS_WITH_AS(check_export_input({}, {}, "s.t"), "cannot export to s.t: the input has no columns", Error);
  const Schema unnamed{{"a", int64()}, {"", int64()}};
  CHECK_THROWS_WITH_AS(check_export_input(unnamed, {}, "s.t"), "cannot export to s.t: input column 2 has no name",
                       Error);
  ColumnNaming csv;
  csv.empty_allowed = true;
  CHECK_NOTHROW(check_export_input(unnamed, {}, "out.csv", csv));
}

TEST_CASE("two columns of one name are refused, as the backend compares names") {
  const Schema twice{{"a", int64()}, {"a", utf8()}};
  CHECK_THROWS_WITH_AS(check_export_input(twice, {}, "t"), "cannot export to t: the input has two columns named \"a\"",
                       Error);
  const Schema cased{{"a", int64()}, {"A", utf8()}};
  CHECK_NOTHROW(check_export_input(cased, {}, "t"));
  CHECK_THROWS_WITH_AS(check_export_input(cased, {}, "t", kIgnoreCase),
                       "cannot export to t: the input has two columns named \"a\" and \"A\" (names ignore case)",
                       Error);
}

TEST_CASE("keys must be columns of the input, each named once") {
  const Schema input{{"id", int64()}, {"v", utf8()}};
  CHECK_THROWS_WITH_AS(check_export_input(input, {"nope"}, "t"),
                       "cannot export to t: unique constraint column \"nope\" is not a column of the input", Error);
  CHECK_THROWS_WITH_AS(check_export_input(input, {"id", "id"}, "t"),
                       "cannot export to t: unique constraint column \"id\" is given twice", Error);
  CHECK_THROWS_AS(check_export_input(input, {"ID"}, "t"), Error);  // exact names by default
}

TEST_CASE("ASCII case folding leaves other bytes alone") {
  CHECK(same_ignoring_ascii_case("Zürich", "zÜrich") == false);
  CHECK(same_ignoring_ascii_case("ABC_1", "abc_1"));
  CHECK_FALSE(same_ignoring_ascii_case("ab", "abc"));
}
