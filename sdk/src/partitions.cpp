// The partition codec: plan requests, descriptors and range splitting (sdk/partitions.hpp).
#include <mageio/mageio_abi.h>
#include <mageio/sdk/error.hpp>
#include <mageio/sdk/partitions.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <sstream>

namespace json = boost::json;

namespace mageio::sdk {
namespace {

json::value bound_json(const PartitionBound& bound) {
  if (const auto* integer = std::get_if<int64_t>(&bound)) return *integer;
  if (const auto* number = std::get_if<double>(&bound)) return *number;
  return json::value(std::get<std::string>(bound));
}

std::optional<PartitionBound> bound_field(json::object& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  json::value value = it->value();
  object.erase(it);
  if (value.is_null()) return std::nullopt;
  if (value.is_int64()) return PartitionBound(value.as_int64());
  if (value.is_uint64()) {
    if (value.as_uint64() > static_cast<uint64_t>(INT64_MAX))
      throw invalid_argument(std::string("'") + key + "' is out of the 64-bit integer range");
    return PartitionBound(static_cast<int64_t>(value.as_uint64()));
  }
  if (value.is_double()) {
    if (!std::isfinite(value.as_double())) throw invalid_argument(std::string("'") + key + "' must be finite");
    return PartitionBound(value.as_double());
  }
  if (value.is_string()) return PartitionBound(std::string(value.as_string()));
  throw invalid_argument(std::string("'") + key + "' in plan request must be a number or a string (dates, timestamps)");
}

}  // namespace

const char* describe(const PartitionBound& bound) {
  if (std::holds_alternative<int64_t>(bound)) return "an integer";
  if (std::holds_alternative<double>(bound)) return "a number";
  return "a string";
}

std::optional<double> numeric_bound(const std::optional<PartitionBound>& bound, const char* key,
                                    const std::string& column, const std::string& ranged) {
  if (!bound) return std::nullopt;
  if (const auto* integer = std::get_if<int64_t>(&*bound)) return static_cast<double>(*integer);
  if (const auto* number = std::get_if<double>(&*bound)) return *number;
  throw invalid_argument(std::string("'") + key + "' for " + column + " must be a number (" + ranged + "), not " +
                         describe(*bound));
}

std::string bound_text(const PartitionBound& bound) {
  if (const auto* integer = std::get_if<int64_t>(&bound)) return std::to_string(*integer);
  if (const auto* number = std::get_if<double>(&bound)) {
    std::ostringstream out;
    out.precision(17);
    out << *number;
    return out.str();
  }
  return std::get<std::string>(bound);
}

std::string to_json(const PlanRequest& request) {
  boost::system::error_code ec;
  json::value load = json::parse(to_json(request.load), ec);
  json::object object = load.as_object();
  object[MAGEIO_REQUEST_PARTITIONS] = request.partitions;
  if (!request.partition_on.empty()) object[MAGEIO_REQUEST_PARTITION_ON] = request.partition_on;
  if (request.lower_bound) object[MAGEIO_REQUEST_LOWER_BOUND] = bound_json(*request.lower_bound);
  if (request.upper_bound) object[MAGEIO_REQUEST_UPPER_BOUND] = bound_json(*request.upper_bound);
  return json::serialize(object);
}

PlanRequest parse_plan_request(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) throw invalid_argument("plan request is not valid JSON: " + ec.message());
  if (!value.is_object()) throw invalid_argument("plan request must be a JSON object");
  json::object object = std::move(value.as_object());
  PlanRequest request;
  if (auto it = object.find(MAGEIO_REQUEST_PARTITIONS); it != object.end()) {
    const json::value& partitions = it->value();
    if (partitions.is_int64())
      request.partitions = partitions.as_int64();
    else if (partitions.is_uint64())
      request.partitions = INT64_MAX;
    else
      throw invalid_argument("'" MAGEIO_REQUEST_PARTITIONS "' in plan request must be an integer");
    object.erase(it);
  }
  if (request.partitions < 1)
    throw invalid_argument("'" MAGEIO_REQUEST_PARTITIONS "' must be at least 1 (got " +
                           std::to_string(request.partitions) + ")");
  if (auto it = object.find(MAGEIO_REQUEST_PARTITION_ON); it != object.end()) {
    if (!it->value().is_string() && !it->value().is_null())
      throw invalid_argument("'" MAGEIO_REQUEST_PARTITION_ON "' in plan request must be a string (a column name)");
    if (it->value().is_string()) request.partition_on = std::string(it->value().as_string());
    object.erase(it);
  }
  request.lower_bound = bound_field(object, MAGEIO_REQUEST_LOWER_BOUND);
  request.upper_bound = bound_field(object, MAGEIO_REQUEST_UPPER_BOUND);
  if ((request.lower_bound || request.upper_bound) && request.partition_on.empty())
    throw invalid_argument("'" MAGEIO_REQUEST_LOWER_BOUND "' and '" MAGEIO_REQUEST_UPPER_BOUND
                           "' need '" MAGEIO_REQUEST_PARTITION_ON "'");
  try {
    request.load = parse_load_request(json::serialize(object));
  } catch (const Error& e) {
    std::string message = e.what();
    // The load codec says "load request"; name the plan and its own keys.
    if (auto at = message.find("accepted: "); at != std::string::npos)
      message += ", " MAGEIO_REQUEST_PARTITIONS ", " MAGEIO_REQUEST_PARTITION_ON ", " MAGEIO_REQUEST_LOWER_BOUND
                 ", " MAGEIO_REQUEST_UPPER_BOUND;
    throw Error(e.status(), "plan: " + message);
  }
  return request;
}

PartitionDescriptor::PartitionDescriptor(std::string plugin, int64_t version)
    : plugin_(std::move(plugin)), version_(version) {}

PartitionDescriptor PartitionDescriptor::parse(std::string_view text, const std::string& plugin, int64_t version) {
  const std::string what = "partition descriptor";
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object())
    throw invalid_argument(what + " is not a JSON object (pass a descriptor exactly as plan_partitions gave it)");
  const json::object& object = value.as_object();
  const json::value* owner = object.if_contains("plugin");
  if (owner == nullptr || !owner->is_string() || owner->as_string() != plugin)
    throw invalid_argument(what + " was not made by the " + plugin + " plugin");
  const json::value* format = object.if_contains("format");
  if (format == nullptr || !format->is_int64() || format->as_int64() != version)
    throw invalid_argument(what + " has a format this " + plugin + " plugin does not read (expected " +
                           std::to_string(version) + "); plan again with this version");
  PartitionDescriptor out(plugin, version);
  for (const auto& entry : object) {
    if (entry.key() == "plugin" || entry.key() == "format") continue;
    if (entry.value().is_int64())
      out.fields_[std::string(entry.key())] = entry.value().as_int64();
    else if (entry.value().is_string())
      out.fields_[std::string(entry.key())] = std::string(entry.value().as_string());
    else
      throw invalid_argument(what + ": field '" + std::string(entry.key()) + "' is neither a string nor an integer");
  }
  return out;
}

PartitionDescriptor& PartitionDescriptor::set(const std::string& key, std::string value) {
  fields_[key] = std::move(value);
  return *this;
}

PartitionDescriptor& PartitionDescriptor::set(const std::string& key, int64_t value) {
  fields_[key] = value;
  return *this;
}

const std::string& PartitionDescriptor::string(const std::string& key) const {
  auto it = fields_.find(key);
  if (it == fields_.end() || !std::holds_alternative<std::string>(it->second))
    throw invalid_argument("partition descriptor of " + plugin_ + " lacks the text field '" + key + "'");
  return std::get<std::string>(it->second);
}

int64_t PartitionDescriptor::integer(const std::string& key) const {
  auto it = fields_.find(key);
  if (it == fields_.end() || !std::holds_alternative<int64_t>(it->second))
    throw invalid_argument("partition descriptor of " + plugin_ + " lacks the integer field '" + key + "'");
  return std::get<int64_t>(it->second);
}

std::optional<std::string> PartitionDescriptor::optional_string(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return string(key);
}

std::optional<int64_t> PartitionDescriptor::optional_integer(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return integer(key);
}

std::string PartitionDescriptor::text() const {
  json::object object;
  object["plugin"] = plugin_;
  object["format"] = version_;
  for (const auto& [key, value] : fields_) {
    if (const auto* integer = std::get_if<int64_t>(&value))
      object[key] = *integer;
    else
      object[key] = std::get<std::string>(value);
  }
  return json::serialize(object);
}

std::vector<std::pair<int64_t, int64_t>> split_range(int64_t lo, int64_t hi, int64_t parts) {
  std::vector<std::pair<int64_t, int64_t>> out;
  if (lo > hi || parts < 1) return out;
  // The width in unsigned arithmetic: hi - lo may not fit in int64_t.
  const uint64_t values = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);  // count - 1
  const uint64_t count_minus_one = values;
  const uint64_t n =
      (count_minus_one < static_cast<uint64_t>(parts) - 1) ? count_minus_one + 1 : static_cast<uint64_t>(parts);
  // Each range holds floor or ceil of (count / n) values; count = values + 1 may overflow, so split
  // values + 1 as q * n + r without computing it.
  const uint64_t q = values / n + ((values % n) + 1) / n;
  const uint64_t r = ((values % n) + 1) % n;
  uint64_t start = static_cast<uint64_t>(lo);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t width = q + (i < r ? 1 : 0);  // at least 1
    const uint64_t end = start + (width - 1);
    out.emplace_back(static_cast<int64_t>(start), static_cast<int64_t>(end));
    start = end + 1;
  }
  return out;
}

}  // namespace mageio::sdk
