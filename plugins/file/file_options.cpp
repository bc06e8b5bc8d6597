#include "file_options.hpp"

#include "text_util.hpp"

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/error.hpp>

#include <boost/json.hpp>

#include <filesystem>

namespace mageio::file {

namespace {

struct FormatChoice {
  Format format;
  bool tab;  // tab-delimited by default
};

FormatChoice format_from_name(const std::string& name) {
  std::string n = ascii_lower(name);
  if (n == "csv") return {Format::Csv, false};
  if (n == "tsv") return {Format::Csv, true};
  if (n == "jsonl" || n == "ndjson") return {Format::Jsonl, false};
  throw sdk::invalid_argument("options.format: unknown format \"" + name +
                              "\"; expected \"csv\", \"tsv\" or \"jsonl\"");
}

FormatChoice format_from_path(const std::string& path) {
  std::string ext = ascii_lower(std::filesystem::path(path).extension().string());
  if (ext == ".csv") return {Format::Csv, false};
  if (ext == ".tsv" || ext == ".tab") return {Format::Csv, true};
  if (ext == ".jsonl" || ext == ".ndjson") return {Format::Jsonl, false};
  if (ext == ".gz" || ext == ".zst" || ext == ".bz2" || ext == ".xz" || ext == ".zip") {
    throw sdk::not_implemented(path + ": compressed files are not supported; decompress it first");
  }
  throw sdk::invalid_argument("cannot tell the format of " + path + " from its extension (.csv, .tsv, .jsonl, " +
                              ".ndjson); set options.format to \"csv\", \"tsv\" or \"jsonl\"");
}

/// format, delimiter, header, null_string: the options load and export share.
void common_options(const sdk::Options& options, const std::string& path, char default_delimiter, Format& format,
                    CsvSettings& csv) {
  auto format_name = options.get_string("format");
  if (!format_name && path == kStdioPath) {
    throw sdk::invalid_argument(
        "the path \"-\" (standard input or output) needs options.format: \"csv\", \"tsv\" "
        "or \"jsonl\"");
  }
  FormatChoice choice = format_name ? format_from_name(*format_name) : format_from_path(path);
  format = choice.format;
  auto delimiter = options.get_string("delimiter");
  auto header = options.get_bool("header");
  auto null_string = options.get_string("null_string");
  if (format == Format::Jsonl) {
    const char* csv_only = delimiter ? "delimiter" : header ? "header" : null_string ? "null_string" : nullptr;
    if (csv_only) {
      throw sdk::invalid_argument(std::string("options.") + csv_only + " applies to CSV files only, and " + path +
                                  " is read as JSON Lines");
    }
    return;
  }
  csv.delimiter = delimiter ? parse_delimiter(*delimiter, "options.delimiter") : choice.tab ? '\t' : default_delimiter;
  csv.header = header.value_or(true);
  if (null_string) {
    if (null_string->find_first_of(std::string("\"\r\n") + csv.delimiter) != std::string::npos) {
      throw sdk::invalid_argument("options.null_string must not contain a quote, a line break or the delimiter");
    }
    if (!null_string->empty()) csv.null_string = *null_string;  // "" is the default behaviour
  }
}

}  // namespace

char parse_delimiter(const std::string& value, const std::string& what) {
  if (value == "\\t" || value == "\t" || ascii_lower(value) == "tab") return '\t';
  if (value.size() != 1 || static_cast<unsigned char>(value[0]) >= 0x80 || value[0] == '"' || value[0] == '\r' ||
      value[0] == '\n' || value[0] == '\0') {
    throw sdk::invalid_argument(what + ": the delimiter must be one ASCII character other than a quote or a line " +
                                "break (\"\\t\" or \"tab\" for a tab), not " + quote_for_message(value));
  }
  return value[0];
}

std::string require_path(const sdk::Target& target) {
  if (!target.is_path()) {
    throw sdk::invalid_argument("the file plugin reads and writes files: give a path (--path), not a table (" +
                                target.describe() + ")");
  }
  return target.path;
}

LoadSettings load_settings(const sdk::LoadRequest& request, char default_delimiter) {
  if (request.query) {
    throw sdk::invalid_argument("the file plugin reads files: give a path (--path), not a query");
  }
  LoadSettings s;
  s.path = require_path(request.target);
  s.display = s.path == kStdioPath ? "<stdin>" : s.path;
  const sdk::Options& options = request.options;
  common_options(options, s.path, default_delimiter, s.format, s.csv);

  std::optional<std::vector<std::pair<std::string, std::string>>> columns;
  try {
    columns = options.get_string_map("columns");
  } catch (const sdk::Error&) {
    throw sdk::invalid_argument(
        "options.columns must be an object of column name -> type name, e.g. "
        "{\"amount\": \"decimal128(12, 2)\"}");
  }
  for (auto& [name, type_name] : columns.value_or(std::vector<std::pair<std::string, std::string>>{})) {
    sdk::DataType type;
    try {
      type = sdk::DataType::from_name(type_name);
    } catch (const sdk::Error& e) {
      throw sdk::Error(e.status(), "options.columns " + quote_for_message(name, 200) + ": " + e.what());
    }
    s.columns.push_back({std::move(name), std::move(type)});
  }
  if (auto n = options.get_int("infer_rows")) {
    if (*n < 1) throw sdk::invalid_argument("options.infer_rows must be at least 1");
    s.infer_rows = *n;
  }
  options.finish();

  if (request.limit && *request.limit < 0) throw sdk::invalid_argument("limit must not be negative");
  s.limit = request.limit;
  s.batch_rows = request.batch_rows > 0 ? request.batch_rows : sdk::kDefaultBatchRows;
  return s;
}

ExportSettings export_settings(const sdk::ExportRequest& request, char default_delimiter) {
  ExportSettings s;
  s.path = require_path(request.target);
  if (!request.unique_constraints.empty()) {
    throw sdk::not_implemented("the file plugin cannot upsert (unique_constraints); use if_exists append or replace");
  }
  const sdk::Options& options = request.options;
  common_options(options, s.path, default_delimiter, s.format, s.csv);
  options.finish();
  s.if_exists = request.if_exists;
  return s;
}

}  // namespace mageio::file
