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
  auto it = object.find("options");
  if (it == object.end() || it->value().is_null()) return Options{};
  if (!it->value().is_object())
    throw invalid_argument(std::string("'options' in ") + what + " request must be an object");
  return Options(it->value().as_object());
}

Target target_fields(const json::object& object, const char* what) {
  Target target{string_field(object, "table", what), string_field(object, "schema", what),
                string_field(object, "path", what)};
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

std::optional<std::string> Options::get_string(std::string_view key) {
  const json::value* value = get(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) throw invalid_argument("option '" + std::string(key) + "' must be a string");
  return std::string(value->as_string());
}

std::optional<int64_t> Options::get_int(std::string_view key) {
  const json::value* value = get(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_int64()) return value->as_int64();
  if (value->is_string()) {
    // Options given on a command line arrive as text.
    try {
      size_t used = 0;
      std::string text(value->as_string());
      int64_t parsed = std::stoll(text, &used);
      if (used == text.size()) return parsed;
    } catch (...) {
    }
  }
  throw invalid_argument("option '" + std::string(key) + "' must be an integer");
}

std::optional<bool> Options::get_bool(std::string_view key) {
  const json::value* value = get(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_bool()) return value->as_bool();
  if (value->is_string()) {
    if (value->as_string() == "true") return true;
    if (value->as_string() == "false") return false;
  }
  throw invalid_argument("option '" + std::string(key) + "' must be true or false");
}

const json::value* Options::get(std::string_view key) {
  if (std::find(read_.begin(), read_.end(), key) == read_.end()) read_.emplace_back(key);
  auto it = values_.find(key);
  if (it == values_.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

void Options::finish() const {
  std::string unknown;
  for (const auto& entry : values_)
    if (std::find(read_.begin(), read_.end(), std::string_view(entry.key())) == read_.end())
      unknown += (unknown.empty() ? "'" : ", '") + std::string(entry.key()) + "'";
  if (unknown.empty()) return;
  std::string accepted;
  for (const auto& key : read_) accepted += (accepted.empty() ? "" : ", ") + key;
  throw invalid_argument("unknown option " + unknown +
                         (accepted.empty() ? "; this operation takes no options" : "; accepted options: " + accepted));
}

LoadRequest parse_load_request(std::string_view text) {
  json::object object = parse_object(text, "load");
  reject_unknown_keys(object, {"query", "table", "schema", "path", "limit", "batch_rows", "options"}, "load");
  LoadRequest request;
  std::string query = string_field(object, "query", "load");
  request.target = target_fields(object, "load");
  int sources = !query.empty() + !request.target.table.empty() + !request.target.path.empty();
  if (sources != 1) throw invalid_argument("load request needs exactly one of 'query', 'table' or 'path'");
  if (!query.empty()) request.query = std::move(query);
  request.limit = int_field(object, "limit", "load");
  if (request.limit && *request.limit < 0) throw invalid_argument("'limit' must not be negative");
  if (auto rows = int_field(object, "batch_rows", "load")) {
    if (*rows < 1) throw invalid_argument("'batch_rows' must be at least 1");
    request.batch_rows = *rows;
  }
  request.options = options_field(object, "load");
  return request;
}

ExportRequest parse_export_request(std::string_view text) {
  json::object object = parse_object(text, "export");
  reject_unknown_keys(
      object, {"table", "schema", "path", "if_exists", "unique_constraints", "unique_conflict_method", "options"},
      "export");
  ExportRequest request;
  request.target = target_fields(object, "export");
  if (request.target.table.empty() && request.target.path.empty())
    throw invalid_argument("export request needs a 'table' or a 'path'");
  std::string if_exists = string_field(object, "if_exists", "export");
  if (if_exists.empty() || if_exists == "fail")
    request.if_exists = IfExists::Fail;
  else if (if_exists == "replace")
    request.if_exists = IfExists::Replace;
  else if (if_exists == "append")
    request.if_exists = IfExists::Append;
  else
    throw invalid_argument("'if_exists' must be fail, replace or append, not '" + if_exists + "'");
  request.unique_constraints = string_list(object, "unique_constraints", "export");
  std::string method = string_field(object, "unique_conflict_method", "export");
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::toupper(c); });
  if (method.empty() || method == "UPDATE")
    request.conflict_method = ConflictMethod::Update;
  else if (method == "IGNORE")
    request.conflict_method = ConflictMethod::Ignore;
  else
    throw invalid_argument("'unique_conflict_method' must be UPDATE or IGNORE, not '" + method + "'");
  if (!method.empty() && request.unique_constraints.empty())
    throw invalid_argument("'unique_conflict_method' needs 'unique_constraints'");
  request.options = options_field(object, "export");
  return request;
}

std::string parse_execute_request(std::string_view text) {
  json::object object = parse_object(text, "execute");
  reject_unknown_keys(object, {"sql"}, "execute");
  std::string sql = string_field(object, "sql", "execute");
  if (sql.empty()) throw invalid_argument("execute request needs 'sql'");
  return sql;
}

std::vector<std::string> parse_execute_queries_request(std::string_view text) {
  json::object object = parse_object(text, "execute_queries");
  reject_unknown_keys(object, {"queries"}, "execute_queries");
  auto queries = string_list(object, "queries", "execute_queries");
  if (queries.empty()) throw invalid_argument("execute_queries request needs a non-empty 'queries' list");
  return queries;
}

AlterTableRequest parse_alter_table_request(std::string_view text) {
  json::object object = parse_object(text, "alter_table");
  reject_unknown_keys(object, {"table", "schema", "action", "column", "new_name", "type"}, "alter_table");
  AlterTableRequest request;
  request.target = target_fields(object, "alter_table");
  if (request.target.table.empty()) throw invalid_argument("alter_table request needs a 'table'");
  request.column = string_field(object, "column", "alter_table");
  if (request.column.empty()) throw invalid_argument("alter_table request needs a 'column'");
  std::string action = string_field(object, "action", "alter_table");
  if (action == "add_column")
    request.action = AlterAction::AddColumn;
  else if (action == "drop_column")
    request.action = AlterAction::DropColumn;
  else if (action == "rename_column")
    request.action = AlterAction::RenameColumn;
  else if (action == "alter_column_type")
    request.action = AlterAction::AlterColumnType;
  else
    throw invalid_argument("'action' must be add_column, drop_column, rename_column or alter_column_type, not '" +
                           action + "'");
  request.new_name = string_field(object, "new_name", "alter_table");
  if (request.action == AlterAction::RenameColumn && request.new_name.empty())
    throw invalid_argument("rename_column needs 'new_name'");
  std::string type = string_field(object, "type", "alter_table");
  if (request.action == AlterAction::AddColumn || request.action == AlterAction::AlterColumnType) {
    if (type.empty()) throw invalid_argument(std::string(to_string(request.action)) + " needs 'type'");
    request.type = DataType::from_name(type);
  }
  return request;
}

Target parse_target_request(std::string_view text) {
  json::object object = parse_object(text, "table_exists");
  reject_unknown_keys(object, {"table", "schema", "path"}, "table_exists");
  Target target = target_fields(object, "table_exists");
  if (target.table.empty() && target.path.empty())
    throw invalid_argument("table_exists request needs a 'table' or a 'path'");
  return target;
}

const char* to_string(IfExists value) {
  switch (value) {
    case IfExists::Fail: return "fail";
    case IfExists::Replace: return "replace";
    case IfExists::Append: return "append";
  }
  return "fail";
}

const char* to_string(ConflictMethod value) { return value == ConflictMethod::Ignore ? "IGNORE" : "UPDATE"; }

const char* to_string(AlterAction value) {
  switch (value) {
    case AlterAction::AddColumn: return "add_column";
    case AlterAction::DropColumn: return "drop_column";
    case AlterAction::RenameColumn: return "rename_column";
    case AlterAction::AlterColumnType: return "alter_column_type";
  }
  return "add_column";
}

}  // namespace mageio::sdk
