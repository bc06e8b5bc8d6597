// Test data: values for each logical type (edge values included), generated tables, Arrow streams over
// them (with an injected failure or a callback per batch), and tables read back as canonical text for
// comparing cell by cell.
#pragma once

#include <mageio/core/connector.hpp>
#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/batch_source.hpp>
#include <mageio/sdk/types.hpp>
#include <mageio/sdk/values.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mageio::conformance::detail {

/// One non-null cell, appended to a column of any compatible type.
struct Value {
  enum class Kind { Bool, Int, UInt, Double, Decimal, Bytes, Date, Timestamp, Time };
  Kind kind = Kind::Int;
  bool b = false;
  int64_t i = 0;  // Int, Date (days), Timestamp and Time (micros)
  uint64_t u = 0;
  double d = 0;
  sdk::int128 dec = 0;  // unscaled
  std::string s;        // Bytes (strings and binary)

  static Value boolean(bool v);
  static Value integer(int64_t v);
  static Value unsigned_integer(uint64_t v);
  static Value real(double v);
  static Value decimal(sdk::int128 unscaled);
  static Value bytes(std::string v);
  static Value date(int32_t days);
  static Value timestamp(int64_t micros);
  static Value time(int64_t micros);
};

using Cell = std::optional<Value>;  // nullopt is null

struct Table {
  sdk::Schema schema;
  std::vector<std::vector<Cell>> rows;
};

/// The values the round trip of `type` uses: both ends of its range, zero, negative numbers, dates and
/// timestamps before 1970, microseconds, the empty string, quotes, separators, line breaks ...
std::vector<Value> edge_values(const sdk::DataType& type);
/// Strings that break naive text handling: 4-byte emoji, combining characters (not normalised),
/// right-to-left and CJK text, a zero-width joiner sequence.
std::vector<Value> unicode_strings();

/// A column name for a type made only of [a-z0-9_]: "c_decimal128_12_2".
std::string column_name_for(const sdk::DataType& type);

/// One column per type, a null row first and one in the middle, the other rows cycling through each
/// type's edge values.
Table all_types_table(const std::vector<sdk::DataType>& types);

/// The value `n` as a key of that type (an integer, or its decimal text for string types).
Value key_value(const sdk::DataType& type, int64_t n);

/// The two-column table most checks use: (id, name) with the given types and rows.
Table basic_table(const sdk::DataType& key_type, const sdk::DataType& text_type,
                  const std::vector<std::pair<int64_t, std::string>>& rows);

// --- Streams ------------------------------------------------------------------------------------------

struct SourceOptions {
  int64_t batch_rows = 2;                       // rows per batch (the last one may be shorter)
  int fail_at_batch = -1;                       // >= 0: next() throws at that batch (0-based), after the ones before it
  std::function<void(int batch)> before_batch;  // called before each batch is produced
  bool zero_batches = false;                    // a stream with the schema and no batch at all
};

std::unique_ptr<sdk::BatchSource> make_source(const Table& table, SourceOptions options = {});

/// An ArrowArrayStream over a source, released on destruction.
class Stream {
 public:
  explicit Stream(std::unique_ptr<sdk::BatchSource> source);
  Stream(const Table& table, SourceOptions options = {}) : Stream(make_source(table, std::move(options))) {}
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ArrowArrayStream* get() { return &stream_; }
  bool released() const { return stream_.release == nullptr; }

 private:
  ArrowArrayStream stream_{};
};

// --- Text tables -----------------------------------------------------------------------------------------

using TextCell = std::optional<std::string>;  // nullopt is null
using TextRow = std::vector<TextCell>;

struct TextTable {
  std::vector<std::string> names;
  std::vector<sdk::DataType> types;
  std::vector<TextRow> rows;

  /// The column of that exact name, or -1.
  int column(const std::string& name) const;
};

/// What `table` looks like once built into Arrow and read back (the expected side of a comparison).
TextTable to_text(const Table& table);
/// Every batch of `reader`.
TextTable read_all(BatchReader& reader);

/// nullopt when `actual` holds the same columns (names, in order) and the same rows as `expected` in any
/// order; otherwise what differs, in one line.
std::optional<std::string> compare_tables(const TextTable& expected, const TextTable& actual);
/// The same for one column of each (values compared as multisets).
std::optional<std::string> compare_columns(const TextTable& expected, int expected_column, const TextTable& actual,
                                           int actual_column);

/// A cell for a message: quoted and escaped (control characters, invalid UTF-8 as \xNN), cut when long.
std::string show(const TextCell& cell);
/// Names for a message: "a", "b" ...
std::string show_names(const std::vector<std::string>& names);

}  // namespace mageio::conformance::detail
