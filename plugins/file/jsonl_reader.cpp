#include "jsonl_reader.hpp"

#include "input_file.hpp"
#include "text_util.hpp"
#include "type_inference.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/values.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_map>

namespace mageio::file {

namespace {

namespace json = boost::json;

constexpr size_t kMaxSampleBytes = size_t{64} << 20;

// ------------------------------------------------------------------------------------------------
// Reading lines

class LineReader {
 public:
  LineReader(InputFile& input, const std::string& path) : input_(input), path_(path), buffer_(kReadChunkBytes) {}

  /// The next line without its LF (and trailing CR); valid until the next call.
  bool next(std::string_view& line) {
    bool carried = false;
    carry_.clear();
    for (;;) {
      if (pos_ == end_ && !fill()) {
        if (!carried) return false;
        ++line_;
        line = strip_cr(carry_);
        return true;
      }
      const char* buf = buffer_.data();
      const char* nl = static_cast<const char*>(std::memchr(buf + pos_, '\n', end_ - pos_));
      if (nl) {
        size_t stop = static_cast<size_t>(nl - buf);
        ++line_;
        if (carried) {
          carry_.append(buf + pos_, stop - pos_);
          line = strip_cr(carry_);
        } else {
          line = strip_cr(std::string_view(buf + pos_, stop - pos_));
        }
        pos_ = stop + 1;
        return true;
      }
      carry_.append(buf + pos_, end_ - pos_);
      carried = true;
      pos_ = end_;
      if (carry_.size() > kMaxRecordBytes) {
        throw sdk::invalid_argument(path_ + ":" + std::to_string(line_ + 1) + ": the line is longer than " +
                                    std::to_string(kMaxRecordBytes >> 20) + " MiB; is this a JSON Lines file?");
      }
    }
  }

  int64_t line_number() const { return line_; }
  int64_t bytes_read() const { return input_.bytes_read(); }

 private:
  static std::string_view strip_cr(std::string_view s) {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }

  bool fill() {
    if (eof_) return false;
    pos_ = 0;
    end_ = input_.read(buffer_.data(), buffer_.size());
    if (end_ == 0) {
      eof_ = true;
      return false;
    }
    if (at_start_) {
      at_start_ = false;
      if (end_ >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
      if (pos_ == end_) return fill();
    }
    return true;
  }

  InputFile& input_;
  const std::string& path_;
  std::vector<char> buffer_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false, at_start_ = true;
  std::string carry_;
  int64_t line_ = 0;
};

// ------------------------------------------------------------------------------------------------
// Parsing one line into its top-level members

enum class JsonKind : uint8_t { Null, Bool, Int, UInt, Double, String, Nested };

struct JsonValue {
  JsonKind kind = JsonKind::Null;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string text;  // the string; a number's text; a nested value's JSON
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

struct JsonRow {
  std::vector<JsonMember> members;  // the first `count` are this row's
  size_t count = 0;
};

/// The JSON text of a value, for messages.
std::string shown(const JsonValue& v) {
  switch (v.kind) {
    case JsonKind::Null: return "null";
    case JsonKind::Bool: return v.b ? "true" : "false";
    case JsonKind::String: return quote_for_message(v.text);
    case JsonKind::Nested:
      return v.text.size() > 40 ? v.text.substr(0, 40) + "..." : v.text;  // JSON text: ASCII structure
    default: return v.text;
  }
}

const char* kind_name(JsonKind k) {
  switch (k) {
    case JsonKind::Bool: return "a boolean";
    case JsonKind::Int:
    case JsonKind::UInt:
    case JsonKind::Double: return "a number";
    case JsonKind::String: return "a string";
    case JsonKind::Nested: return "an object or array";
    default: return "null";
  }
}

struct RowHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  JsonRow* row = nullptr;
  JsonMember* current = nullptr;
  int depth = 0;            // 0 outside the line's object, 1 inside it, 2+ inside a nested value
  std::string part;         // a key, string or number being assembled from parts
  std::string nested;       // the JSON text of the nested value being read
  std::vector<bool> comma;  // per nested container: an element was written
  bool after_key = false;
  std::string error;
  JsonValue ignored;

  void start(JsonRow* r) {
    row = r;
    row->count = 0;
    current = nullptr;
    depth = 0;
    part.clear();
    comma.clear();
    after_key = false;
    error.clear();
  }

  bool fail(json::error_code& ec, std::string message) {
    error = std::move(message);
    ec = json::error::syntax;
    return false;
  }

  /// Before a value inside a nested container: the separating comma.
  void separate() {
    if (after_key) {
      after_key = false;
    } else {
      if (comma.back()) nested.push_back(',');
      comma.back() = true;
    }
  }

  bool top_level_not_object(json::error_code& ec, const char* what) {
    return fail(ec, std::string("expected a JSON object, found ") + what);
  }

  bool begin_container(char open, json::error_code& ec) {
    if (depth == 0) {
      if (open == '[') return top_level_not_object(ec, "an array");
      depth = 1;
      return true;
    }
    if (depth == 1) {
      nested.clear();
      comma.clear();
      after_key = false;
    } else {
      separate();
    }
    nested.push_back(open);
    comma.push_back(false);
    ++depth;
    return true;
  }

  bool end_container(char close) {
    if (depth == 1) {
      depth = 0;
      return true;
    }
    nested.push_back(close);
    comma.pop_back();
    if (--depth == 1) {
      current->value.kind = JsonKind::Nested;
      current->value.text = nested;
    }
    return true;
  }

  /// A scalar whose JSON text is `literal` (strings: their content).
  JsonValue* scalar(json::error_code& ec, JsonKind kind, std::string_view literal) {
    if (depth == 0) {
      fail(ec, std::string("expected a JSON object, found ") + kind_name(kind));
      return nullptr;
    }
    if (depth == 1) {
      current->value.kind = kind;
      current->value.text.assign(literal);
      return &current->value;
    }
    separate();
    if (kind == JsonKind::String) {
      sdk::append_json_string(nested, literal);
    } else {
      nested.append(literal);
    }
    return &ignored;  // values inside nested containers only feed `nested`
  }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code& ec) { return begin_container('{', ec); }
  bool on_object_end(std::size_t, json::error_code&) { return end_container('}'); }
  bool on_array_begin(json::error_code& ec) { return begin_container('[', ec); }
  bool on_array_end(std::size_t, json::error_code&) { return end_container(']'); }

  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    part.append(s.data(), s.size());
    if (depth == 1) {
      // Column names cross the C ABI as C strings (ArrowSchema.name): a NUL would cut the name short.
      if (part.find('\0') != std::string::npos) {
        return fail(ec, "key " + quote_for_message(part, 200) +
                            " contains a NUL character (\\u0000), which a column name cannot hold");
      }
      if (row->count == row->members.size()) row->members.emplace_back();
      current = &row->members[row->count++];
      current->key = part;
      current->value.kind = JsonKind::Null;
      current->value.text.clear();
    } else {
      if (comma.back()) nested.push_back(',');
      comma.back() = true;
      sdk::append_json_string(nested, part);
      nested.push_back(':');
      after_key = true;
    }
    part.clear();
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    part.append(s.data(), s.size());
    bool ok = scalar(ec, JsonKind::String, part) != nullptr;
    part.clear();
    return ok;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, json::string_view s, json::error_code& ec) {
    part.append(s.data(), s.size());
    JsonValue* v = scalar(ec, JsonKind::Int, part);
    part.clear();
    if (!v) return false;
    v->i = i;
    return true;
  }
  bool on_uint64(uint64_t u, json::string_view s, json::error_code& ec) {
    part.append(s.data(), s.size());
    JsonValue* v = scalar(ec, JsonKind::UInt, part);
    part.clear();
    if (!v) return false;
    v->u = u;
    return true;
  }
  bool on_double(double, json::string_view s, json::error_code& ec) {
    part.append(s.data(), s.size());
    double exact = 0;
    auto [ptr, err] = std::from_chars(part.data(), part.data() + part.size(), exact);
    if (err != std::errc() || ptr != part.data() + part.size() || !std::isfinite(exact)) {
      return fail(ec, "the number " + part + " is out of range for a float64");
    }
    JsonValue* v = scalar(ec, JsonKind::Double, part);
    part.clear();
    if (!v) return false;
    v->d = exact;
    return true;
  }
  bool on_bool(bool b, json::error_code& ec) {
    JsonValue* v = scalar(ec, JsonKind::Bool, b ? "true" : "false");
    if (!v) return false;
    v->b = b;
    return true;
  }
  bool on_null(json::error_code& ec) { return scalar(ec, JsonKind::Null, "null") != nullptr; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

class LineParser {
 public:
  LineParser() : parser_(json::parse_options{}) {}

  /// Parses `line` into `row`; returns an error description, empty on success.
  std::string parse(std::string_view line, JsonRow& row) {
    if (size_t bad = sdk::invalid_utf8_offset(line); bad != std::string_view::npos) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(line[bad]));
      return std::string("invalid UTF-8 (byte ") + byte + " at offset " + std::to_string(bad) + " of the line)";
    }
    parser_.reset();
    parser_.handler().start(&row);
    json::error_code ec;
    size_t n = parser_.write_some(false, line.data(), line.size(), ec);
    if (!parser_.handler().error.empty()) return parser_.handler().error;
    if (ec) return "invalid JSON at byte " + std::to_string(n + 1) + ": " + ec.message();
    if (n != line.size()) return "unexpected text after the JSON object at byte " + std::to_string(n + 1);
    return {};
  }

 private:
  json::basic_parser<RowHandler> parser_;
};

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
      : s_(settings), host_(host), input_(s_.path, &host_), lines_(input_, s_.display) {
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

  const sdk::Schema& schema() const override { return schema_; }

  bool next(ArrowArray* out) override {
    if (done_) return false;
    host_.check_cancelled();
    int64_t max_rows = s_.batch_rows;
    if (s_.limit) {
      int64_t remaining = *s_.limit - emitted_;
      if (remaining <= 0) {
        done_ = true;
        return false;
      }
      max_rows = std::min(max_rows, remaining);
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

}  // namespace mageio::file
