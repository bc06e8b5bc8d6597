// The requests of mageio_abi.h as typed structs, with the one codec both sides use: the host writes a
// request with to_json, the plugin's entry point reads it with parse_*. Keys and values are the
// MAGEIO_REQUEST_* / MAGEIO_IF_EXISTS_* ... names of mageio_abi.h. Unknown keys, wrong types and values
// outside their set are Error(INVALID_ARGUMENT) naming the key (and the allowed values).
#pragma once

#include <mageio/sdk/options.hpp>
#include <mageio/sdk/types.hpp>

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

/// MAGEIO_REQUEST_IF_EXISTS: MAGEIO_IF_EXISTS_FAIL / _REPLACE / _APPEND.
enum class IfExists { Fail, Replace, Append };
/// MAGEIO_REQUEST_UNIQUE_CONFLICT_METHOD: MAGEIO_CONFLICT_UPDATE / _IGNORE.
enum class ConflictMethod { Update, Ignore };
/// MAGEIO_REQUEST_ACTION: MAGEIO_ALTER_*.
enum class AlterAction { AddColumn, DropColumn, RenameColumn, AlterColumnType };

/// The wire value (lowercase), e.g. "replace".
const char* to_string(IfExists value);
const char* to_string(ConflictMethod value);
const char* to_string(AlterAction value);
/// The enum for a wire value; Error(INVALID_ARGUMENT) naming `key` and the allowed values otherwise.
/// if_exists and action are exact; a conflict method may be in any case ("UPDATE" was 1.0's spelling).
IfExists parse_if_exists(std::string_view value, std::string_view key = "if_exists");
ConflictMethod parse_conflict_method(std::string_view value, std::string_view key = "unique_conflict_method");
AlterAction parse_alter_action(std::string_view value, std::string_view key = "action");

struct LoadRequest {
  std::optional<std::string> query;
  Target target;                 // when there is no query
  std::optional<int64_t> limit;  // at most this many rows
  int64_t batch_rows = 65536;    // a hint
  Options options;
};

struct ExportRequest {
  Target target;
  IfExists if_exists = IfExists::Fail;
  std::vector<std::string> unique_constraints;  // empty: no upsert
  ConflictMethod conflict_method = ConflictMethod::Update;
  Options options;
};

/// stage_begin (ABI 1.1): an export request that several writers will fill.
struct StageRequest {
  ExportRequest export_request;
  /// MAGEIO_REQUEST_ONE_WRITER_POSSIBLE: the host could write with one export instead, so the plugin
  /// may refuse (NOT_IMPLEMENTED) a stage that would be slower than one writer.
  bool one_writer_possible = false;
};

struct ExecuteRequest {
  std::string sql;
};

struct ExecuteQueriesRequest {
  std::vector<std::string> queries;
};

struct AlterTableRequest {
  Target target;
  AlterAction action = AlterAction::AddColumn;
  std::string column;
  std::string new_name;  // RenameColumn
  DataType type;         // AddColumn, AlterColumnType
};

/// table_exists: a table (with its schema) or a path.
struct TableExistsRequest {
  Target target;
};

/// The request JSON the host passes to the matching MageioPluginDescriptor slot. Defaults are left
/// out (so a 1.0 plugin reads every request a host writes for it the same way).
std::string to_json(const LoadRequest& request);
std::string to_json(const ExportRequest& request);
std::string to_json(const StageRequest& request);
std::string to_json(const ExecuteRequest& request);
std::string to_json(const ExecuteQueriesRequest& request);
std::string to_json(const AlterTableRequest& request);
std::string to_json(const TableExistsRequest& request);

LoadRequest parse_load_request(std::string_view json);
ExportRequest parse_export_request(std::string_view json);
/// Also refuses unique_constraints (upserts are not staged) with NOT_IMPLEMENTED.
StageRequest parse_stage_request(std::string_view json);
std::string parse_execute_request(std::string_view json);                       // the SQL
std::vector<std::string> parse_execute_queries_request(std::string_view json);  // the statements
AlterTableRequest parse_alter_table_request(std::string_view json);
Target parse_target_request(std::string_view json);  // table_exists

}  // namespace mageio::sdk
