#include "csv_writer.hpp"

#include "text_util.hpp"
#include "type_inference.hpp"

#include <mageio/sdk/error.hpp>

namespace mageio::file {

void throw_invalid_utf8(const std::string& column, int64_t row, size_t bad) {
  if (row == 0) throw sdk::invalid_argument("a column name is not valid UTF-8; cannot write it as text");
  std::string msg = "column ";
  sdk::append_json_string(msg, column);
  throw sdk::invalid_argument(msg + ", row " + std::to_string(row) + ": the value is not valid UTF-8 (at byte " +
                              std::to_string(bad) + "); cannot write it as text");
}

void check_utf8_value(std::string_view text, const std::string& column, int64_t row) {
  if (size_t bad = sdk::invalid_utf8_offset(text); bad != std::string_view::npos) throw_invalid_utf8(column, row, bad);
}

CsvWriter::CsvWriter(sdk::AtomicFile& out, const sdk::Schema& schema, const CsvSettings& settings)
    : out_(out), schema_(schema), settings_(settings) {}

void CsvWriter::append_field(std::string_view text) {
  const char d = settings_.delimiter;
  bool quote = text.empty() || (settings_.null_string && text == *settings_.null_string);
  if (!quote) {
    char first = text.front(), last = text.back();
    quote = first == ' ' || first == '\t' || last == ' ' || last == '\t';
  }
  if (!quote) {
    for (char c : text) {
      if (c == d || c == '"' || c == '\n' || c == '\r') {
        quote = true;
        break;
      }
    }
  }
  if (!quote) {
    line_.append(text);
    return;
  }
  line_.push_back('"');
  for (char c : text) {
    if (c == '"') line_.push_back('"');
    line_.push_back(c);
  }
  line_.push_back('"');
}

void CsvWriter::write_header() {
  line_.clear();
  for (size_t i = 0; i < schema_.size(); ++i) {
    if (i) line_.push_back(settings_.delimiter);
    check_utf8_value(schema_[i].name, schema_[i].name, 0);
    append_field(schema_[i].name);
  }
  line_.push_back('\n');
  out_.write(line_);
}

void CsvWriter::write_batch(const sdk::BatchView& batch) {
  const size_t ncols = batch.column_count();
  for (int64_t r = 0; r < batch.rows(); ++r) {
    ++rows_;
    line_.clear();
    for (size_t c = 0; c < ncols; ++c) {
      if (c) line_.push_back(settings_.delimiter);
      const sdk::ColumnView& col = batch.column(c);
      if (col.type().id == sdk::TypeId::Null || col.is_null(r)) {
        if (settings_.null_string) line_.append(*settings_.null_string);
        continue;
      }
      if (col.type().is_floating()) {
        append_field(float_text(col.get_double(r)));
      } else if (col.type().is_string()) {
        std::string_view s = col.get_string(r);
        check_utf8_value(s, schema_[c].name, rows_);
        append_field(s);
      } else {
        append_field(col.to_text(r));
      }
    }
    // A one-column row whose only value is null would be a blank line: fine, a one-column file reads a
    // blank line as null.
    line_.push_back('\n');
    out_.write(line_);
  }
}

}  // namespace mageio::file
