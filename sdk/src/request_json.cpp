// The host side of the request codec: to_json for every request of mageio_abi.h. Defaults and empty
// fields are left out, so the text is what a 1.0 plugin expects.
#include "options_access.hpp"

#include <mageio/mageio_abi.h>
#include <mageio/sdk/requests.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace json = boost::json;

namespace mageio::sdk {
namespace {

void put_if(json::object& object, const char* key, const std::string& value) {
  if (!value.empty()) object[key] = value;
}

json::array to_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

void put_target(json::object& object, const Target& target) {
  put_if(object, MAGEIO_REQUEST_TABLE, target.table);
  put_if(object, MAGEIO_REQUEST_SCHEMA, target.schema);
  put_if(object, MAGEIO_REQUEST_PATH, target.path);
}

void put_options(json::object& object, const Options& options) {
  if (!options.empty()) object[MAGEIO_REQUEST_OPTIONS] = OptionsAccess::object(options);
}

}  // namespace

std::string to_json(const LoadRequest& request) {
  json::object object;
  if (request.query) object[MAGEIO_REQUEST_QUERY] = *request.query;
  put_target(object, request.target);
  if (request.limit) object[MAGEIO_REQUEST_LIMIT] = *request.limit;
  if (request.batch_rows != LoadRequest{}.batch_rows) object[MAGEIO_REQUEST_BATCH_ROWS] = request.batch_rows;
  put_options(object, request.options);
  return json::serialize(object);
}

namespace {

json::object export_object(const ExportRequest& request) {
  json::object object;
  put_target(object, request.target);
  object[MAGEIO_REQUEST_IF_EXISTS] = to_string(request.if_exists);
  if (!request.unique_constraints.empty()) {
    object[MAGEIO_REQUEST_UNIQUE_CONSTRAINTS] = to_array(request.unique_constraints);
    object[MAGEIO_REQUEST_UNIQUE_CONFLICT_METHOD] = to_string(request.conflict_method);
  }
  put_options(object, request.options);
  return object;
}

}  // namespace

std::string to_json(const ExportRequest& request) { return json::serialize(export_object(request)); }

std::string to_json(const StageRequest& request) {
  json::object object = export_object(request.export_request);
  if (request.one_writer_possible) object[MAGEIO_REQUEST_ONE_WRITER_POSSIBLE] = true;
  return json::serialize(object);
}

std::string to_json(const ExecuteRequest& request) {
  return json::serialize(json::object{{MAGEIO_REQUEST_SQL, request.sql}});
}

std::string to_json(const ExecuteQueriesRequest& request) {
  return json::serialize(json::object{{MAGEIO_REQUEST_QUERIES, to_array(request.queries)}});
}

std::string to_json(const AlterTableRequest& request) {
  json::object object;
  put_target(object, request.target);
  object[MAGEIO_REQUEST_ACTION] = to_string(request.action);
  put_if(object, MAGEIO_REQUEST_COLUMN, request.column);
  put_if(object, MAGEIO_REQUEST_NEW_NAME, request.new_name);
  if (request.action == AlterAction::AddColumn || request.action == AlterAction::AlterColumnType)
    object[MAGEIO_REQUEST_TYPE] = request.type.name();
  return json::serialize(object);
}

std::string to_json(const TableExistsRequest& request) {
  json::object object;
  put_target(object, request.target);
  return json::serialize(object);
}

}  // namespace mageio::sdk
