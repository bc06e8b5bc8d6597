// The JSON requests of mageio_abi.h, parsed into structs. Unknown keys and wrong types are errors
// (INVALID_ARGUMENT) that name the key.
#pragma once

#include <mageio/sdk/types.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::sdk {

/// Where data is read from or written to: a table (with an optional schema) or a path. Names are taken
/// exactly as given; plugins quote them.
struct Target {
  std::string table;
  std::string schema;  // empty: the plugin's default
  std::string path;

  bool is_path() const { return !path.empty(); }
  /// "schema.table", "table" or the path, for messages.
  std::string describe() const;
};

/// Plugin-specific "options": typed getters that remember which keys were read, so finish() can reject
/// the ones nobody asked for.
class Options {
 public:
  Options() = default;
  explicit Options(boost::json::object values) : values_(std::move(values)) {}

  std::optional<std::string> get_string(std::string_view key);
  std::optional<int64_t> get_int(std::string_view key);
  std::optional<bool> get_bool(std::string_view key);
  /// The raw value, e.g. for nested objects such as per-column type overrides.
  const boost::json::value* get(std::string_view key);
  /// Throws Error(INVALID_ARGUMENT) naming every key that was given but never read.
  void finish() const;

 private:
  boost::json::object values_;
  std::vector<std::string> read_;
};

struct LoadRequest {
  std::optional<std::string> query;
  Target target;                 // when there is no query
  std::optional<int64_t> limit;  // at most this many rows
  int64_t batch_rows = 65536;    // a hint
  Options options;
};

enum class IfExists { Fail, Replace, Append };
enum class ConflictMethod { Update, Ignore };

struct ExportRequest {
  Target target;
  IfExists if_exists = IfExists::Fail;
  std::vector<std::string> unique_constraints;  // empty: no upsert
  ConflictMethod conflict_method = ConflictMethod::Update;
  Options options;
};

enum class AlterAction { AddColumn, DropColumn, RenameColumn, AlterColumnType };

struct AlterTableRequest {
  Target target;
  AlterAction action = AlterAction::AddColumn;
  std::string column;
  std::string new_name;  // RenameColumn
  DataType type;         // AddColumn, AlterColumnType
};

LoadRequest parse_load_request(std::string_view json);
ExportRequest parse_export_request(std::string_view json);
std::string parse_execute_request(std::string_view json);
std::vector<std::string> parse_execute_queries_request(std::string_view json);
AlterTableRequest parse_alter_table_request(std::string_view json);
Target parse_target_request(std::string_view json);

const char* to_string(IfExists value);
const char* to_string(ConflictMethod value);
const char* to_string(AlterAction value);

}  // namespace mageio::sdk
