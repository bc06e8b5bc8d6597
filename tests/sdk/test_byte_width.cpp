// byte_width: the one table of value sizes that readers, builders and plugins size buffers with.
#include <doctest/doctest.h>

#include <mageio/sdk/types.hpp>

using namespace mageio::sdk;

TEST_CASE("fixed-width types have their Arrow value sizes") {
  CHECK(byte_width(TypeId::Int8) == 1);
  CHECK(byte_width(TypeId::UInt8) == 1);
  CHECK(byte_width(TypeId::Int16) == 2);
  CHECK(byte_width(TypeId::UInt16) == 2);
  CHECK(byte_width(TypeId::Int32) == 4);
  CHECK(byte_width(TypeId::UInt32) == 4);
  CHECK(byte_width(TypeId::Float32) == 4);
  CHECK(byte_width(TypeId::Date32) == 4);
  CHECK(byte_width(TypeId::Time32) == 4);
  CHECK(byte_width(TypeId::Int64) == 8);
  CHECK(byte_width(TypeId::UInt64) == 8);
  CHECK(byte_width(TypeId::Float64) == 8);
  CHECK(byte_width(TypeId::Date64) == 8);
  CHECK(byte_width(TypeId::Timestamp) == 8);
  CHECK(byte_width(TypeId::Time64) == 8);
  CHECK(byte_width(TypeId::Duration) == 8);
  CHECK(byte_width(TypeId::Decimal128) == 16);
}

TEST_CASE("bits, variable-length and null types have no byte width") {
  for (TypeId id : {TypeId::Null, TypeId::Bool, TypeId::Utf8, TypeId::LargeUtf8, TypeId::Binary, TypeId::LargeBinary})
    CHECK(byte_width(id) == 0);
}
