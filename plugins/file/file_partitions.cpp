#include "file_partitions.hpp"

#include "boundary_scan.hpp"
#include "csv_source.hpp"
#include "file_options.hpp"
#include "input_file.hpp"
#include "jsonl_reader.hpp"
#include "text_util.hpp"

#include <mageio/sdk/error.hpp>

#include <sys/stat.h>
#include <algorithm>
#include <filesystem>
#include <optional>

namespace mageio::file {

namespace {

constexpr const char* kPlugin = "file";
// More partitions than this are never useful on one file (each is a connector and a thread in the
// host); a request for more is answered with this many.
constexpr int64_t kMaxPartitions = 4096;

/// The parts of a plan every descriptor shares.
struct PlanContext {
  const sdk::PlanRequest& request;
  const LoadSettings& settings;
  std::string request_json;
  const sdk::Host& host;
};

/// The request as the partitions need it: with an absolute path, since a partition may be loaded by a
/// process with another working directory (a Dask worker).
std::string partition_request_json(const sdk::LoadRequest& load) {
  sdk::LoadRequest copy = load;
  if (copy.target.path != kStdioPath) copy.target.path = std::filesystem::absolute(copy.target.path).string();
  return sdk::to_json(copy);
}

sdk::PartitionDescriptor base_descriptor(const PlanContext& plan, const std::optional<FileSlice>& slice) {
  sdk::PartitionDescriptor d(kPlugin);
  d.set("request", plan.request_json);
  d.set("display", plan.settings.display);  // the path as the user gave it, for messages
  if (plan.settings.format == Format::Csv) d.set("delimiter", static_cast<int64_t>(plan.settings.csv.delimiter));
  if (slice) {
    d.set("begin", slice->begin).set("end", slice->end);
    d.set("size", slice->stamp.size).set("mtime_ns", slice->stamp.mtime_ns);
  }
  return d;
}

/// The load as one partition (a single load of the whole file), saying why when more were asked for.
std::vector<std::string> one_partition(const PlanContext& plan, const std::string& why,
                                       const std::optional<FileStamp>& stamp) {
  if (plan.request.partitions > 1 && !why.empty()) plan.host.warning(plan.settings.display + ": one partition: " + why);
  std::optional<FileSlice> slice;
  if (stamp) slice = FileSlice{0, stamp->size, *stamp};
  return {base_descriptor(plan, slice).text()};
}

/// partition_on names a column; a file can only be cut into ranges of lines, never of a column's values.
[[noreturn]] void refuse_partition_on(const std::string& column, const PlannedSchema* schema, const std::string& path) {
  if (schema != nullptr) {
    const auto& columns = schema->columns;
    const bool found = std::any_of(columns.begin(), columns.end(), [&](const auto& c) { return c.name == column; });
    if (!found) {
      std::string list;
      for (const auto& c : columns) list += (list.empty() ? "" : ", ") + c.name;
      throw sdk::not_found("partition_on column " + quote_for_message(column, 200) + " is not a column of " + path +
                           " (columns: " + list + ")");
    }
  }
  throw sdk::not_implemented("the file plugin splits " + path +
                             " into byte ranges of whole lines and cannot range on a column (partition_on " +
                             quote_for_message(column, 200) + "); leave partition_on out");
}

/// Whether `path` is a regular file, found without opening it: opening a FIFO would wait for a writer,
/// and the plan must not take bytes from a pipe that its one partition reads later. A path that cannot be
/// stat'ed counts as regular, so that opening it reports why, as a single load does.
bool regular_or_missing(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode);
}

/// N-1 offsets spread evenly over the data (after the header), ascending.
std::vector<int64_t> cut_targets(int64_t data_start, int64_t size, int64_t partitions) {
  std::vector<int64_t> targets;
  const int64_t span = size - data_start;
  const int64_t n = std::min({partitions, kMaxPartitions, std::max<int64_t>(span, 1)});
  for (int64_t k = 1; k < n; ++k)
    targets.push_back(
        data_start + static_cast<int64_t>(static_cast<double>(span) * static_cast<double>(k) / static_cast<double>(n)));
  return targets;
}

/// The schema a single load infers, and where the data starts (past a CSV header or first row).
std::pair<PlannedSchema, int64_t> infer(const LoadSettings& settings, const FileStamp& stamp, const sdk::Host& host) {
  LoadSettings s = settings;
  s.slice = FileSlice{0, stamp.size, stamp};  // the version the scan reads, or an error
  if (s.format == Format::Jsonl) return {plan_jsonl(s, host), 0};
  CsvPlan csv = plan_csv(s, host);
  return {std::move(csv.schema), csv.first_record_end};
}

std::vector<std::string> split(const PlanContext& plan, const PlannedSchema& schema, const ScanResult& scan,
                               const FileStamp& stamp) {
  const std::string schema_json = to_json(schema);
  std::vector<std::string> out;
  Boundary start{0, 1};
  for (size_t i = 0; i <= scan.cuts.size(); ++i) {
    const int64_t end = i < scan.cuts.size() ? scan.cuts[i].offset : stamp.size;
    sdk::PartitionDescriptor d = base_descriptor(plan, FileSlice{start.offset, end, stamp});
    d.set("first_line", start.line).set("schema", schema_json);
    out.push_back(d.text());
    if (i < scan.cuts.size()) start = scan.cuts[i];
  }
  return out;
}

}  // namespace

std::vector<std::string> plan_file_partitions(const sdk::PlanRequest& request, char default_delimiter,
                                              const sdk::Host& host) {
  host.check_cancelled();
  return plan_file_partitions(request, load_settings(request.load, default_delimiter), host);
}

std::vector<std::string> plan_file_partitions(const sdk::PlanRequest& request, const LoadSettings& settings,
                                              const sdk::Host& host) {
  const PlanContext plan{request, settings, partition_request_json(request.load), host};
  const bool by_column = !request.partition_on.empty();
  if (settings.path == kStdioPath) {
    if (by_column) refuse_partition_on(request.partition_on, nullptr, settings.display);
    return one_partition(plan, "standard input can be read only once, as it comes", std::nullopt);
  }
  if (!regular_or_missing(settings.path)) {
    if (by_column) refuse_partition_on(request.partition_on, nullptr, settings.display);
    return one_partition(plan, "not a regular file (a pipe or device): it can be read only once", std::nullopt);
  }
  InputFile input(settings.path, &host);  // NOT_FOUND, a directory ... as a single load says
  const FileStamp stamp = input.stamp();
  if (request.partitions == 1 && !by_column) return one_partition(plan, "", stamp);
  if (settings.limit && !by_column) return one_partition(plan, "a load with a limit is read as one stream", stamp);

  auto [schema, data_start] = infer(settings, stamp, host);
  if (by_column) refuse_partition_on(request.partition_on, &schema, settings.display);
  const ScanResult scan =
      scan_boundaries(input, settings, cut_targets(data_start, stamp.size, request.partitions), host);
  if (!(input.stamp() == stamp))
    throw sdk::Error(MAGEIO_STATUS_UNAVAILABLE, settings.display + " changed while its partitions were planned");
  if (!scan.unsplittable.empty()) return one_partition(plan, scan.unsplittable, stamp);
  return split(plan, schema, scan, stamp);
}

LoadSettings partition_settings(const std::string& descriptor, char default_delimiter) {
  const auto d = sdk::PartitionDescriptor::parse(descriptor, kPlugin);
  LoadSettings s = load_settings(sdk::parse_load_request(d.string("request")), default_delimiter);
  if (auto display = d.optional_string("display")) s.display = *display;
  if (auto delimiter = d.optional_integer("delimiter")) {
    // The plan's delimiter, not this instance's FILE_DELIMITER: the offsets were found with it.
    if (*delimiter <= 0 || *delimiter >= 0x80)
      throw sdk::invalid_argument("partition descriptor of file holds a bad delimiter");
    s.csv.delimiter = static_cast<char>(*delimiter);
  }
  if (d.has("size"))
    s.slice = FileSlice{d.integer("begin"), d.integer("end"), {d.integer("size"), d.integer("mtime_ns")}};
  if (d.has("schema")) {
    s.planned = std::make_shared<const PlannedSchema>(parse_planned_schema(d.string("schema")));
    s.first_line = d.integer("first_line");
  }
  return s;
}

std::unique_ptr<sdk::BatchSource> load_file_partition(const std::string& descriptor, char default_delimiter,
                                                      const sdk::Host& host) {
  host.check_cancelled();
  const LoadSettings s = partition_settings(descriptor, default_delimiter);
  if (s.format == Format::Jsonl) return open_jsonl_source(s, host);
  return open_csv_source(s, host);
}

}  // namespace mageio::file
