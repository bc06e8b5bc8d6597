// Guessing a column's type from a sample of its values, and converting later values to that type.
//
// From text (CSV fields; JSON strings only ever become date32/timestamp or stay utf8), in this order:
//   int64      -?(0|[1-9][0-9]*) that fits in 64 bits. Leading zeros ("007", ZIP codes) are not
//              numbers: the column stays text so nothing is lost.
//   uint64     the same, non-negative, beyond int64 but within 64 bits unsigned.
//   float64    decimal or exponent notation with no leading zeros ("12.5", "-0.5", "1e-3", ".5"), plus
//              nan / inf / -inf / infinity (any case) as long as one value in the sample is a number;
//              only when float64 holds every number exactly (its nearest double reads back as the same
//              number: "0.1" yes, "9007199254740993" no).
//   decimal128(38, s)   plain-notation numbers float64 would round (s = most fraction digits seen).
//   bool       true / false, any case (not 0/1, yes/no: those stay int64/utf8).
//   date32     YYYY-MM-DD.
//   timestamp[us]       YYYY-MM-DD[ T]HH:MM[:SS[.f]] with no offset, in every sampled value;
//   timestamp[us, UTC]  the same with a Z or +HH:MM offset in every sampled value.
//   For these three, a sampled value may also be one of the spellings export gives the values outside
//   years 0000-9999 (sdk/values.hpp), exactly as export writes them: infinity, -infinity, -0043-03-15,
//   +10000-01-01 00:00:00[+00:00]. At least one sampled value must be an ordinary one, so a column of
//   only such words ("infinity" in a text column) stays utf8.
//   utf8       anything else, and a column with no non-empty value in the sample.
// Empty and null values are ignored. After the sample, a value of an inferred column must pass the
// very check inference used (check_canonical): "+8", " 9 ", "08989" in an int64 column are errors
// naming the file, line, column and value, never quietly re-spelt.
#pragma once

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/types.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mageio::file {

/// Why a text value did not convert (for the message).
enum class Mismatch {
  None,
  NotOfType,        // "... is not a float64"
  OffsetOnNaive,    // a UTC offset in a timestamp[us] column that was inferred without offsets
  NoOffsetOnZoned,  // no offset in a timestamp[us, UTC] column that was inferred with offsets
  OutOfRange,       // a number of the right form that does not fit the column's width or precision
  Inexact,          // a number float64 would round ("9007199254740993", "0.12345678901234567890")
};

/// The syntax of a number as inference reads it: -?(0|[1-9][0-9]*)?(\.[0-9]+)?([eE][+-]?[0-9]+)?
/// (JSON numbers are a subset). No sign "+", no spaces, no leading zeros.
struct NumberSyntax {
  bool valid = false;
  bool integer = false;  // no point, no exponent
  bool negative = false;
  bool exponent = false;
  int32_t integer_digits = 0;   // before the point, "0" not counted
  int32_t fraction_digits = 0;  // after the point
};
NumberSyntax number_syntax(std::string_view text);

/// THE definition of a canonical spelling, shared by inference and by the check of every later value
/// (CSV fields and JSON Lines numbers and strings alike): is `text` a spelling of `type` that inference
/// would accept? Numbers need number_syntax and must fit exactly (integers in range; float64 only when
/// the nearest double reads back as the same number; decimal128 in plain notation within precision and
/// scale); float64 also takes nan/inf words; bool true/false in any case; dates YYYY-MM-DD; timestamps as
/// below, agreeing with the type about the UTC offset. Other types (text, binary, time) take anything.
Mismatch check_canonical(const sdk::DataType& type, std::string_view text);

bool looks_like_int(std::string_view text);                     // canonical int64
bool looks_like_number(std::string_view text);                  // number syntax, canonical float64
bool is_float_word(std::string_view text);                      // nan, inf, -inf, +inf, infinity, -infinity, any case
std::optional<double> float_word_value(std::string_view text);  // the value of a float word
bool looks_like_date(std::string_view text);                    // YYYY-MM-DD that parses
/// A timestamp that parses; *has_offset tells whether it carries a UTC offset.
bool looks_like_timestamp(std::string_view text, bool* has_offset);
/// infinity, -infinity or an expanded-year date ("-0043-03-15"), exactly as sdk::format_date writes it.
bool looks_like_written_extreme_date(std::string_view text);
/// The same for a timestamp, exactly as sdk::format_timestamp writes it; *has_offset as above.
bool looks_like_written_extreme_timestamp(std::string_view text, bool* has_offset);

/// The widest decimal inference uses.
constexpr int32_t kMaxDecimalDigits = 38;

/// Watches number texts (and nan/inf words) and names the narrowest type that holds them all exactly:
/// int64, then uint64, then float64, then decimal128(38, s) (plain notation, s = the most fraction
/// digits seen); nullopt when none does (some value is not a number, or no value is one).
class NumberGuesser {
 public:
  void observe(std::string_view text);
  std::optional<sdk::DataType> result() const;

 private:
  bool any_number_ = false;
  bool can_int64_ = true;
  bool can_uint64_ = true;
  bool can_float64_ = true;
  bool can_decimal_ = true;
  int32_t integer_digits_ = 0;
  int32_t scale_ = 0;
};

/// Watches the non-empty text values of one column and names the narrowest type that holds them all.
class TextTypeGuesser {
 public:
  /// `numbers_and_bools`: false for JSON strings, which only become date32/timestamp or stay utf8.
  explicit TextTypeGuesser(bool numbers_and_bools = true);
  void observe(std::string_view text);
  bool any() const { return any_; }
  sdk::DataType result() const;

 private:
  bool any_ = false;
  bool can_number_;
  NumberGuesser numbers_;
  bool can_bool_;
  void observe_timestamp(std::string_view text);

  bool can_date_ = true;
  bool date_has_ordinary_ = false;  // some value was YYYY-MM-DD (not only infinity or expanded years)
  bool can_ts_naive_ = true;
  bool can_ts_utc_ = true;
  bool ts_has_ordinary_ = false;
};

/// Appends a non-null text value converted to the builder's type. `inferred`: the type was inferred
/// (then timestamps must agree with the sample about having an offset); otherwise it was set by the
/// user and offsets are simply applied. Binary columns take \x-hex (as written on export) or raw bytes.
/// Returns Mismatch::None on success; nothing is appended otherwise.
Mismatch append_text(sdk::ColumnBuilder& column, std::string_view text, bool inferred);

/// The type to suggest in an override hint for a value that did not fit `type`.
std::string suggest_type(const sdk::DataType& type, std::string_view text, Mismatch why);

/// Builds the message for a value that does not fit its column:
///   data.csv:10452: column "amount": "12.5x" is not a float64 (type inferred from the first 10000 rows);
///   override it with options.columns {"amount": "utf8"} (CLI: --column-type amount=utf8)
/// `what` is "column" (CSV) or "key" (JSON Lines); `shown` the value as it should appear (quoted text, or
/// JSON); `sample_rows` is the size of the inference sample, or -1 when the type was set by the user.
std::string value_error(const std::string& path, int64_t line, std::string_view what, const std::string& column,
                        const std::string& shown, const sdk::DataType& type, Mismatch why, int64_t sample_rows,
                        const std::string& suggestion);

/// The override hint alone: `options.columns {"c": "utf8"} (CLI: --column-type c=utf8)`.
std::string override_hint(const std::string& column, const std::string& type_name);

/// Decodes \x-hex; nullopt when `text` is not of that form.
std::optional<std::string> decode_hex_binary(std::string_view text);

/// The text a float is exported as: format_double, with ".0" added to integral values so that the
/// value is read back as float64 rather than int64 (3.0 -> "3.0", not "3").
std::string float_text(double value);

}  // namespace mageio::file
