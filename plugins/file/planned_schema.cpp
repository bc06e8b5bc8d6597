#include "planned_schema.hpp"

#include <mageio/sdk/error.hpp>

#include <boost/json.hpp>

namespace json = boost::json;

namespace mageio::file {

std::string to_json(const PlannedSchema& schema) {
  json::array columns;
  for (const PlannedColumn& c : schema.columns) columns.push_back({c.name, c.type.name(), c.inferred, c.any_as_text});
  json::object object;
  object["sample_rows"] = schema.sample_rows;
  object["columns"] = std::move(columns);
  return json::serialize(object);
}

namespace {

PlannedColumn parse_column(const json::value& value) {
  const json::array* fields = value.if_array();
  if (fields == nullptr || fields->size() != 4 || !(*fields)[0].is_string() || !(*fields)[1].is_string() ||
      !(*fields)[2].is_bool() || !(*fields)[3].is_bool())
    throw sdk::invalid_argument("partition descriptor of file: a schema column is not [name, type, bool, bool]");
  PlannedColumn column;
  column.name = std::string((*fields)[0].as_string());
  column.type = sdk::DataType::from_name(std::string_view((*fields)[1].as_string()));
  column.inferred = (*fields)[2].as_bool();
  column.any_as_text = (*fields)[3].as_bool();
  return column;
}

}  // namespace

PlannedSchema parse_planned_schema(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  const json::object* object = ec ? nullptr : value.if_object();
  const json::value* rows = object ? object->if_contains("sample_rows") : nullptr;
  const json::value* columns = object ? object->if_contains("columns") : nullptr;
  if (rows == nullptr || !rows->is_int64() || columns == nullptr || !columns->is_array())
    throw sdk::invalid_argument("partition descriptor of file: its schema is not {\"sample_rows\", \"columns\"}");
  PlannedSchema schema;
  schema.sample_rows = rows->as_int64();
  for (const json::value& column : columns->as_array()) schema.columns.push_back(parse_column(column));
  return schema;
}

}  // namespace mageio::file
