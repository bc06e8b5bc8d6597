#include "jsonl_writer.hpp"

#include "csv_writer.hpp"
#include "text_util.hpp"
#include "type_inference.hpp"

#include <charconv>
#include <cmath>

namespace mageio::file {

JsonlWriter::JsonlWriter(AtomicFile& out, const sdk::Schema& schema) : out_(out), schema_(schema) {
  for (size_t i = 0; i < schema.size(); ++i) {
    check_utf8_value(schema[i].name, schema[i].name, 0);
    std::string key = i == 0 ? "{" : ",";
    append_json_string(key, schema[i].name);
    key.push_back(':');
    keys_.push_back(std::move(key));
  }
}

void JsonlWriter::write_batch(const sdk::BatchView& batch) {
  using sdk::TypeId;
  char num[32];
  for (int64_t r = 0; r < batch.rows(); ++r) {
    ++rows_;
    line_.clear();
    if (keys_.empty()) line_.push_back('{');
    for (size_t c = 0; c < batch.column_count(); ++c) {
      line_.append(keys_[c]);
      const sdk::ColumnView& col = batch.column(c);
      const sdk::DataType& type = col.type();
      if (type.id == TypeId::Null || col.is_null(r)) {
        line_.append("null");
        continue;
      }
      switch (type.id) {
        case TypeId::Bool: line_.append(col.get_bool(r) ? "true" : "false"); break;
        case TypeId::Int8:
        case TypeId::Int16:
        case TypeId::Int32:
        case TypeId::Int64:
        case TypeId::UInt8:
        case TypeId::UInt16:
        case TypeId::UInt32: {
          auto res = std::to_chars(num, num + sizeof num, col.get_int(r));
          line_.append(num, res.ptr);
          break;
        }
        case TypeId::UInt64: {
          auto res = std::to_chars(num, num + sizeof num, col.get_uint(r));
          line_.append(num, res.ptr);
          break;
        }
        case TypeId::Float32:
        case TypeId::Float64: {
          double d = col.get_double(r);
          if (std::isnan(d)) {
            line_.append("\"NaN\"");
          } else if (std::isinf(d)) {
            line_.append(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
          } else {
            line_.append(float_text(d));
          }
          break;
        }
        case TypeId::Utf8:
        case TypeId::LargeUtf8: {
          std::string_view s = col.get_string(r);
          check_utf8_value(s, schema_[c].name, rows_);
          append_json_string(line_, s);
          break;
        }
        default:  // decimal, binary, dates, timestamps, times: canonical text as a string
          append_json_string(line_, col.to_text(r));
          break;
      }
    }
    line_.append("}\n");
    out_.write(line_);
  }
}

}  // namespace mageio::file
