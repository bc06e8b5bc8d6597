#include <mageio/core/connector.hpp>

#include "instance_capabilities.hpp"
#include "isolation/isolated_instance.hpp"
#include "loaded_library.hpp"

#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstring>

namespace json = boost::json;

namespace mageio {
namespace {

// The C callbacks handed to plugins; host_data is the HostCallbacks. Exceptions never cross back.
void host_log(void* host_data, int32_t level, const char* message) {
  auto* host = static_cast<HostCallbacks*>(host_data);
  try {
    if (host->on_log && message != nullptr) host->on_log(level, message);
  } catch (...) {
  }
}

void host_progress(void* host_data, int64_t rows, int64_t bytes, int64_t total_rows) {
  auto* host = static_cast<HostCallbacks*>(host_data);
  try {
    if (host->on_progress) host->on_progress(rows, bytes, total_rows);
  } catch (...) {
  }
}

int32_t host_is_cancelled(void* host_data) {
  return static_cast<HostCallbacks*>(host_data)->cancel_requested.load(std::memory_order_relaxed) ? 1 : 0;
}

sdk::Target target_of(const std::string& table, const std::string& schema, const std::string& path) {
  return sdk::Target{table, schema, path};
}

sdk::Options options_of(const json::object& options) {
  return options.empty() ? sdk::Options{} : sdk::Options::from_json(json::serialize(options));
}

struct ErrorSlot {
  MageioError error{};
  ErrorSlot() { error.struct_size = sizeof error; }
  ~ErrorSlot() {
    if (error.release) error.release(&error);
  }
};

// The descriptor's stream_error, when the plugin answered ABI 1.1 or later and its descriptor is large
// enough to have the field; otherwise null (a 1.0 plugin: stream errors keep only errno and text).
MageioStreamErrorFn stream_error_slot(const MageioPluginDescriptor& slots) {
  constexpr size_t end = offsetof(MageioPluginDescriptor, stream_error) + sizeof(MageioStreamErrorFn);
  if (slots.abi_version < MAGEIO_ABI_VERSION_1_1 || slots.struct_size < end) return nullptr;
  return slots.stream_error;
}

// The partition slots, when the plugin answered ABI 1.1 or later and its descriptor reaches them.
bool has_partition_slots(const MageioPluginDescriptor& slots) {
  constexpr size_t end = offsetof(MageioPluginDescriptor, load_partition) + sizeof(MageioLoadPartitionFn);
  return slots.abi_version >= MAGEIO_ABI_VERSION_1_1 && slots.struct_size >= end && slots.plan_partitions != nullptr &&
         slots.load_partition != nullptr;
}

// The staged-export slots, when the plugin answered ABI 1.1 or later and its descriptor reaches them.
bool has_stage_slots(const MageioPluginDescriptor& slots) {
  constexpr size_t end = offsetof(MageioPluginDescriptor, stage_finish) + sizeof(MageioStageFinishFn);
  return slots.abi_version >= MAGEIO_ABI_VERSION_1_1 && slots.struct_size >= end && slots.stage_begin != nullptr &&
         slots.stage_write != nullptr && slots.stage_finish != nullptr;
}

struct StageSlot {
  MageioStage stage{};
  StageSlot() { stage.struct_size = sizeof stage; }
  ~StageSlot() {
    if (stage.release) stage.release(&stage);
  }
};

struct PlanSlot {
  MageioPartitionPlan plan{};
  PlanSlot() { plan.struct_size = sizeof plan; }
  ~PlanSlot() {
    if (plan.release) plan.release(&plan);
  }
};

}  // namespace

// The plugin's instance. Streams hold it too, so close runs only after the last stream is released;
// the plugin holds the library, so the code outlives both.
// `slots` are the plugin's own, or for an isolated instance the ones forwarding to its child process.
struct Connector::Instance {
  std::shared_ptr<const Plugin> plugin;
  std::shared_ptr<HostCallbacks> host;
  MageioHostServices services{};
  const MageioPluginDescriptor* slots = nullptr;
  MageioInstance* handle = nullptr;
  uint64_t capabilities = 0;  // the descriptor's, narrowed by the instance's own answer (ABI 1.1)

  ~Instance() {
    if (handle != nullptr) slots->close(handle);
  }
};

std::unique_ptr<Connector> Plugin::open(const json::object& config, std::shared_ptr<HostCallbacks> host,
                                        std::vector<std::string> secrets, const OpenOptions& options) const {
  if (!host) host = std::make_shared<HostCallbacks>();
  auto instance = std::make_shared<Connector::Instance>();
  instance->plugin = shared_from_this();
  instance->host = host;
  instance->services.struct_size = sizeof instance->services;
  instance->services.host_data = host.get();
  instance->services.log = &host_log;
  instance->services.progress = &host_progress;
  instance->services.is_cancelled = &host_is_cancelled;
  ErrorSlot slot;
  std::string config_text = json::serialize(config);
  MageioStatus status;
  if (options.isolate) {
    // Only the path and the name: the library is loaded in the child, never here.
    instance->slots = &isolation::isolated_slots();
    status = isolation::open_isolated(path_, name_, options.timeout, config_text.c_str(), &instance->services,
                                      &instance->handle, &slot.error);
  } else {
    const MageioPluginDescriptor& loaded = descriptor();  // the first in-process open loads the library
    instance->slots = &loaded;
    status = loaded.open(config_text.c_str(), &instance->services, &instance->handle, &slot.error);
  }
  auto connector = std::unique_ptr<Connector>(new Connector(shared_from_this(), instance, host, std::move(secrets)));
  if (status != MAGEIO_STATUS_OK) {
    instance->handle = nullptr;
    connector->fail(status, slot.error, "open");
  }
  if (instance->handle == nullptr)
    throw sdk::Error(MAGEIO_STATUS_INTERNAL, name_ + " open: returned OK but no instance");
  // Asked once, before any other call; a failure closes the instance (with the connector) and fails
  // the open, since the host cannot tell which operations it may call.
  instance->capabilities = capabilities_;
  if (MageioInstanceCapabilitiesFn slot = instance_capabilities_slot(*instance->slots)) {
    ErrorSlot asked;
    uint64_t answered = 0;
    if (MageioStatus answer = slot(instance->handle, &answered, &asked.error); answer != MAGEIO_STATUS_OK)
      connector->fail(answer, asked.error, "instance_capabilities");
    if (auto problem = capabilities_beyond(answered, capabilities_); !problem.empty())
      throw sdk::Error(MAGEIO_STATUS_INTERNAL, name_ + " instance_capabilities: " + problem);
    instance->capabilities = answered;
  }
  return connector;
}

Connector::Connector(std::shared_ptr<const Plugin> plugin, std::shared_ptr<Instance> instance,
                     std::shared_ptr<HostCallbacks> host, std::vector<std::string> secrets)
    : plugin_(std::move(plugin)),
      instance_(std::move(instance)),
      host_(std::move(host)),
      secrets_(std::move(secrets)) {}

Connector::~Connector() = default;

uint64_t Connector::capabilities() const { return instance_->capabilities; }

bool Connector::has(uint64_t capability) const { return (instance_->capabilities & capability) == capability; }

std::string Connector::not_on_this_instance(uint64_t capability) const {
  return plugin_->has(capability) ? " on this instance (the plugin declares it, but this instance says it cannot: "
                                    "see what the plugin's documentation says it depends on)"
                                  : "";
}

void Connector::require(uint64_t capability, const char* operation) const {
  if (!has(capability))
    throw sdk::not_implemented("plugin " + plugin_->name() + " does not support " + operation +
                               not_on_this_instance(capability));
}

std::string without_plugin_prefix(std::string message, const std::string& plugin) {
  if (message.size() > plugin.size() + 1 && message.compare(0, plugin.size(), plugin) == 0 &&
      message.compare(plugin.size(), 2, ": ") == 0)
    message.erase(0, plugin.size() + 2);
  return message;
}

sdk::StreamErrorLookup Connector::stream_error_lookup() const {
  MageioStreamErrorFn slot = stream_error_slot(*instance_->slots);
  if (slot == nullptr) return {};
  return [slot, secrets = secrets_](ArrowArrayStream* stream) -> std::optional<sdk::Error> {
    ErrorSlot filled;
    MageioStatus status = slot(stream, &filled.error);
    if (status == MAGEIO_STATUS_OK) return std::nullopt;
    if (status < MAGEIO_STATUS_OK || status > MAGEIO_STATUS_INTERNAL) status = MAGEIO_STATUS_INTERNAL;
    std::string message = mask_secrets(filled.error.message ? filled.error.message : "(no message)", secrets);
    return sdk::Error(status, message, std::string(filled.error.sqlstate, strnlen(filled.error.sqlstate, 5)),
                      filled.error.vendor_code);
  };
}

void Connector::fail(MageioStatus status, MageioError& error, const char* operation) const {
  std::string message = error.message ? error.message : "(no message)";
  std::string sqlstate(error.sqlstate, strnlen(error.sqlstate, 5));
  int32_t vendor_code = error.vendor_code;
  if (error.release) error.release(&error);
  error.release = nullptr;
  if (status < MAGEIO_STATUS_OK || status > MAGEIO_STATUS_INTERNAL) status = MAGEIO_STATUS_INTERNAL;
  message = mask_secrets(std::move(message), secrets_);
  if (!sqlstate.empty()) message += " (SQLSTATE " + sqlstate + ")";
  throw sdk::Error(status, plugin_->name() + " " + operation + ": " + without_plugin_prefix(message, plugin_->name()),
                   sqlstate, vendor_code);
}

template <typename Slot, typename... Args>
void Connector::call_plugin(const char* operation, Slot MageioPluginDescriptor::*slot, Args... args) const {
  ErrorSlot error;
  MageioStatus status = (instance_->slots->*slot)(instance_->handle, args..., &error.error);
  if (status != MAGEIO_STATUS_OK) fail(status, error.error, operation);
}

BatchReader Connector::load(const LoadOptions& options) {
  require(MAGEIO_CAP_LOAD, "load");
  sdk::LoadRequest request{.target = target_of(options.table, options.schema, options.path),
                           .limit = options.limit,
                           .options = options_of(options.options)};
  if (!options.query.empty()) request.query = options.query;
  if (options.batch_rows) request.batch_rows = *options.batch_rows;
  std::string text = sdk::to_json(request);
  ArrowArrayStream stream{};
  call_plugin("load", &MageioPluginDescriptor::load, text.c_str(), &stream);
  if (stream.release == nullptr)
    throw sdk::Error(MAGEIO_STATUS_INTERNAL, plugin_->name() + " load: returned OK but no stream");
  return BatchReader(stream, instance_, plugin_->name() + " load", stream_error_lookup());
}

sdk::ExportRequest Connector::export_request(const ExportOptions& options) const {
  return sdk::ExportRequest{.target = target_of(options.table, options.schema, options.path),
                            .if_exists = options.if_exists,
                            .unique_constraints = options.unique_constraints,
                            .conflict_method = options.unique_conflict_method,
                            .options = options_of(options.options)};
}

int64_t Connector::export_data(const ExportOptions& options, ArrowArrayStream* input) {
  require(MAGEIO_CAP_EXPORT, "export");
  if (!options.unique_constraints.empty()) require(MAGEIO_CAP_UPSERT, "upserts (unique constraints)");
  std::string text = sdk::to_json(export_request(options));
  int64_t rows = 0;
  call_plugin("export", &MageioPluginDescriptor::export_data, text.c_str(), input, &rows);
  return rows;
}

int64_t Connector::export_data(const ExportOptions& options, BatchReader& input) {
  try {
    return export_data(options, input.stream());
  } catch (const sdk::Error& e) {
    rethrow_with_producer_error(e, input);
  }
}

void Connector::rethrow_with_producer_error(const sdk::Error& error, const BatchReader& input) {
  std::optional<sdk::Error> source = input.producer_error();
  if (!source) throw error;
  // The destination's message (it quotes the source's text and says what it undid), with the
  // source's status, SQLSTATE and vendor code.
  std::string message = error.what();
  if (!source->sqlstate().empty() && message.find("SQLSTATE " + source->sqlstate()) == std::string::npos)
    message += " (SQLSTATE " + source->sqlstate() + ")";
  throw sdk::Error(source->status(), message, source->sqlstate(), source->vendor_code());
}

std::string Connector::stage_obstacle() const {
  if (!has(MAGEIO_CAP_STAGED_EXPORT))
    return "plugin " + plugin_->name() + " does not take parallel writers (no staged_export capability" +
           (plugin_->abi_version() < MAGEIO_ABI_VERSION_1_1 ? ", ABI " + sdk::abi_version_text(plugin_->abi_version())
                                                            : "") +
           ")" + not_on_this_instance(MAGEIO_CAP_STAGED_EXPORT);
  if (!has_stage_slots(*instance_->slots))
    return "plugin " + plugin_->name() + " takes parallel writers only in process (this connector is isolated)";
  return {};
}

bool Connector::can_stage() const { return stage_obstacle().empty(); }

std::string Connector::stage_begin(const ExportOptions& options, const ArrowSchema& schema, bool one_writer_possible) {
  require(MAGEIO_CAP_EXPORT, "export");
  if (auto obstacle = stage_obstacle(); !obstacle.empty()) throw sdk::not_implemented(obstacle);
  if (!options.unique_constraints.empty())
    throw sdk::not_implemented(plugin_->name() + " stage_begin: upserts are not staged (use one export)");
  std::string text = sdk::to_json(
      sdk::StageRequest{.export_request = export_request(options), .one_writer_possible = one_writer_possible});
  StageSlot stage;
  call_plugin("export", &MageioPluginDescriptor::stage_begin, text.c_str(), &schema, &stage.stage);
  if (stage.stage.release == nullptr || stage.stage.descriptor == nullptr || *stage.stage.descriptor == '\0')
    throw sdk::Error(MAGEIO_STATUS_INTERNAL, plugin_->name() + " stage_begin: returned OK but no stage descriptor");
  return stage.stage.descriptor;
}

int64_t Connector::stage_write(const std::string& stage, ArrowArrayStream* input) {
  if (auto obstacle = stage_obstacle(); !obstacle.empty()) throw sdk::not_implemented(obstacle);
  int64_t rows = 0;
  call_plugin("export", &MageioPluginDescriptor::stage_write, stage.c_str(), input, &rows);
  return rows;
}

int64_t Connector::stage_write(const std::string& stage, BatchReader& input) {
  try {
    return stage_write(stage, input.stream());
  } catch (const sdk::Error& e) {
    rethrow_with_producer_error(e, input);
  }
}

int64_t Connector::stage_finish(const std::string& stage, bool commit, int64_t expected_rows) {
  if (auto obstacle = stage_obstacle(); !obstacle.empty()) throw sdk::not_implemented(obstacle);
  int64_t rows = 0;
  call_plugin("export", &MageioPluginDescriptor::stage_finish, stage.c_str(), commit ? 1 : 0, expected_rows, &rows);
  return rows;
}

ExecuteOutcome Connector::execute(const std::string& sql) {
  require(MAGEIO_CAP_EXECUTE, "execute");
  std::string text = sdk::to_json(sdk::ExecuteRequest{sql});
  ArrowArrayStream stream{};
  ExecuteOutcome outcome;
  call_plugin("execute", &MageioPluginDescriptor::execute, text.c_str(), &outcome.rows_affected, &stream);
  if (stream.release != nullptr)
    outcome.rows.emplace(stream, instance_, plugin_->name() + " execute", stream_error_lookup());
  return outcome;
}

int64_t Connector::execute_queries(const std::vector<std::string>& queries) {
  require(MAGEIO_CAP_EXECUTE_QUERIES, "execute_queries");
  std::string text = sdk::to_json(sdk::ExecuteQueriesRequest{queries});
  int64_t rows = -1;
  call_plugin("execute_queries", &MageioPluginDescriptor::execute_queries, text.c_str(), &rows);
  return rows;
}

void Connector::alter_table(const AlterTableOptions& options) {
  require(MAGEIO_CAP_ALTER_TABLE, "alter_table");
  sdk::AlterTableRequest request{.target = target_of(options.table, options.schema, {}),
                                 .action = options.action,
                                 .column = options.column,
                                 .new_name = options.new_name};
  if (options.action == AlterAction::AddColumn || options.action == AlterAction::AlterColumnType) {
    try {
      request.type = sdk::DataType::from_name(options.type);
    } catch (const sdk::Error& error) {
      throw sdk::Error(error.status(), plugin_->name() + " alter_table: " + error.what());
    }
  }
  std::string text = sdk::to_json(request);
  call_plugin("alter_table", &MageioPluginDescriptor::alter_table, text.c_str());
}

bool Connector::table_exists(const std::string& table, const std::string& schema) {
  return exists(sdk::Target{.table = table, .schema = schema});
}

bool Connector::path_exists(const std::string& path) { return exists(sdk::Target{.path = path}); }

bool Connector::exists(const sdk::Target& target) {
  require(MAGEIO_CAP_TABLE_EXISTS, "table_exists");
  std::string text = sdk::to_json(sdk::TableExistsRequest{target});
  int32_t exists = 0;
  call_plugin("table_exists", &MageioPluginDescriptor::table_exists, text.c_str(), &exists);
  return exists != 0;
}

std::string Connector::partition_obstacle() const {
  if (!has(MAGEIO_CAP_PARTITIONS))
    return "plugin " + plugin_->name() + " does not support partitioned loads (no partitions capability" +
           (plugin_->abi_version() < MAGEIO_ABI_VERSION_1_1 ? ", ABI " + sdk::abi_version_text(plugin_->abi_version())
                                                            : "") +
           ")" + not_on_this_instance(MAGEIO_CAP_PARTITIONS);
  if (!has_partition_slots(*instance_->slots))
    return "plugin " + plugin_->name() + " declares partitions but has no plan_partitions/load_partition slots";
  return {};
}

bool Connector::can_partition() const { return partition_obstacle().empty(); }

std::vector<std::string> Connector::plan_partitions(const PartitionOptions& options) {
  require(MAGEIO_CAP_LOAD, "load");
  if (auto obstacle = partition_obstacle(); !obstacle.empty()) throw sdk::not_implemented(obstacle);
  if (options.partitions < 1)
    throw sdk::invalid_argument(plugin_->name() + " plan_partitions: partitions must be at least 1 (got " +
                                std::to_string(options.partitions) + ")");
  sdk::PlanRequest request{.load = {.target = target_of(options.load.table, options.load.schema, options.load.path),
                                    .limit = options.load.limit,
                                    .options = options_of(options.load.options)},
                           .partitions = options.partitions,
                           .partition_on = options.partition_on,
                           .lower_bound = options.lower_bound,
                           .upper_bound = options.upper_bound};
  if (!options.load.query.empty()) request.load.query = options.load.query;
  if (options.load.batch_rows) request.load.batch_rows = *options.load.batch_rows;
  std::string text = sdk::to_json(request);
  PlanSlot plan;
  call_plugin("plan_partitions", &MageioPluginDescriptor::plan_partitions, text.c_str(), &plan.plan);
  if (plan.plan.release == nullptr || plan.plan.count < 1 || plan.plan.descriptors == nullptr)
    throw sdk::Error(MAGEIO_STATUS_INTERNAL, plugin_->name() + " plan_partitions: returned OK but no partitions");
  if (plan.plan.count > options.partitions)
    throw sdk::Error(MAGEIO_STATUS_INTERNAL, plugin_->name() + " plan_partitions: planned " +
                                                 std::to_string(plan.plan.count) + " partitions, more than the " +
                                                 std::to_string(options.partitions) + " asked for");
  std::vector<std::string> descriptors;
  for (int64_t i = 0; i < plan.plan.count; ++i) {
    const char* descriptor = plan.plan.descriptors[i];
    if (descriptor == nullptr || *descriptor == '\0')
      throw sdk::Error(MAGEIO_STATUS_INTERNAL,
                       plugin_->name() + " plan_partitions: descriptor " + std::to_string(i) + " is empty");
    descriptors.emplace_back(descriptor);
  }
  return descriptors;
}

BatchReader Connector::load_partition(const std::string& descriptor) {
  require(MAGEIO_CAP_LOAD, "load");
  if (auto obstacle = partition_obstacle(); !obstacle.empty()) throw sdk::not_implemented(obstacle);
  ArrowArrayStream stream{};
  call_plugin("load_partition", &MageioPluginDescriptor::load_partition, descriptor.c_str(), &stream);
  if (stream.release == nullptr)
    throw sdk::Error(MAGEIO_STATUS_INTERNAL, plugin_->name() + " load_partition: returned OK but no stream");
  return BatchReader(stream, instance_, plugin_->name() + " partition", stream_error_lookup());
}

BatchReader Connector::sample(const std::string& table, const std::string& schema, int64_t rows) {
  return load(LoadOptions{.table = table, .schema = schema, .limit = rows});
}

// --- BatchReader ----------------------------------------------------------------------------------

BatchReader::BatchReader(ArrowArrayStream stream, std::shared_ptr<void> keep_alive, std::string label,
                         sdk::StreamErrorLookup error_lookup)
    : stream_(std::make_unique<ArrowArrayStream>(stream)), keep_alive_(std::move(keep_alive)) {
  try {
    reader_ = std::make_unique<sdk::StreamReader>(stream_.get(), std::move(label), std::move(error_lookup));
  } catch (...) {
    stream_->release(stream_.get());
    throw;
  }
}

BatchReader::BatchReader(BatchReader&&) noexcept = default;

BatchReader& BatchReader::operator=(BatchReader&& other) noexcept {
  if (this != &other) {
    if (stream_ && stream_->release) stream_->release(stream_.get());
    stream_ = std::move(other.stream_);
    reader_ = std::move(other.reader_);
    keep_alive_ = std::move(other.keep_alive_);
  }
  return *this;
}

BatchReader::~BatchReader() {
  reader_.reset();
  if (stream_ && stream_->release) stream_->release(stream_.get());
}

// --- Opening from a profile -------------------------------------------------------------------------

std::unique_ptr<Connector> open_connector(Registry& registry, const std::string& plugin_name, const Profile& profile,
                                          std::shared_ptr<HostCallbacks> host, const OpenOptions& options) {
  auto plugin = registry.find(plugin_name);
  auto config = profile.config_for(plugin_name, plugin->config_schema());
  return plugin->open(config, std::move(host), profile.secret_values({plugin->config_schema()}), options);
}

}  // namespace mageio
