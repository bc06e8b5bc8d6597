#include "csv_source.hpp"

#include "csv_reader.hpp"
#include "text_util.hpp"
#include "type_inference.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/error.hpp>

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

namespace mageio::file {

namespace {

/// The inference sample stops at infer_rows records or this many bytes of field data.
constexpr size_t kMaxSampleBytes = size_t{64} << 20;

bool is_text_type(const sdk::DataType& t) { return t.is_string() || t.is_binary(); }

std::string utf8_error(const std::string& path, int64_t line, const std::string& where, std::string_view text,
                       size_t offset) {
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[offset]));
  return path + ":" + std::to_string(line) + ": " + where + ": invalid UTF-8 (byte " + byte + " at offset " +
         std::to_string(offset) + " of the value)";
}

class CsvSource final : public sdk::BatchSource {
 public:
  CsvSource(const LoadSettings& settings, const sdk::Host& host)
      : s_(settings),
        host_(host),
        input_(s_.path, &host_, s_.slice ? &*s_.slice : nullptr),
        tokenizer_(input_, s_.display, s_.csv.delimiter, s_.read_chunk_bytes) {
    tokenizer_.start_at_line(s_.first_line);
    expectation_ = s_.csv.header ? "as in the header" : "as in the first row";
    if (s_.planned) {
      adopt(*s_.planned);
      // Only the partition at the start of the file holds the header (or the first row).
      if (input_.begin() == 0) take_first_record(read_first_record());
      return;
    }
    CsvRecord first = read_first_record();
    std::vector<std::string> names = column_names(first);  // before `first` is moved away
    infer(names, std::move(first));
  }

  /// The schema as inferred, for a plan (plan_csv).
  PlannedSchema planned() const {
    PlannedSchema out;
    out.sample_rows = sample_rows_;
    for (size_t i = 0; i < schema_.size(); ++i) out.columns.push_back({schema_[i].name, schema_[i].type, inferred_[i]});
    return out;
  }
  int64_t first_record_end() const { return first_record_end_; }

  const sdk::Schema& schema() const override { return schema_; }

  bool next(ArrowArray* out) override {
    if (done_) return false;
    host_.check_cancelled();
    const int64_t max_rows = s_.rows_for_next_batch(emitted_);
    if (max_rows == 0) {
      done_ = true;
      return false;
    }
    sdk::BatchBuilder batch(schema_);
    while (batch.rows() < max_rows && batch.byte_size() < sdk::kDefaultBatchBytes) {
      const CsvRecord* r;
      if (sample_pos_ < sample_.size()) {
        r = &sample_[sample_pos_++];
      } else {
        if (!sample_.empty()) {
          sample_.clear();  // drained: give the memory back
          sample_.shrink_to_fit();
          sample_pos_ = 0;
        }
        if (!read_data_record(rec_)) {
          done_ = true;
          break;
        }
        r = &rec_;
      }
      append_row(batch, *r);
      batch.end_row();
    }
    if (batch.rows() == 0) return false;
    emitted_ += batch.rows();
    batch.finish(out);
    host_.progress(emitted_, tokenizer_.bytes_read(), -1);
    return true;
  }

 private:
  /// The first non-blank record: the header, or with header=false the first row. Also notes where it
  /// ends (a plan splits the file after it).
  CsvRecord read_first_record() {
    CsvRecord first;
    while (tokenizer_.next(first)) {
      if (!first.is_blank()) {
        first_record_end_ = tokenizer_.offset();
        return first;
      }
    }
    throw sdk::invalid_argument(s_.display + ": the file is empty" +
                                std::string(s_.csv.header ? " (no header row)" : ""));
  }

  std::vector<std::string> column_names(const CsvRecord& first) const {
    const size_t ncols = first.size();
    std::vector<std::string> names;
    if (!s_.csv.header) {
      for (size_t i = 0; i < ncols; ++i) names.push_back("column_" + std::to_string(i + 1));
      return names;
    }
    std::unordered_map<std::string, size_t> seen;
    for (size_t i = 0; i < ncols; ++i) {
      std::string_view f = first.field(i);
      if (size_t bad = sdk::invalid_utf8_offset(f); bad != std::string_view::npos) {
        throw sdk::invalid_argument(
            utf8_error(s_.display, first.line, "header field " + std::to_string(i + 1), f, bad));
      }
      std::string name = f.empty() ? "column_" + std::to_string(i + 1) : std::string(f);
      auto [it, inserted] = seen.emplace(name, i);
      if (!inserted) {
        throw sdk::invalid_argument(s_.display + ":" + std::to_string(first.line) + ": the header names column " +
                                    quote_for_message(name, 200) + " twice (fields " + std::to_string(it->second + 1) +
                                    " and " + std::to_string(i + 1) + ")");
      }
      names.push_back(std::move(name));
    }
    return names;
  }

  /// A record without a header is the first row: it is read before the rest.
  void take_first_record(CsvRecord first) {
    if (s_.csv.header) return;
    check_record(first);
    sample_.push_back(std::move(first));
  }

  /// A partition's schema: the plan's, as inferred from the start of the file.
  void adopt(const PlannedSchema& plan) {
    for (const PlannedColumn& c : plan.columns) {
      schema_.push_back({c.name, c.type, true});
      inferred_.push_back(c.inferred);
      check_utf8_.push_back(!(!c.inferred && c.type.is_binary()));
    }
    sample_rows_ = plan.sample_rows;
  }

  /// Per-column overrides, then the sample and inference for the other columns.
  void infer(const std::vector<std::string>& names, CsvRecord first) {
    const size_t ncols = names.size();
    std::vector<std::optional<sdk::DataType>> override_of(ncols);
    for (const ColumnOverride& o : s_.columns) {
      auto it = std::find(names.begin(), names.end(), o.name);
      if (it == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        throw sdk::invalid_argument("options.columns names column " + quote_for_message(o.name, 200) + ", which " +
                                    s_.display + " does not have; its columns are: " + list);
      }
      override_of[it - names.begin()] = o.type;
    }
    schema_.resize(ncols);
    inferred_.resize(ncols);
    check_utf8_.resize(ncols);
    for (size_t i = 0; i < ncols; ++i) {
      schema_[i].name = names[i];
      // Binary overrides take raw bytes; everything else must be UTF-8.
      check_utf8_[i] = !(override_of[i] && override_of[i]->is_binary());
    }
    read_sample(std::move(first));
    for (size_t i = 0; i < ncols; ++i) {
      inferred_[i] = !override_of[i];
      schema_[i].type = override_of[i] ? *override_of[i] : guess_type(i);
    }
  }

  /// The inference sample (the first data row too when there is no header).
  void read_sample(CsvRecord first) {
    size_t sample_bytes = s_.csv.header ? 0 : first.data.size();
    take_first_record(std::move(first));
    CsvRecord rec;
    while (static_cast<int64_t>(sample_.size()) < s_.infer_rows && sample_bytes < kMaxSampleBytes &&
           read_data_record(rec)) {
      sample_bytes += rec.data.size();
      sample_.push_back(std::move(rec));
      rec = CsvRecord();
    }
    sample_rows_ = static_cast<int64_t>(sample_.size());
  }

  sdk::DataType guess_type(size_t i) const {
    TextTypeGuesser guess;
    for (const CsvRecord& r : sample_) {
      std::string_view f = r.field(i);
      if (f.empty()) continue;  // null, or "" (null in any non-text column)
      if (!r.is_quoted(i) && s_.csv.null_string && f == *s_.csv.null_string) continue;
      guess.observe(f);
    }
    return guess.result();
  }

  /// The next data record, blank lines skipped (when there are several columns), checked for field
  /// count and UTF-8.
  bool read_data_record(CsvRecord& r) {
    while (tokenizer_.next(r)) {
      if (r.is_blank() && schema_.size() > 1) continue;
      check_record(r);
      return true;
    }
    return false;
  }

  void check_record(const CsvRecord& r) const {
    if (r.size() != schema_.size()) {
      throw sdk::invalid_argument(s_.display + ":" + std::to_string(r.line) + ": expected " +
                                  std::to_string(schema_.size()) + " fields (" + expectation_ + "), found " +
                                  std::to_string(r.size()));
    }
    // Most records are plain ASCII: one pass over the record's bytes settles every field at once. Only a
    // record with other bytes is checked field by field (a sequence split between two fields is invalid
    // in both, and the error names the field).
    if (sdk::is_ascii(r.data)) return;
    for (size_t i = 0; i < r.size(); ++i) {
      if (!check_utf8_[i]) continue;
      std::string_view f = r.field(i);
      if (size_t bad = sdk::invalid_utf8_offset(f); bad != std::string_view::npos) {
        std::string where = "column ";
        sdk::append_json_string(where, schema_[i].name);
        throw sdk::invalid_argument(utf8_error(s_.display, r.line, where, f, bad));
      }
    }
  }

  bool is_null(size_t i, std::string_view f, bool quoted) const {
    const bool text = is_text_type(schema_[i].type);
    if (quoted) return f.empty() && !text;
    if (s_.csv.null_string) return f == *s_.csv.null_string || (f.empty() && !text);
    return f.empty();
  }

  void append_row(sdk::BatchBuilder& batch, const CsvRecord& r) {
    for (size_t i = 0; i < schema_.size(); ++i) {
      sdk::ColumnBuilder& col = batch.column(i);
      std::string_view f = r.field(i);
      if (is_null(i, f, r.is_quoted(i))) {
        col.append_null();
        continue;
      }
      Mismatch why = append_text(col, f, inferred_[i]);
      if (why != Mismatch::None) {
        const sdk::DataType& type = schema_[i].type;
        throw sdk::invalid_argument(value_error(s_.display, r.line, "column", schema_[i].name, quote_for_message(f),
                                                type, why, inferred_[i] ? sample_rows_ : -1,
                                                suggest_type(type, f, why)));
      }
    }
  }

  LoadSettings s_;
  sdk::Host host_;
  InputFile input_;
  CsvTokenizer tokenizer_;
  sdk::Schema schema_;
  std::vector<bool> inferred_;
  std::vector<bool> check_utf8_;
  const char* expectation_ = "";
  std::vector<CsvRecord> sample_;
  size_t sample_pos_ = 0;
  int64_t sample_rows_ = 0;
  CsvRecord rec_;
  int64_t first_record_end_ = 0;
  int64_t emitted_ = 0;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<sdk::BatchSource> open_csv_source(const LoadSettings& settings, const sdk::Host& host) {
  return std::make_unique<CsvSource>(settings, host);
}

CsvPlan plan_csv(const LoadSettings& settings, const sdk::Host& host) {
  CsvSource source(settings, host);
  return {source.planned(), source.first_record_end()};
}

std::vector<std::string> read_csv_header(const std::string& path, char delimiter, bool& found) {
  InputFile input(path);
  CsvTokenizer tokenizer(input, path, delimiter);
  CsvRecord r;
  found = false;
  while (tokenizer.next(r)) {
    if (r.is_blank()) continue;
    found = true;
    std::vector<std::string> names;
    for (size_t i = 0; i < r.size(); ++i) names.emplace_back(r.field(i));
    return names;
  }
  return {};
}

}  // namespace mageio::file
