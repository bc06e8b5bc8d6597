#include "options_access.hpp"

#include <mageio/sdk/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace json = boost::json;

namespace mageio::sdk {

struct Options::Values {
  json::object object;
};

namespace {

const json::object& empty_object() {
  static const json::object empty;
  return empty;
}

}  // namespace

Options OptionsAccess::make(json::object values) {
  Options options;
  if (!values.empty()) options.values_ = std::make_shared<const Options::Values>(Options::Values{std::move(values)});
  return options;
}

const json::object& OptionsAccess::object(const Options& options) {
  return options.values_ ? options.values_->object : empty_object();
}

Options::Options() = default;

Options Options::from_json(std::string_view text) {
  if (text.empty()) return Options{};
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) throw invalid_argument("options must be a JSON object");
  return OptionsAccess::make(std::move(value.as_object()));
}

std::string Options::to_json() const { return json::serialize(OptionsAccess::object(*this)); }

bool Options::empty() const { return OptionsAccess::object(*this).empty(); }

namespace {

// The value of `key`, recording that it was asked for; nullptr when absent or null.
const json::value* lookup(const json::object& values, std::vector<std::string>& read, std::string_view key) {
  if (std::find(read.begin(), read.end(), key) == read.end()) read.emplace_back(key);
  auto it = values.find(key);
  if (it == values.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

}  // namespace

std::optional<std::string> Options::get_string(std::string_view key) const {
  const json::value* value = lookup(OptionsAccess::object(*this), read_, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) throw invalid_argument("option '" + std::string(key) + "' must be a string");
  return std::string(value->as_string());
}

std::optional<int64_t> Options::get_int(std::string_view key) const {
  const json::value* value = lookup(OptionsAccess::object(*this), read_, key);
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

std::optional<bool> Options::get_bool(std::string_view key) const {
  const json::value* value = lookup(OptionsAccess::object(*this), read_, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_bool()) return value->as_bool();
  if (value->is_string()) {
    if (value->as_string() == "true") return true;
    if (value->as_string() == "false") return false;
  }
  throw invalid_argument("option '" + std::string(key) + "' must be true or false");
}

std::optional<std::vector<std::pair<std::string, std::string>>> Options::get_string_map(std::string_view key) const {
  const json::value* value = lookup(OptionsAccess::object(*this), read_, key);
  if (value == nullptr) return std::nullopt;
  const std::string message = "option '" + std::string(key) + "' must be an object whose values are strings";
  if (!value->is_object()) throw invalid_argument(message);
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& entry : value->as_object()) {
    if (!entry.value().is_string())
      throw invalid_argument(message + " (the value of '" + std::string(entry.key()) + "' is not)");
    entries.emplace_back(std::string(entry.key()), std::string(entry.value().as_string()));
  }
  return entries;
}

void Options::finish() const {
  std::string unknown;
  for (const auto& entry : OptionsAccess::object(*this))
    if (std::find(read_.begin(), read_.end(), std::string_view(entry.key())) == read_.end())
      unknown += (unknown.empty() ? "'" : ", '") + std::string(entry.key()) + "'";
  if (unknown.empty()) return;
  std::string accepted;
  for (const auto& key : read_) accepted += (accepted.empty() ? "" : ", ") + key;
  throw invalid_argument("unknown option " + unknown +
                         (accepted.empty() ? "; this operation takes no options" : "; accepted options: " + accepted));
}

}  // namespace mageio::sdk
