#include "pg_types.hpp"

#include <mageio/sdk/error.hpp>

namespace mageio::postgres {

bool numeric_precision_scale(int32_t typmod, int32_t& precision, int32_t& scale) {
  // typmod = ((precision << 16) | (scale & 0x7ff)) + VARHDRSZ; the scale is an 11-bit signed number
  // since PostgreSQL 15 (negative scales).
  if (typmod < 4) return false;
  const int32_t packed = typmod - 4;
  precision = (packed >> 16) & 0xffff;
  scale = ((packed & 0x7ff) ^ 1024) - 1024;
  return true;
}

ColumnPlan plan_column(std::string name, Oid type_oid, int32_t typmod, bool numeric_as_text) {
  ColumnPlan plan;
  plan.name = std::move(name);
  plan.type_oid = type_oid;
  plan.typmod = typmod;
  auto set = [&](Decode decode, sdk::DataType type) {
    plan.decode = decode;
    plan.type = std::move(type);
  };
  switch (type_oid) {
    case oid::kBool: set(Decode::Bool, sdk::bool_type()); break;
    case oid::kInt2: set(Decode::Int16, sdk::int16()); break;
    case oid::kInt4: set(Decode::Int32, sdk::int32()); break;
    case oid::kInt8: set(Decode::Int64, sdk::int64()); break;
    case oid::kOid: set(Decode::Oid, sdk::int64()); break;
    case oid::kFloat4: set(Decode::Float32, sdk::float32()); break;
    case oid::kFloat8: set(Decode::Float64, sdk::float64()); break;
    case oid::kNumeric: {
      int32_t precision = 0, scale = 0;
      if (!numeric_as_text && numeric_precision_scale(typmod, precision, scale) && precision >= 1 && precision <= 38 &&
          scale >= 0 && scale <= precision)
        set(Decode::NumericDecimal, sdk::decimal128(precision, scale));
      else
        set(Decode::NumericText, sdk::utf8());
      break;
    }
    case oid::kText:
    case oid::kVarchar:
    case oid::kBpchar:
    case oid::kName:
    case oid::kJson: set(Decode::Text, sdk::utf8()); break;
    case oid::kJsonb: set(Decode::Jsonb, sdk::utf8()); break;
    case oid::kBytea: set(Decode::Bytea, sdk::binary()); break;
    case oid::kUuid: set(Decode::Uuid, sdk::utf8()); break;
    case oid::kDate: set(Decode::Date, sdk::date32()); break;
    case oid::kTimestamp: set(Decode::Timestamp, sdk::timestamp_us()); break;
    case oid::kTimestamptz: set(Decode::Timestamp, sdk::timestamp_us("UTC")); break;
    case oid::kTime: set(Decode::Time, sdk::time64_us()); break;
    default:
      // Whatever we do not decode, the server turns into its text output: lossless, never an error.
      set(Decode::Text, sdk::utf8());
      plan.cast_to_text = true;
      break;
  }
  return plan;
}

std::string pg_type_for(const sdk::DataType& type) {
  using sdk::TypeId;
  switch (type.id) {
    case TypeId::Null: return "text";
    case TypeId::Bool: return "boolean";
    case TypeId::Int8:
    case TypeId::Int16:
    case TypeId::UInt8: return "smallint";
    case TypeId::Int32:
    case TypeId::UInt16: return "integer";
    case TypeId::Int64:
    case TypeId::UInt32: return "bigint";
    case TypeId::UInt64: return "numeric(20,0)";
    case TypeId::Float32: return "real";
    case TypeId::Float64: return "double precision";
    case TypeId::Decimal128:
      return "numeric(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case TypeId::Utf8:
    case TypeId::LargeUtf8: return "text";
    case TypeId::Binary:
    case TypeId::LargeBinary: return "bytea";
    case TypeId::Date32:
    case TypeId::Date64: return "date";
    case TypeId::Timestamp: return type.timezone.empty() ? "timestamp without time zone" : "timestamp with time zone";
    case TypeId::Time32:
    case TypeId::Time64: return "time without time zone";
    case TypeId::Duration: break;  // not mapped (yet)
  }
  throw sdk::not_implemented("no PostgreSQL type for " + type.name());
}

Oid pg_oid_for(const sdk::DataType& type) {
  using sdk::TypeId;
  switch (type.id) {
    case TypeId::Null: return oid::kText;
    case TypeId::Bool: return oid::kBool;
    case TypeId::Int8:
    case TypeId::Int16:
    case TypeId::UInt8: return oid::kInt2;
    case TypeId::Int32:
    case TypeId::UInt16: return oid::kInt4;
    case TypeId::Int64:
    case TypeId::UInt32: return oid::kInt8;
    case TypeId::UInt64:
    case TypeId::Decimal128: return oid::kNumeric;
    case TypeId::Float32: return oid::kFloat4;
    case TypeId::Float64: return oid::kFloat8;
    case TypeId::Utf8:
    case TypeId::LargeUtf8: return oid::kText;
    case TypeId::Binary:
    case TypeId::LargeBinary: return oid::kBytea;
    case TypeId::Date32:
    case TypeId::Date64: return oid::kDate;
    case TypeId::Timestamp: return type.timezone.empty() ? oid::kTimestamp : oid::kTimestamptz;
    case TypeId::Time32:
    case TypeId::Time64: return oid::kTime;
    case TypeId::Duration: break;  // not mapped (yet)
  }
  throw sdk::not_implemented("no PostgreSQL type for " + type.name());
}

}  // namespace mageio::postgres
