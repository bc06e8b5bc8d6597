// mageio._mageio.Connector: one open plugin instance, and copy() between two of them.
#include "connector.hpp"

#include <mageio/core/partitioned_copy.hpp>
#include <mageio/core/partitioned_load.hpp>
#include <mageio/sdk/requests.hpp>

#include <nanobind/stl/unique_ptr.h>

#include <cstdlib>
#include <map>

namespace mageio::python {

Registry& registry_for(const std::vector<std::string>& plugin_dirs) {
  // Never destroyed: a plugin library stays loaded until the process ends, whatever Python frees last.
  static std::mutex mutex;
  static auto* registries = new std::map<std::string, std::unique_ptr<Registry>>();
  std::string key;
  for (const auto& dir : plugin_dirs) key += dir + '\n';
  const char* env = std::getenv("MAGEIO_PLUGIN_PATH");
  key += '\0';
  key += env != nullptr ? env : "";
  std::lock_guard<std::mutex> lock(mutex);
  auto& registry = (*registries)[key];
  if (!registry)
    registry = std::make_unique<Registry>(RegistryOptions{.plugin_dirs = {plugin_dirs.begin(), plugin_dirs.end()}});
  return *registry;
}

PyConnector::PyConnector(std::shared_ptr<Session> session, std::unique_ptr<Connector> connector, Recipe recipe)
    : session_(std::move(session)), connector_(std::move(connector)), recipe_(std::move(recipe)) {}

PyConnector::~PyConnector() {
  try {
    close();
  } catch (...) {
    // nothing can be reported from a destructor; the instance is closed by its last holder
  }
}

Connector& PyConnector::get(const char* operation) {
  if (!connector_) throw UsageError(std::string(operation) + ": this " + session_->plugin + " connector is closed");
  return *connector_;
}

void PyConnector::close() {
  if (!connector_) return;
  BusyGuard busy({session_.get()}, "close");
  nb::gil_scoped_release no_gil;
  connector_.reset();  // readers still open keep the instance alive until they go
}

std::unique_ptr<PyConnector> PyConnector::open(const std::string& plugin_name, const Profile& profile,
                                               const std::vector<std::string>& plugin_dirs, bool isolate,
                                               std::optional<double> timeout) {
  Registry& registry = registry_for(plugin_dirs);
  std::shared_ptr<const Plugin> plugin = registry.find(plugin_name);
  const auto secrets = profile.secret_values({plugin->config_schema()});
  const boost::json::object config = profile.config_for(plugin_name, plugin->config_schema());

  auto session = std::make_shared<Session>();
  session->plugin = plugin_name;
  // The callbacks may run on any thread: they only queue and count; the waiting Python thread delivers.
  Session* raw = session.get();
  session->host->on_log = [raw, secrets](int32_t level, const std::string& message) {
    std::lock_guard<std::mutex> lock(raw->log_mutex);
    if (raw->logs.size() < 1000) raw->logs.emplace_back(level, mask_secrets(message, secrets));
  };
  session->host->on_progress = [raw](int64_t rows, int64_t bytes, int64_t total_rows) {
    raw->rows.store(rows);
    raw->bytes.store(bytes);
    raw->total_rows.store(total_rows);
    raw->progress_events.fetch_add(1);
  };
  std::unique_ptr<Connector> connector;
  run_interruptible(
      [&] {
        connector = plugin->open(config, session->host, secrets, OpenOptions{.isolate = isolate, .timeout = timeout});
      },
      {session.get()}, nb::none());
  return std::make_unique<PyConnector>(
      std::move(session), std::move(connector),
      Recipe{.plugin = plugin, .config = config, .secrets = secrets, .open = {.isolate = isolate, .timeout = timeout}});
}

std::unique_ptr<Connector> PyConnector::open_another(std::shared_ptr<HostCallbacks> host) const {
  return recipe_.plugin->open(recipe_.config, std::move(host), recipe_.secrets, recipe_.open);
}

std::unique_ptr<Connector> PyConnector::open_another_logging_here() const {
  Session* raw = session_.get();
  auto host = std::make_shared<HostCallbacks>();
  host->on_log = [raw, secrets = recipe_.secrets](int32_t level, const std::string& message) {
    std::lock_guard<std::mutex> lock(raw->log_mutex);
    if (raw->logs.size() < 1000) raw->logs.emplace_back(level, mask_secrets(message, secrets));
  };
  return open_another(std::move(host));
}

std::unique_ptr<Reader> PyConnector::load_partitioned(const PartitionOptions& options, bool unordered,
                                                      nb::handle progress) {
  get("load");
  BusyGuard busy({session_.get()}, "load");
  std::optional<BatchReader> reader;
  reset_progress();
  run_interruptible(
      [&] {
        // The planner reports through this connector's callbacks (progress is the partitions' sum); each
        // partition connector has its own (partitioned_load sets their progress) and logs here too.
        auto planner = open_another(session_->host);
        reader.emplace(partitioned_load(
            std::move(planner), [&] { return open_another_logging_here(); },
            PartitionedLoadOptions{.plan = options, .unordered = unordered}));
      },
      {session_.get()}, progress);
  return std::make_unique<Reader>(session_, std::move(*reader), session_->plugin + " partitioned load");
}

std::vector<std::string> PyConnector::plan_partitions(const PartitionOptions& options) {
  Connector& connector = get("plan_partitions");
  BusyGuard busy({session_.get()}, "plan_partitions");
  std::vector<std::string> descriptors;
  run_interruptible([&] { descriptors = connector.plan_partitions(options); }, {session_.get()}, nb::none());
  return descriptors;
}

std::unique_ptr<Reader> PyConnector::load_partition(const std::string& descriptor, nb::handle progress) {
  Connector& connector = get("load_partition");
  BusyGuard busy({session_.get()}, "load_partition");
  std::optional<BatchReader> reader;
  reset_progress();
  run_interruptible([&] { reader.emplace(connector.load_partition(descriptor)); }, {session_.get()}, progress);
  return std::make_unique<Reader>(session_, std::move(*reader), session_->plugin + " partition");
}

std::unique_ptr<Reader> PyConnector::load(const LoadOptions& options, nb::handle progress) {
  Connector& connector = get("load");
  BusyGuard busy({session_.get()}, "load");
  std::optional<BatchReader> reader;
  reset_progress();
  run_interruptible([&] { reader.emplace(connector.load(options)); }, {session_.get()}, progress);
  return std::make_unique<Reader>(session_, std::move(*reader), session_->plugin + " load");
}

int64_t PyConnector::export_stream(const ExportOptions& options, nb::handle capsule, nb::handle progress) {
  Connector& connector = get("export");
  ArrowArrayStream stream = take_stream(capsule);
  // Released after the export whatever happens (export_data borrows it).
  struct Release {
    ArrowArrayStream* stream;
    ~Release() {
      if (stream->release != nullptr) stream->release(stream);
    }
  } release{&stream};
  BusyGuard busy({session_.get()}, "export");
  int64_t rows = 0;
  reset_progress();
  run_interruptible([&] { rows = connector.export_data(options, &stream); }, {session_.get()}, progress);
  {
    nb::gil_scoped_release no_gil;  // releasing a producer's stream may wait
    if (stream.release != nullptr) stream.release(&stream);
  }
  return rows;
}

nb::object PyConnector::execute(const std::string& sql) {
  Connector& connector = get("execute");
  BusyGuard busy({session_.get()}, "execute");
  std::optional<ExecuteOutcome> outcome;
  run_interruptible([&] { outcome.emplace(connector.execute(sql)); }, {session_.get()}, nb::none());
  if (outcome->rows)
    return nb::cast(std::make_unique<Reader>(session_, std::move(*outcome->rows), session_->plugin + " execute"));
  return nb::cast(outcome->rows_affected);
}

int64_t PyConnector::execute_queries(const std::vector<std::string>& queries) {
  Connector& connector = get("execute_queries");
  BusyGuard busy({session_.get()}, "execute_queries");
  int64_t rows = 0;
  run_interruptible([&] { rows = connector.execute_queries(queries); }, {session_.get()}, nb::none());
  return rows;
}

bool PyConnector::table_exists(const std::string& table, const std::string& schema) {
  Connector& connector = get("table_exists");
  BusyGuard busy({session_.get()}, "table_exists");
  bool exists = false;
  run_interruptible([&] { exists = connector.table_exists(table, schema); }, {session_.get()}, nb::none());
  return exists;
}

bool PyConnector::path_exists(const std::string& path) {
  Connector& connector = get("path_exists");
  BusyGuard busy({session_.get()}, "path_exists");
  bool exists = false;
  run_interruptible([&] { exists = connector.path_exists(path); }, {session_.get()}, nb::none());
  return exists;
}

std::unique_ptr<Reader> PyConnector::sample(const std::string& table, const std::string& schema, int64_t rows) {
  Connector& connector = get("sample");
  BusyGuard busy({session_.get()}, "sample");
  std::optional<BatchReader> reader;
  run_interruptible([&] { reader.emplace(connector.sample(table, schema, rows)); }, {session_.get()}, nb::none());
  return std::make_unique<Reader>(session_, std::move(*reader), session_->plugin + " sample");
}

void PyConnector::alter_table(const AlterTableOptions& options) {
  Connector& connector = get("alter_table");
  BusyGuard busy({session_.get()}, "alter_table");
  run_interruptible([&] { connector.alter_table(options); }, {session_.get()}, nb::none());
}

void PyConnector::reset_progress() {
  session_->rows.store(0);
  session_->bytes.store(0);
  session_->total_rows.store(-1);
}

int64_t copy(PyConnector& source, const PartitionOptions& load, PyConnector& destination, const ExportOptions& options,
             nb::handle progress) {
  Connector& from = source.get("copy");
  Connector& to = destination.get("copy");
  std::vector<Session*> sessions{source.session().get()};
  if (&source != &destination) sessions.push_back(destination.session().get());
  BusyGuard busy(sessions, "copy");
  source.reset_progress();
  int64_t rows = 0;
  const bool partitioned = load.partitions > 1 || !load.partition_on.empty();
  run_interruptible(
      [&] {
        if (!partitioned) {
          BatchReader reader = from.load(load.load);
          rows = to.export_data(options, reader.stream());
          return;
        }
        // Connectors of their own, opened like these two: the planner and the destination report and log
        // through the sessions' callbacks (the planner's progress is the partitions' sum).
        rows = partitioned_copy({.source = source.open_another(source.session()->host),
                                 .open_source = [&] { return source.open_another_logging_here(); },
                                 .destination = destination.open_another(destination.session()->host),
                                 .open_destination = [&] { return destination.open_another_logging_here(); }},
                                PartitionedLoadOptions{.plan = load}, options);
      },
      sessions, progress);
  return rows;
}

}  // namespace mageio::python
