// The plugin side of the request codec: parse_* for every request of mageio_abi.h.
#include "options_access.hpp"

#include <mageio/mageio_abi.h>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/requests.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <initializer_list>

namespace json = boost::json;

namespace mageio::sdk {
namespace {

json::object parse_object(std::string_view text, const char* what) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) throw invalid_argument(std::string(what) + " request is not valid JSON: " + ec.message());
  if (!value.is_object()) throw invalid_argument(std::string(what) + " request must be a JSON object");
  return std::move(value.as_object());
}

void reject_unknown_keys(const json::object& object, std::initializer_list<std::string_view> known, const char* what) {
  for (const auto& entry : object) {
    if (std::find(known.begin(), known.end(), std::string_view(entry.key())) == known.end()) {
      std::string accepted;
      for (auto key : known) accepted += (accepted.empty() ? "" : ", ") + std::string(key);
      throw invalid_argument("unknown key '" + std::string(entry.key()) + "' in " + what +
                             " request; accepted: " + accepted);
    }
  }
}

std::string string_field(const json::object& object, std::string_view key, const char* what) {
  auto it = object.find(key);
  if (it == object.end() || it->value().is_null()) return {};
  if (!it->value().is_string())
    throw invalid_argument("'" + std::string(key) + "' in " + what + " request must be a string");
  return std::string(it->value().as_string());
}

std::optional<int64_t> int_field(const json::object& object, std::string_view key, const char* what) {
  auto it = object.find(key);
  if (it == object.end() || it->value().is_null()) return std::nullopt;
  if (it->value().is_int64()) return it->value().as_int64();
  if (it->value().is_uint64() && it->value().as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return static_cast<int64_t>(it->value().as_uint64());
  throw invalid_argument("'" + std::string(key) + "' in " + what + " request must be an integer");
}

std::vector<std::string> string_list(const json::object& object, std::string_view key, const char* what) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || it->value().is_null()) return out;
  if (!it->value().is_array())
    throw invalid_argument("'" + std::string(key) + "' in " + what + " request must be a list of strings");
  for (const auto& item : it->value().as_array()) {
    if (!item.is_string())
      throw invalid_argument("'" + std::string(key) + "' in " + what + " request must be a list of strings");
    out.emplace_back(item.as_string());
  }
  return out;
}

Options options_field(const json::object& object, const char* what) {
  auto it = object.find(MAGEIO_REQUEST_OPTIONS);
  if (it == object.end() || it->value().is_null()) return Options{};
  if (!it->value().is_object())
    throw invalid_argument(std::string("'" MAGEIO_REQUEST_OPTIONS "' in ") + what + " request must be an object");
  return OptionsAccess::make(it->value().as_object());
}

Target target_fields(const json::object& object, const char* what) {
  Target target{string_field(object, MAGEIO_REQUEST_TABLE, what), string_field(object, MAGEIO_REQUEST_SCHEMA, what),
                string_field(object, MAGEIO_REQUEST_PATH, what)};
  if (!target.table.empty() && !target.path.empty())
    throw invalid_argument(std::string(what) + " request gives both a table and a path; give one");
  if (!target.schema.empty() && target.table.empty())
    throw invalid_argument(std::string(what) + " request gives a schema but no table");
  return target;
}

}  // namespace

std::string Target::describe() const {
  if (!path.empty()) return path;
  return schema.empty() ? table : schema + "." + table;
}

LoadRequest parse_load_request(std::string_view text) {
  json::object object = parse_object(text, "load");
  reject_unknown_keys(object,
                      {MAGEIO_REQUEST_QUERY, MAGEIO_REQUEST_TABLE, MAGEIO_REQUEST_SCHEMA, MAGEIO_REQUEST_PATH,
                       MAGEIO_REQUEST_LIMIT, MAGEIO_REQUEST_BATCH_ROWS, MAGEIO_REQUEST_OPTIONS},
                      "load");
  LoadRequest request;
  std::string query = string_field(object, MAGEIO_REQUEST_QUERY, "load");
  request.target = target_fields(object, "load");
  int sources = !query.empty() + !request.target.table.empty() + !request.target.path.empty();
  if (sources != 1) throw invalid_argument("load request needs exactly one of 'query', 'table' or 'path'");
  if (!query.empty()) request.query = std::move(query);
  request.limit = int_field(object, MAGEIO_REQUEST_LIMIT, "load");
  if (request.limit && *request.limit < 0) throw invalid_argument("'limit' must not be negative");
  if (auto rows = int_field(object, MAGEIO_REQUEST_BATCH_ROWS, "load")) {
    if (*rows < 1) throw invalid_argument("'batch_rows' must be at least 1");
    request.batch_rows = *rows;
  }
  request.options = options_field(object, "load");
  return request;
}

namespace {

ExportRequest export_fields(const json::object& object) {
  ExportRequest request;
  request.target = target_fields(object, "export");
  if (request.target.table.empty() && request.target.path.empty())
    throw invalid_argument("export request needs a 'table' or a 'path'");
  std::string if_exists = string_field(object, MAGEIO_REQUEST_IF_EXISTS, "export");
  if (!if_exists.empty()) request.if_exists = parse_if_exists(if_exists, MAGEIO_REQUEST_IF_EXISTS);
  request.unique_constraints = string_list(object, MAGEIO_REQUEST_UNIQUE_CONSTRAINTS, "export");
  std::string method = string_field(object, MAGEIO_REQUEST_UNIQUE_CONFLICT_METHOD, "export");
  if (!method.empty()) request.conflict_method = parse_conflict_method(method, MAGEIO_REQUEST_UNIQUE_CONFLICT_METHOD);
  if (!method.empty() && request.unique_constraints.empty())
    throw invalid_argument("'unique_conflict_method' needs 'unique_constraints'");
  request.options = options_field(object, "export");
  return request;
}

}  // namespace

ExportRequest parse_export_request(std::string_view text) {
  json::object object = parse_object(text, "export");
  reject_unknown_keys(
      object,
      {MAGEIO_REQUEST_TABLE, MAGEIO_REQUEST_SCHEMA, MAGEIO_REQUEST_PATH, MAGEIO_REQUEST_IF_EXISTS,
       MAGEIO_REQUEST_UNIQUE_CONSTRAINTS, MAGEIO_REQUEST_UNIQUE_CONFLICT_METHOD, MAGEIO_REQUEST_OPTIONS},
      "export");
  return export_fields(object);
}

StageRequest parse_stage_request(std::string_view text) {
  json::object object = parse_object(text, "stage_begin");
  reject_unknown_keys(object,
                      {MAGEIO_REQUEST_TABLE, MAGEIO_REQUEST_SCHEMA, MAGEIO_REQUEST_PATH, MAGEIO_REQUEST_IF_EXISTS,
                       MAGEIO_REQUEST_UNIQUE_CONSTRAINTS, MAGEIO_REQUEST_UNIQUE_CONFLICT_METHOD, MAGEIO_REQUEST_OPTIONS,
                       MAGEIO_REQUEST_ONE_WRITER_POSSIBLE},
                      "stage_begin");
  StageRequest request;
  if (const json::value* flag = object.if_contains(MAGEIO_REQUEST_ONE_WRITER_POSSIBLE)) {
    if (!flag->is_bool()) throw invalid_argument("'one_writer_possible' must be true or false");
    request.one_writer_possible = flag->as_bool();
    object.erase(MAGEIO_REQUEST_ONE_WRITER_POSSIBLE);
  }
  request.export_request = export_fields(object);
  if (!request.export_request.unique_constraints.empty())
    throw not_implemented("upserts (unique_constraints) are not staged: write them with one export");
  return request;
}

std::string parse_execute_request(std::string_view text) {
  json::object object = parse_object(text, "execute");
  reject_unknown_keys(object, {MAGEIO_REQUEST_SQL}, "execute");
  std::string sql = string_field(object, MAGEIO_REQUEST_SQL, "execute");
  if (sql.empty()) throw invalid_argument("execute request needs 'sql'");
  return sql;
}

std::vector<std::string> parse_execute_queries_request(std::string_view text) {
  json::object object = parse_object(text, "execute_queries");
  reject_unknown_keys(object, {MAGEIO_REQUEST_QUERIES}, "execute_queries");
  auto queries = string_list(object, MAGEIO_REQUEST_QUERIES, "execute_queries");
  if (queries.empty()) throw invalid_argument("execute_queries request needs a non-empty 'queries' list");
  return queries;
}

AlterTableRequest parse_alter_table_request(std::string_view text) {
  json::object object = parse_object(text, "alter_table");
  reject_unknown_keys(object,
                      {MAGEIO_REQUEST_TABLE, MAGEIO_REQUEST_SCHEMA, MAGEIO_REQUEST_ACTION, MAGEIO_REQUEST_COLUMN,
                       MAGEIO_REQUEST_NEW_NAME, MAGEIO_REQUEST_TYPE},
                      "alter_table");
  AlterTableRequest request;
  request.target = target_fields(object, "alter_table");
  if (request.target.table.empty()) throw invalid_argument("alter_table request needs a 'table'");
  request.column = string_field(object, MAGEIO_REQUEST_COLUMN, "alter_table");
  if (request.column.empty()) throw invalid_argument("alter_table request needs a 'column'");
  request.action =
      parse_alter_action(string_field(object, MAGEIO_REQUEST_ACTION, "alter_table"), MAGEIO_REQUEST_ACTION);
  request.new_name = string_field(object, MAGEIO_REQUEST_NEW_NAME, "alter_table");
  if (request.action == AlterAction::RenameColumn && request.new_name.empty())
    throw invalid_argument("rename_column needs 'new_name'");
  std::string type = string_field(object, MAGEIO_REQUEST_TYPE, "alter_table");
  if (request.action == AlterAction::AddColumn || request.action == AlterAction::AlterColumnType) {
    if (type.empty()) throw invalid_argument(std::string(to_string(request.action)) + " needs 'type'");
    request.type = DataType::from_name(type);
  }
  return request;
}

Target parse_target_request(std::string_view text) {
  json::object object = parse_object(text, "table_exists");
  reject_unknown_keys(object, {MAGEIO_REQUEST_TABLE, MAGEIO_REQUEST_SCHEMA, MAGEIO_REQUEST_PATH}, "table_exists");
  Target target = target_fields(object, "table_exists");
  if (target.table.empty() && target.path.empty())
    throw invalid_argument("table_exists request needs a 'table' or a 'path'");
  return target;
}

}  // namespace mageio::sdk
