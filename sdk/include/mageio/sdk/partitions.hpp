// Partitioned loads (ABI 1.1, MAGEIO_CAP_PARTITIONS): the plan request both sides use (the host writes
// it with to_json, the plugin's entry point reads it with parse_plan_request), the descriptor helper
// plugins write their partitions with, and the range splitting every range-based plan needs.
#pragma once

#include <mageio/sdk/requests.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mageio::sdk {

/// A bound of MAGEIO_REQUEST_LOWER_BOUND / _UPPER_BOUND: a JSON integer, a JSON number, or a string
/// (dates and timestamps). The plugin checks it against the column's type.
using PartitionBound = std::variant<int64_t, double, std::string>;

/// What kind of JSON value a bound is, for messages: "an integer", "a number", "a string".
const char* describe(const PartitionBound& bound);
/// The bound as SQL literal text, unquoted: "42", "1.5", "2024-01-31".
std::string bound_text(const PartitionBound& bound);
/// A bound of a plugin that ranges numbers only: nullopt when absent, the integer or number as a double;
/// Error(INVALID_ARGUMENT) "'<key>' for <column> must be a number (<ranged>), not a string" otherwise.
/// `column` and `ranged` are the caller's words, e.g. "sqlite column 'price'", "sqlite ranges integer
/// and real values".
std::optional<double> numeric_bound(const std::optional<PartitionBound>& bound, const char* key,
                                    const std::string& column, const std::string& ranged);

/// The plan_partitions request: a load request plus how to split it.
struct PlanRequest {
  LoadRequest load;
  int64_t partitions = 1;    // at least 1
  std::string partition_on;  // empty: the plugin chooses
  std::optional<PartitionBound> lower_bound;
  std::optional<PartitionBound> upper_bound;
};

/// The request JSON for MageioPluginDescriptor.plan_partitions.
std::string to_json(const PlanRequest& request);
/// Reads it; Error(INVALID_ARGUMENT) for partitions < 1, bounds without partition_on, a bound that is
/// not a number or a string, and everything parse_load_request refuses.
PlanRequest parse_plan_request(std::string_view json);

/// A partition descriptor: a flat JSON object of string and integer fields, tagged with the plugin's
/// name and a format version so a plugin refuses another plugin's descriptor with a clear message.
/// Never put a secret in it: descriptors are printed, logged and sent to other processes.
class PartitionDescriptor {
 public:
  using Value = std::variant<int64_t, std::string>;

  explicit PartitionDescriptor(std::string plugin, int64_t version = 1);
  /// Parses `text`; Error(INVALID_ARGUMENT) when it is not a descriptor of `plugin` at `version`.
  static PartitionDescriptor parse(std::string_view text, const std::string& plugin, int64_t version = 1);

  PartitionDescriptor& set(const std::string& key, std::string value);
  PartitionDescriptor& set(const std::string& key, int64_t value);
  bool has(const std::string& key) const { return fields_.count(key) != 0; }
  /// The field; Error(INVALID_ARGUMENT) naming it when it is missing or of the other kind.
  const std::string& string(const std::string& key) const;
  int64_t integer(const std::string& key) const;
  std::optional<std::string> optional_string(const std::string& key) const;
  std::optional<int64_t> optional_integer(const std::string& key) const;

  /// The text (a JSON object with "plugin" and "format" first).
  std::string text() const;

 private:
  std::string plugin_;
  int64_t version_;
  std::map<std::string, Value> fields_;
};

/// [lo, hi] (inclusive) cut into at most `parts` contiguous ranges [first, second] of near-equal width,
/// in order; fewer when the range holds fewer values than parts. lo > hi gives none.
std::vector<std::pair<int64_t, int64_t>> split_range(int64_t lo, int64_t hi, int64_t parts);

}  // namespace mageio::sdk
