#include "jsonl_reader.hpp"

#include "input_file.hpp"
#include "jsonl_line_parser.hpp"
#include "line_reader.hpp"
#include "text_util.hpp"
#include "type_inference.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/values.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_map>

namespace mageio::file {

namespace {

constexpr size_t kMaxSampleBytes = size_t{64} << 20;

// ------------------------------------------------------------------------------------------------
// Inference

/// What the sample showed for one key.
struct KeyStats {
  TextTypeGuesser strings{false};
  bool strings_all_float_words = true;
  NumberGuesser numbers;  // the numbers' JSON text, and float-word strings (as export writes NaN)
  // First line of each kind, 0 if never seen: bool, number, string, nested.
  int64_t first_line[4] = {0, 0, 0, 0};

  static int slot(JsonKind k) {
    switch (k) {
      case JsonKind::Bool: return 0;
      case JsonKind::Int:
      case JsonKind::UInt:
      case JsonKind::Double: return 1;
      case JsonKind::String: return 2;
      case JsonKind::Nested: return 3;
      default: return -1;
    }
  }

  void observe(const JsonValue& v, int64_t line) {
    int s = slot(v.kind);
    if (s < 0) return;
    if (first_line[s] == 0) first_line[s] = line;
    switch (v.kind) {
      case JsonKind::Int:
      case JsonKind::UInt:
      case JsonKind::Double: numbers.observe(v.text); break;
      case JsonKind::String:
        strings.observe(v.text);
        if (is_float_word(v.text)) {
          numbers.observe(v.text);
        } else {
          strings_all_float_words = false;
        }
        break;
      default: break;
    }
  }
};

/// Appends a non-null JSON value to a column of the given type.
Mismatch append_json(sdk::ColumnBuilder& col, const JsonValue& v, bool inferred, bool any_as_text) {
  const sdk::DataType& t = col.type();
  using sdk::TypeId;
  if (t.is_string() && any_as_text) {
    col.append_string(v.text);
    return Mismatch::None;
  }
  switch (v.kind) {
    case JsonKind::String:
      if (t.is_floating() && inferred) {
        auto d = float_word_value(v.text);
        if (!d) return Mismatch::NotOfType;
        col.append_double(*d);
        return Mismatch::None;
      }
      // A string is not a number or a bool in JSON ("007" stays a string).
      if (inferred && (t.id == TypeId::Bool || t.is_integer() || t.id == TypeId::Decimal128)) {
        return Mismatch::NotOfType;
      }
      return append_text(col, v.text, inferred);
    case JsonKind::Bool:
      if (t.id != TypeId::Bool) return Mismatch::NotOfType;
      col.append_bool(v.b);
      return Mismatch::None;
    case JsonKind::Int:
    case JsonKind::UInt:
    case JsonKind::Double:
      // Converted from the number's JSON text; for an inferred type that text must be a canonical
      // spelling of it (check_canonical, as in inference): 1.0 is not an int64, and a number float64
      // would round is an error rather than a rounded value.
      if (t.is_integer() || t.is_floating() || t.id == TypeId::Decimal128) {
        if (!inferred && v.kind == JsonKind::Double && t.is_integer()) return Mismatch::NotOfType;
        return append_text(col, v.text, inferred);
      }
      return Mismatch::NotOfType;
    default: return Mismatch::NotOfType;
  }
}

class JsonlSource final : public sdk::BatchSource {
 public:
  JsonlSource(const LoadSettings& settings, const sdk::Host& host)
      : s_(settings),
        host_(host),
        input_(s_.path, &host_, s_.slice ? &*s_.slice : nullptr),
        lines_(input_, s_.display, s_.read_chunk_bytes) {
    lines_.start_at_line(s_.first_line);
    if (s_.planned) {
      adopt(*s_.planned);
      return;
    }
    infer_schema();
  }

  /// The schema as inferred, for a plan (plan_jsonl).
  PlannedSchema planned() const {
    PlannedSchema out;
    out.sample_rows = sample_rows_;
    for (size_t c = 0; c < schema_.size(); ++c)
      out.columns.push_back({schema_[c].name, schema_[c].type, inferred_[c], any_as_text_[c]});
    return out;
  }

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
      ++row_serial_;
      if (sample_pos_ < sample_.size()) {
        const SampleRow& r = sample_[sample_pos_++];
        for (const auto& [col, value] : r.values) append_value(batch, col, value, r.line);
        finish_row(batch);
        continue;
      }
      if (!sample_.empty()) {
        sample_.clear();
        sample_.shrink_to_fit();
        sample_pos_ = 0;
      }
      int64_t line = 0;
      if (!read_row(row_, line)) {
        done_ = true;
        break;
      }
      for (size_t m = 0; m < row_.count; ++m) {
        const JsonMember& member = row_.members[m];
        auto it = index_.find(member.key);
        if (it == index_.end()) {
          throw sdk::invalid_argument(
              s_.display + ":" + std::to_string(line) + ": key " + quote_for_message(member.key, 200) +
              " does not appear in the first " + std::to_string(sample_rows_) + " rows, which fixed the columns; " +
              "raise options.infer_rows or declare it with " + override_hint(member.key, "utf8"));
        }
        check_duplicate(it->second, line);
        if (member.value.kind != JsonKind::Null) append_value(batch, it->second, member.value, line);
      }
      finish_row(batch);
    }
    if (batch.rows() == 0) return false;
    emitted_ += batch.rows();
    batch.finish(out);
    host_.progress(emitted_, lines_.bytes_read(), -1);
    return true;
  }

 private:
  struct SampleRow {
    int64_t line;
    std::vector<std::pair<size_t, JsonValue>> values;  // non-null values only
  };

  /// Columns and types from the first infer_rows lines (the sample, emitted first).
  void infer_schema() {
    std::vector<KeyStats> stats;
    size_t sample_bytes = 0;
    JsonRow row;
    int64_t line = 0;
    while (static_cast<int64_t>(sample_.size()) < s_.infer_rows && sample_bytes < kMaxSampleBytes &&
           read_row(row, line)) {
      SampleRow sample{line, {}};
      sample.values.reserve(row.count);
      ++row_serial_;
      for (size_t m = 0; m < row.count; ++m) {
        JsonMember& member = row.members[m];
        auto it = index_.find(member.key);
        size_t col;
        if (it == index_.end()) {
          col = schema_.size();
          index_.emplace(member.key, col);
          schema_.push_back({member.key, sdk::utf8(), true});
          stats.emplace_back();
          seen_.push_back(0);
        } else {
          col = it->second;
        }
        check_duplicate(col, line);
        stats[col].observe(member.value, line);
        sample_bytes += member.key.size() + member.value.text.size() + 16;
        if (member.value.kind != JsonKind::Null) sample.values.emplace_back(col, std::move(member.value));
      }
      sample_.push_back(std::move(sample));
    }
    sample_rows_ = static_cast<int64_t>(sample_.size());

    inferred_.assign(schema_.size(), true);
    any_as_text_.assign(schema_.size(), false);
    for (size_t c = 0; c < schema_.size(); ++c) {
      auto o = std::find_if(s_.columns.begin(), s_.columns.end(),
                            [&](const ColumnOverride& x) { return x.name == schema_[c].name; });
      if (o != s_.columns.end()) {
        schema_[c].type = o->type;
        inferred_[c] = false;
        any_as_text_[c] = true;
        continue;
      }
      schema_[c].type = infer(schema_[c].name, stats[c], c);
    }
    // Declared keys the sample never showed become columns too.
    for (const ColumnOverride& o : s_.columns) {
      if (index_.count(o.name)) continue;
      index_.emplace(o.name, schema_.size());
      schema_.push_back({o.name, o.type, true});
      inferred_.push_back(false);
      any_as_text_.push_back(true);
      seen_.push_back(0);
    }
  }

  /// A partition's schema: the plan's, inferred from the start of the file.
  void adopt(const PlannedSchema& plan) {
    for (const PlannedColumn& c : plan.columns) {
      index_.emplace(c.name, schema_.size());
      schema_.push_back({c.name, c.type, true});
      inferred_.push_back(c.inferred);
      any_as_text_.push_back(c.any_as_text);
      seen_.push_back(0);
    }
    sample_rows_ = plan.sample_rows;
  }

  /// The next non-blank line, parsed. Throws naming the line on any problem.
  bool read_row(JsonRow& row, int64_t& line) {
    std::string_view text;
    while (lines_.next(text)) {
      if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      line = lines_.line_number();
      std::string error = parser_.parse(text, row);
      if (!error.empty()) throw sdk::invalid_argument(s_.display + ":" + std::to_string(line) + ": " + error);
      return true;
    }
    return false;
  }

  void check_duplicate(size_t col, int64_t line) {
    if (seen_[col] == row_serial_) {
      throw sdk::invalid_argument(s_.display + ":" + std::to_string(line) + ": key " +
                                  quote_for_message(schema_[col].name, 200) + " appears twice in the object");
    }
    seen_[col] = row_serial_;
  }

  sdk::DataType infer(const std::string& key, const KeyStats& st, size_t col) {
    const bool has_bool = st.first_line[0], has_number = st.first_line[1], has_string = st.first_line[2],
               has_nested = st.first_line[3];
    if (has_number && has_string && !has_bool && !has_nested && st.strings_all_float_words) {
      if (auto type = st.numbers.result()) return *type;  // float64: the words rule out the others
    }
    if (has_bool + has_number + has_string + has_nested > 1) {
      static const char* names[4] = {"a boolean", "a number", "a string", "an object or array"};
      std::vector<std::pair<int64_t, int>> order;
      for (int k = 0; k < 4; ++k) {
        if (st.first_line[k]) order.emplace_back(st.first_line[k], k);
      }
      std::sort(order.begin(), order.end());
      std::string kinds;
      for (size_t i = 0; i < order.size(); ++i) {
        kinds += (i == 0 ? "" : i + 1 == order.size() ? " and " : ", ");
        kinds += std::string(names[order[i].second]) + " on line " + std::to_string(order[i].first);
      }
      throw sdk::invalid_argument(s_.display + ": key " + quote_for_message(key, 200) +
                                  " has values of different JSON types in the first " + std::to_string(sample_rows_) +
                                  " rows: " + kinds + "; set its type with " + override_hint(key, "utf8"));
    }
    if (has_bool) return sdk::bool_type();
    if (has_number) {
      if (auto type = st.numbers.result()) return *type;
      // No number type holds every value exactly (say 1e400-like precision in exponent notation):
      // keep each number's JSON text rather than round it.
      any_as_text_[col] = true;
      return sdk::utf8();
    }
    if (has_string) return st.strings.result();
    if (has_nested) any_as_text_[col] = true;
    return sdk::utf8();
  }

  void append_value(sdk::BatchBuilder& batch, size_t col, const JsonValue& v, int64_t line) {
    sdk::ColumnBuilder& builder = batch.column(col);
    Mismatch why = append_json(builder, v, inferred_[col], any_as_text_[col]);
    if (why == Mismatch::None) {
      filled_.push_back(col);
      return;
    }
    const sdk::DataType& type = schema_[col].type;
    if (type.is_string() && inferred_[col]) {
      throw sdk::invalid_argument(
          s_.display + ":" + std::to_string(line) + ": key " + quote_for_message(schema_[col].name, 200) + ": " +
          shown(v) + " is " + kind_name(v.kind) + ", but the values in the first " + std::to_string(sample_rows_) +
          " rows are strings; set " + override_hint(schema_[col].name, "utf8") + " to read every value as text");
    }
    throw sdk::invalid_argument(value_error(s_.display, line, "key", schema_[col].name, shown(v), type, why,
                                            inferred_[col] ? sample_rows_ : -1, suggest_type(type, v.text, why)));
  }

  /// Nulls for every column the row did not fill.
  void finish_row(sdk::BatchBuilder& batch) {
    if (filled_.size() != schema_.size()) {
      std::vector<bool> has(schema_.size(), false);
      for (size_t c : filled_) has[c] = true;
      for (size_t c = 0; c < schema_.size(); ++c) {
        if (!has[c]) batch.column(c).append_null();
      }
    }
    filled_.clear();
    batch.end_row();
  }

  LoadSettings s_;
  sdk::Host host_;
  InputFile input_;
  LineReader lines_;
  LineParser parser_;
  sdk::Schema schema_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<bool> inferred_;
  std::vector<bool> any_as_text_;
  std::vector<int64_t> seen_;  // row serial that last set each column (duplicate keys)
  int64_t row_serial_ = 0;
  std::vector<size_t> filled_;
  std::vector<SampleRow> sample_;
  size_t sample_pos_ = 0;
  int64_t sample_rows_ = 0;
  JsonRow row_;
  int64_t emitted_ = 0;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<sdk::BatchSource> open_jsonl_source(const LoadSettings& settings, const sdk::Host& host) {
  return std::make_unique<JsonlSource>(settings, host);
}

PlannedSchema plan_jsonl(const LoadSettings& settings, const sdk::Host& host) {
  return JsonlSource(settings, host).planned();
}

}  // namespace mageio::file
