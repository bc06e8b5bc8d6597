// The C side of a plugin: the descriptor, version negotiation and one trampoline per operation. Each
// trampoline parses the JSON request, calls the Connector, and turns every exception into a MageioError,
// so nothing C++ ever crosses the boundary.
#include <mageio/sdk/descriptor.hpp>
#include <mageio/sdk/detail/entry_point.hpp>

#include "progress_meter.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

// What the C ABI calls an instance: the connector, the host services it was opened with, and what it
// can do (Connector::instance_capabilities, asked once at open).
struct MageioInstance {
  mageio::sdk::Host host;
  std::unique_ptr<mageio::sdk::Connector> connector;
  uint64_t capabilities = 0;
};

namespace mageio::sdk::detail {
namespace {

// Everything the descriptor points to. One per plugin library (each plugin links its own SDK copy).
struct PluginState {
  PluginInfo info;
  Factory factory;
  std::string config_schema;
  // supported_types as each ABI version spells it (";"-list in 1.0, JSON array since 1.1), and one
  // descriptor per version this SDK can answer in negotiation.
  std::string supported_types_1_0;
  std::string supported_types_1_1;
  MageioPluginDescriptor descriptor_1_0{};
  MageioPluginDescriptor descriptor_1_1{};
};

// Built once at the first negotiation; destroyed when the library is unloaded (the host unloads only
// after everything the plugin created is gone).
std::unique_ptr<PluginState> g_plugin;

// True when `field` of a host-allocated struct lies within the size the host said it allocated.
template <typename Struct, typename Field>
bool fits(const Struct* object, const Field Struct::*field) {
  const auto offset = reinterpret_cast<size_t>(&(static_cast<const Struct*>(nullptr)->*field));
  return object->struct_size >= offset + sizeof(Field);
}

template <typename Call>
MageioStatus guarded(MageioError* error, Call&& call) noexcept {
  try {
    call();
    return MAGEIO_STATUS_OK;
  } catch (...) {
    return report_current_exception(error);
  }
}

MageioStatus open_instance(const char* config_json, const MageioHostServices* services, MageioInstance** out,
                           MageioError* error) {
  return guarded(error, [&] {
    if (out == nullptr) throw invalid_argument("open: no place for the instance (out is NULL)");
    Config config(g_plugin->info.config_keys, config_json != nullptr ? config_json : "");
    auto instance = std::make_unique<MageioInstance>(MageioInstance{Host(services), nullptr});
    instance->connector = g_plugin->factory(config, instance->host);
    const uint64_t declared = g_plugin->info.capabilities;
    instance->capabilities = instance->connector->instance_capabilities(declared);
    if (const uint64_t extra = instance->capabilities & ~declared; extra != 0)
      throw Error(MAGEIO_STATUS_INTERNAL, g_plugin->info.name +
                                              ": the instance claims capabilities its plugin does not "
                                              "declare (" +
                                              capability_list(extra) + ")");
    *out = instance.release();
  });
}

MageioStatus instance_capabilities(MageioInstance* instance, uint64_t* capabilities, MageioError* error) {
  return guarded(error, [&] {
    if (capabilities == nullptr) throw invalid_argument("instance_capabilities: capabilities is NULL");
    if (instance == nullptr || !instance->connector) throw invalid_argument("the instance is NULL or closed");
    *capabilities = instance->capabilities;
  });
}

void close_instance(MageioInstance* instance) {
  try {
    delete instance;
  } catch (...) {
    // A destructor that throws has nowhere to report to; close never fails.
  }
}

Connector& connector_of(MageioInstance* instance) {
  if (instance == nullptr || !instance->connector) throw invalid_argument("the instance is NULL or closed");
  return *instance->connector;
}

// The connector, when this instance can do `capability`. A 1.1 host refuses the others itself; a 1.0
// host never asks instance_capabilities, so the SDK refuses them here, before the plugin's code runs.
Connector& connector_for(MageioInstance* instance, uint64_t capability, const char* operation) {
  Connector& connector = connector_of(instance);
  if ((instance->capabilities & capability) != capability)
    throw not_implemented(g_plugin->info.name + " does not support " + operation + " on this instance");
  return connector;
}

MageioStatus load(MageioInstance* instance, const char* request, ArrowArrayStream* out, MageioError* error) {
  return guarded(error, [&] {
    if (out == nullptr) throw invalid_argument("load: out is NULL");
    Connector& connector = connector_for(instance, MAGEIO_CAP_LOAD, "load");
    ProgressMeter meter(instance->host);  // before the plugin's load, which may already report
    auto source = connector.load(parse_load_request(request ? request : ""));
    export_stream(metered(std::move(source), std::move(meter)), out);
  });
}

MageioStatus export_data(MageioInstance* instance, const char* request, ArrowArrayStream* input, int64_t* rows_written,
                         MageioError* error) {
  return guarded(error, [&] {
    Connector& connector = connector_for(instance, MAGEIO_CAP_EXPORT, "export");
    auto parsed = parse_export_request(request ? request : "");
    if (!parsed.unique_constraints.empty() && (instance->capabilities & MAGEIO_CAP_UPSERT) == 0)
      throw not_implemented(g_plugin->info.name + " does not support upserts (unique_constraints)" +
                            ((g_plugin->info.capabilities & MAGEIO_CAP_UPSERT) ? " on this instance" : ""));
    ProgressMeter meter(instance->host);
    StreamReader reader(input);
    reader.on_batch([&meter, &reader](const ArrowArray& batch) { meter.add(batch, reader.schema()); });
    int64_t rows = connector.export_data(parsed, reader);
    meter.finish();
    if (rows_written != nullptr) *rows_written = rows;
  });
}

MageioStatus execute(MageioInstance* instance, const char* request, int64_t* rows_affected, ArrowArrayStream* out,
                     MageioError* error) {
  return guarded(error, [&] {
    if (out != nullptr) *out = ArrowArrayStream{};
    Connector& connector = connector_for(instance, MAGEIO_CAP_EXECUTE, "execute");
    auto result = connector.execute(parse_execute_request(request ? request : ""));
    if (rows_affected != nullptr) *rows_affected = result.rows_affected;
    if (out != nullptr && result.rows) export_stream(std::move(result.rows), out);
  });
}

MageioStatus execute_queries(MageioInstance* instance, const char* request, int64_t* rows_affected,
                             MageioError* error) {
  return guarded(error, [&] {
    Connector& connector = connector_for(instance, MAGEIO_CAP_EXECUTE_QUERIES, "execute_queries");
    int64_t rows = connector.execute_queries(parse_execute_queries_request(request ? request : ""));
    if (rows_affected != nullptr) *rows_affected = rows;
  });
}

MageioStatus alter_table(MageioInstance* instance, const char* request, MageioError* error) {
  return guarded(error, [&] {
    connector_for(instance, MAGEIO_CAP_ALTER_TABLE, "alter_table")
        .alter_table(parse_alter_table_request(request ? request : ""));
  });
}

MageioStatus table_exists(MageioInstance* instance, const char* request, int32_t* exists, MageioError* error) {
  return guarded(error, [&] {
    bool found = connector_for(instance, MAGEIO_CAP_TABLE_EXISTS, "table_exists")
                     .table_exists(parse_target_request(request ? request : ""));
    if (exists != nullptr) *exists = found ? 1 : 0;
  });
}

// The plan's strings, owned by the plan until the host releases it.
struct PlanStorage {
  std::vector<std::string> descriptors;
  std::vector<const char*> pointers;
};

void release_plan(MageioPartitionPlan* plan) {
  if (plan == nullptr) return;
  delete static_cast<PlanStorage*>(plan->private_data);
  plan->private_data = nullptr;
  plan->descriptors = nullptr;
  plan->count = 0;
  plan->release = nullptr;
}

MageioStatus plan_partitions(MageioInstance* instance, const char* request, MageioPartitionPlan* out,
                             MageioError* error) {
  return guarded(error, [&] {
    if (out == nullptr) throw invalid_argument("plan_partitions: out is NULL");
    if (!fits(out, &MageioPartitionPlan::private_data))
      throw invalid_argument("plan_partitions: the plan struct is smaller than ABI 1.1's");
    Connector& connector = connector_for(instance, MAGEIO_CAP_PARTITIONS, "partitioned loads");
    auto storage = std::make_unique<PlanStorage>();
    storage->descriptors = connector.plan_partitions(parse_plan_request(request ? request : ""));
    if (storage->descriptors.empty())
      throw Error(MAGEIO_STATUS_INTERNAL, g_plugin->info.name + " planned no partition (at least one is needed)");
    for (const auto& text : storage->descriptors) storage->pointers.push_back(text.c_str());
    out->count = static_cast<int64_t>(storage->descriptors.size());
    out->descriptors = storage->pointers.data();
    out->release = &release_plan;
    out->private_data = storage.release();
  });
}

MageioStatus load_partition(MageioInstance* instance, const char* descriptor, ArrowArrayStream* out,
                            MageioError* error) {
  return guarded(error, [&] {
    if (out == nullptr) throw invalid_argument("load_partition: out is NULL");
    if (descriptor == nullptr || *descriptor == '\0') throw invalid_argument("load_partition: the descriptor is empty");
    Connector& connector = connector_for(instance, MAGEIO_CAP_PARTITIONS, "partitioned loads");
    ProgressMeter meter(instance->host);
    auto source = connector.load_partition(descriptor);
    export_stream(metered(std::move(source), std::move(meter)), out);
  });
}

void release_stage(MageioStage* stage) {
  if (stage == nullptr) return;
  delete static_cast<std::string*>(stage->private_data);
  stage->private_data = nullptr;
  stage->descriptor = nullptr;
  stage->release = nullptr;
}

MageioStatus stage_begin(MageioInstance* instance, const char* request, const ArrowSchema* schema, MageioStage* out,
                         MageioError* error) {
  return guarded(error, [&] {
    if (out == nullptr) throw invalid_argument("stage_begin: out is NULL");
    if (!fits(out, &MageioStage::private_data))
      throw invalid_argument("stage_begin: the stage struct is smaller than ABI 1.1's");
    if (schema == nullptr) throw invalid_argument("stage_begin: schema is NULL");
    auto parsed = parse_stage_request(request ? request : "");
    Connector& connector = connector_for(instance, MAGEIO_CAP_STAGED_EXPORT, "staged exports");
    auto descriptor = std::make_unique<std::string>(connector.stage_begin(parsed, import_schema(*schema)));
    if (descriptor->empty())
      throw Error(MAGEIO_STATUS_INTERNAL, g_plugin->info.name + " began a stage with an empty descriptor");
    out->descriptor = descriptor->c_str();
    out->release = &release_stage;
    out->private_data = descriptor.release();
  });
}

MageioStatus stage_write(MageioInstance* instance, const char* stage, ArrowArrayStream* input, int64_t* rows_written,
                         MageioError* error) {
  return guarded(error, [&] {
    if (stage == nullptr || *stage == '\0') throw invalid_argument("stage_write: the stage descriptor is empty");
    Connector& connector = connector_for(instance, MAGEIO_CAP_STAGED_EXPORT, "staged exports");
    ProgressMeter meter(instance->host);
    StreamReader reader(input);
    reader.on_batch([&meter, &reader](const ArrowArray& batch) { meter.add(batch, reader.schema()); });
    int64_t rows = connector.stage_write(stage, reader);
    meter.finish();
    if (rows_written != nullptr) *rows_written = rows;
  });
}

MageioStatus stage_finish(MageioInstance* instance, const char* stage, int32_t commit, int64_t expected_rows,
                          int64_t* rows_written, MageioError* error) {
  return guarded(error, [&] {
    if (stage == nullptr || *stage == '\0') throw invalid_argument("stage_finish: the stage descriptor is empty");
    if (expected_rows < -1) throw invalid_argument("stage_finish: expected_rows must be -1 or at least 0");
    Connector& connector = connector_for(instance, MAGEIO_CAP_STAGED_EXPORT, "staged exports");
    int64_t rows = connector.stage_finish(stage, commit != 0, expected_rows);
    if (rows_written != nullptr) *rows_written = rows;
  });
}

std::unique_ptr<PluginState> build_state(PluginInfo (*info)(), Factory factory) {
  auto state = std::make_unique<PluginState>();
  state->info = info();
  state->factory = std::move(factory);
  state->config_schema = config_schema_json(state->info.config_section, state->info.config_keys);
  state->supported_types_1_0 = supported_types_text(state->info.supported_types, MAGEIO_ABI_VERSION_1_0);
  state->supported_types_1_1 = supported_types_text(state->info.supported_types, MAGEIO_ABI_VERSION_1_1);
  const uint64_t caps = state->info.capabilities;
  MageioPluginDescriptor& d = state->descriptor_1_1;
  d.struct_size = sizeof(MageioPluginDescriptor);
  d.abi_version = MAGEIO_ABI_VERSION_1_1;
  d.name = state->info.name.c_str();
  d.version = state->info.version.c_str();
  d.description = state->info.description.c_str();
  d.capabilities = caps;
  d.config_schema_json = state->config_schema.c_str();
  d.supported_types = state->supported_types_1_1.c_str();
  d.open = &open_instance;
  d.close = &close_instance;
  // A slot is filled exactly when its capability is declared.
  d.load = (caps & MAGEIO_CAP_LOAD) ? &load : nullptr;
  d.export_data = (caps & MAGEIO_CAP_EXPORT) ? &export_data : nullptr;
  d.execute = (caps & MAGEIO_CAP_EXECUTE) ? &execute : nullptr;
  d.execute_queries = (caps & MAGEIO_CAP_EXECUTE_QUERIES) ? &execute_queries : nullptr;
  d.alter_table = (caps & MAGEIO_CAP_ALTER_TABLE) ? &alter_table : nullptr;
  d.table_exists = (caps & MAGEIO_CAP_TABLE_EXISTS) ? &table_exists : nullptr;
  d.stream_error = &stream_error;  // 1.1; a 1.0 host does not read it
  d.plan_partitions = (caps & MAGEIO_CAP_PARTITIONS) ? &plan_partitions : nullptr;
  d.load_partition = (caps & MAGEIO_CAP_PARTITIONS) ? &load_partition : nullptr;
  d.stage_begin = (caps & MAGEIO_CAP_STAGED_EXPORT) ? &stage_begin : nullptr;
  d.stage_write = (caps & MAGEIO_CAP_STAGED_EXPORT) ? &stage_write : nullptr;
  d.stage_finish = (caps & MAGEIO_CAP_STAGED_EXPORT) ? &stage_finish : nullptr;
  d.instance_capabilities = &instance_capabilities;  // 1.1: Connector::instance_capabilities
  // What a 1.0 host reads: the same slots, version 1.0 and the ";"-separated types.
  state->descriptor_1_0 = d;
  state->descriptor_1_0.abi_version = MAGEIO_ABI_VERSION_1_0;
  state->descriptor_1_0.supported_types = state->supported_types_1_0.c_str();
  // Partitions and staged exports are 1.1: a 1.0 host neither knows the bits nor reads the slots.
  state->descriptor_1_0.capabilities &= ~(MAGEIO_CAP_PARTITIONS | MAGEIO_CAP_STAGED_EXPORT);
  state->descriptor_1_0.stage_begin = nullptr;
  state->descriptor_1_0.stage_write = nullptr;
  state->descriptor_1_0.stage_finish = nullptr;
  state->descriptor_1_0.plan_partitions = nullptr;
  state->descriptor_1_0.load_partition = nullptr;
  state->descriptor_1_0.instance_capabilities = nullptr;
  // The host's own validator catches a plugin author's mistakes at the first load instead of in the
  // host's error messages.
  if (auto problem = check_manifest(manifest_of(d)); !problem.empty())
    throw Error(MAGEIO_STATUS_INTERNAL, "plugin " + state->info.name + ": " + problem);
  return state;
}

}  // namespace

MageioStatus negotiate(uint32_t host_abi_version, PluginInfo (*info)(), Factory factory,
                       const MageioPluginDescriptor** out, MageioError* error) noexcept {
  static std::mutex mutex;
  try {
    if (out == nullptr) return fill_error(error, MAGEIO_STATUS_INVALID_ARGUMENT, "out is NULL");
    if (MAGEIO_ABI_MAJOR(host_abi_version) != MAGEIO_ABI_MAJOR(MAGEIO_ABI_VERSION) ||
        host_abi_version < MAGEIO_ABI_VERSION_1_0) {
      std::string message = "this plugin implements mageio ABI " + abi_version_text(MAGEIO_ABI_VERSION) +
                            " and cannot work with a host that speaks ABI " + abi_version_text(host_abi_version);
      return fill_error(error, MAGEIO_STATUS_NOT_IMPLEMENTED, message.c_str());
    }
    std::lock_guard lock(mutex);
    if (g_plugin == nullptr) g_plugin = build_state(info, std::move(factory));
    // Answer min(host, this SDK's version): a 1.0 host gets exactly what a 1.0 plugin would give it.
    *out = host_abi_version >= MAGEIO_ABI_VERSION_1_1 ? &g_plugin->descriptor_1_1 : &g_plugin->descriptor_1_0;
    return MAGEIO_STATUS_OK;
  } catch (...) {
    return report_current_exception(error);
  }
}

MageioStatus report_current_exception(MageioError* error) noexcept {
  try {
    throw;
  } catch (const Error& e) {
    return fill_error(error, e.status(), e.what(), e.sqlstate().empty() ? nullptr : e.sqlstate().c_str(),
                      e.vendor_code());
  } catch (const std::bad_alloc&) {
    return fill_error(error, MAGEIO_STATUS_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return fill_error(error, MAGEIO_STATUS_INTERNAL, e.what());
  } catch (...) {
    return fill_error(error, MAGEIO_STATUS_INTERNAL, "unknown exception");
  }
}

}  // namespace mageio::sdk::detail
