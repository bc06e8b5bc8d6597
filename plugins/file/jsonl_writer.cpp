#include "jsonl_writer.hpp"

#include "csv_writer.hpp"
#include "text_util.hpp"

#include <mageio/sdk/json_cell.hpp>

namespace mageio::file {

JsonlWriter::JsonlWriter(sdk::AtomicFile& out, const sdk::Schema& schema) : out_(out), schema_(schema) {
  for (size_t i = 0; i < schema.size(); ++i) {
    check_utf8_value(schema[i].name, schema[i].name, 0);
    std::string key = i == 0 ? "{" : ",";
    sdk::append_json_string(key, schema[i].name);
    key.push_back(':');
    keys_.push_back(std::move(key));
  }
}

void JsonlWriter::write_batch(const sdk::BatchView& batch) {
  for (int64_t r = 0; r < batch.rows(); ++r) {
    ++rows_;
    line_.clear();
    if (keys_.empty()) line_.push_back('{');
    for (size_t c = 0; c < batch.column_count(); ++c) {
      line_.append(keys_[c]);
      if (size_t bad = sdk::append_json_cell(line_, batch.column(c), r); bad != std::string_view::npos)
        throw_invalid_utf8(schema_[c].name, rows_, bad);
    }
    line_.append("}\n");
    out_.write(line_);
  }
}

}  // namespace mageio::file
