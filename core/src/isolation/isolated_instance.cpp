#include "isolated_instance.hpp"

#include "arrow_codec.hpp"
#include "isolated_child.hpp"
#include "wire.hpp"

#include <mageio/sdk/error.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace mageio::isolation {
namespace {

// A failure the child reported for an operation (its MageioError, copied).
struct RemoteError {
  MageioStatus status = MAGEIO_STATUS_INTERNAL;
  int32_t vendor_code = 0;
  std::string sqlstate;
  std::string message;
};

RemoteError read_remote_error(const Frame& frame) {
  PayloadReader in(frame);
  RemoteError error;
  error.status = in.i32();
  error.vendor_code = in.i32();
  error.sqlstate = in.text();
  error.message = in.text();
  return error;
}

MageioStatus fill_error(MageioError* error, MageioStatus status, const std::string& message,
                        const std::string& sqlstate = {}, int32_t vendor_code = 0) {
  return sdk::fill_error(error, status, message.c_str(), sqlstate.c_str(), vendor_code);
}

IsolatedChild* instance_of(MageioInstance* handle) { return reinterpret_cast<IsolatedChild*>(handle); }

// A reply that is neither ok nor error breaks the protocol: the child is not trusted further.
MageioStatus unexpected(MageioError* error, IsolatedChild& instance, const char* operation) {
  return fill_error(error, MAGEIO_STATUS_INTERNAL,
                    "plugin '" + instance.name() + "' sent an unexpected reply during " + operation);
}

// Runs `body`, turning a dead child or a local failure into an error for the caller.
template <typename Body>
MageioStatus guarded(MageioError* error, Body&& body) {
  try {
    return body();
  } catch (const ChildGone& gone) {
    return fill_error(error, MAGEIO_STATUS_INTERNAL, gone.what());
  } catch (const std::exception& e) {
    return fill_error(error, MAGEIO_STATUS_INTERNAL, e.what());
  }
}

MageioStatus reply_status(const Frame& reply, MageioError* error, IsolatedChild& instance, const char* operation) {
  if (reply.type == Message::ok) return MAGEIO_STATUS_OK;
  if (reply.type == Message::error) {
    auto remote = read_remote_error(reply);
    return fill_error(error, remote.status, remote.message, remote.sqlstate, remote.vendor_code);
  }
  return unexpected(error, instance, operation);
}

// --- Streams the child produced, read through the host ------------------------------------------------

struct RemoteStream {
  IsolatedChild* instance;
  uint32_t id;
  std::string schema;
  StreamFailure last_error;  // with the plugin's whole error when it gave one (ABI 1.1)
};

int remote_get_schema(ArrowArrayStream* stream, ArrowSchema* out) {
  auto* remote = static_cast<RemoteStream*>(stream->private_data);
  decode_schema(remote->schema, out);
  return 0;
}

int remote_get_next(ArrowArrayStream* stream, ArrowArray* out) {
  auto* remote = static_cast<RemoteStream*>(stream->private_data);
  remote->last_error = StreamFailure{};
  try {
    int code = read_stream_reply(remote->instance->next_batch(remote->id), remote->schema, out, remote->last_error);
    if (code >= 0) return code;
    remote->last_error =
        StreamFailure{"plugin '" + remote->instance->name() + "' sent an unexpected reply to a stream read"};
  } catch (const std::exception& e) {
    remote->last_error = StreamFailure{e.what()};
  }
  return EIO;
}

const char* remote_get_last_error(ArrowArrayStream* stream) {
  auto* remote = static_cast<RemoteStream*>(stream->private_data);
  return remote->last_error.message.empty() ? nullptr : remote->last_error.message.c_str();
}

void remote_release(ArrowArrayStream* stream) {
  auto* remote = static_cast<RemoteStream*>(stream->private_data);
  try {
    remote->instance->call("releasing a stream", Message::release_stream,
                           PayloadWriter().i32(static_cast<int32_t>(remote->id)).bytes());
  } catch (...) {
  }
  delete remote;
  stream->release = nullptr;
}

// The stream_error slot of the isolated instance: the whole error the child forwarded for a failed
// stream of its plugin (nothing for a 1.0 plugin, whose child sends only errno and text).
MageioStatus isolated_stream_error(ArrowArrayStream* stream, MageioError* error) {
  if (stream == nullptr || stream->release != &remote_release || stream->private_data == nullptr)
    return MAGEIO_STATUS_OK;
  const StreamFailure& failure = static_cast<RemoteStream*>(stream->private_data)->last_error;
  if (failure.status == MAGEIO_STATUS_OK) return MAGEIO_STATUS_OK;
  return fill_error(error, failure.status, failure.message, failure.sqlstate, failure.vendor_code);
}

// An ok reply that carries a stream: int32 has_stream, int32 stream id, the encoded schema.
void take_stream(IsolatedChild& instance, PayloadReader& in, ArrowArrayStream* out) {
  int32_t has_stream = in.i32();
  int32_t id = in.i32();
  std::string schema = in.text();
  if (has_stream == 0 || out == nullptr) return;
  auto* remote = new RemoteStream{&instance, static_cast<uint32_t>(id), std::move(schema), {}};
  *out = ArrowArrayStream{};
  out->get_schema = &remote_get_schema;
  out->get_next = &remote_get_next;
  out->get_last_error = &remote_get_last_error;
  out->release = &remote_release;
  out->private_data = remote;
}

// --- The slots ----------------------------------------------------------------------------------------

void isolated_close(MageioInstance* handle) {
  auto* instance = instance_of(handle);
  instance->close();
  delete instance;
}

// load and load_partition: a request text, then an ok reply carrying the stream.
MageioStatus call_for_stream(MageioInstance* handle, const char* operation, Message type, const char* text,
                             ArrowArrayStream* out, MageioError* error) {
  auto& instance = *instance_of(handle);
  return guarded(error, [&] {
    Frame reply = instance.call(operation, type, text);
    MageioStatus status = reply_status(reply, error, instance, operation);
    if (status != MAGEIO_STATUS_OK) return status;
    PayloadReader in(reply);
    in.i64();  // rows affected: execute's
    take_stream(instance, in, out);
    return status;
  });
}

MageioStatus isolated_load(MageioInstance* handle, const char* request, ArrowArrayStream* out, MageioError* error) {
  return call_for_stream(handle, "load", Message::load, request, out, error);
}

// A plan the child sent: the descriptors live here, in the host, until the plan is released.
struct ReceivedPlan {
  std::vector<std::string> texts;
  std::vector<const char*> pointers;
};

void release_received_plan(MageioPartitionPlan* plan) {
  delete static_cast<ReceivedPlan*>(plan->private_data);
  plan->private_data = nullptr;
  plan->descriptors = nullptr;
  plan->count = 0;
  plan->release = nullptr;
}

MageioStatus isolated_plan_partitions(MageioInstance* handle, const char* request, MageioPartitionPlan* out,
                                      MageioError* error) {
  auto& instance = *instance_of(handle);
  return guarded(error, [&] {
    Frame reply = instance.call("plan_partitions", Message::plan_partitions, request);
    MageioStatus status = reply_status(reply, error, instance, "plan_partitions");
    if (status != MAGEIO_STATUS_OK) return status;
    PayloadReader in(reply);
    const int64_t count = in.i64();
    // Each descriptor takes at least its 8-byte length: a count the payload cannot hold is a broken reply.
    if (count < 1 || static_cast<uint64_t>(count) > in.remaining() / sizeof(int64_t))
      return unexpected(error, instance, "plan_partitions");
    auto plan = std::make_unique<ReceivedPlan>();
    for (int64_t i = 0; i < count; ++i) plan->texts.push_back(in.text());
    for (const auto& text : plan->texts) plan->pointers.push_back(text.c_str());
    out->count = count;
    out->descriptors = plan->pointers.data();
    out->release = &release_received_plan;
    out->private_data = plan.release();
    return status;
  });
}

MageioStatus isolated_load_partition(MageioInstance* handle, const char* descriptor, ArrowArrayStream* out,
                                     MageioError* error) {
  return call_for_stream(handle, "load_partition", Message::load_partition, descriptor, out, error);
}

MageioStatus isolated_export(MageioInstance* handle, const char* request, ArrowArrayStream* input, int64_t* rows,
                             MageioError* error) {
  auto& instance = *instance_of(handle);
  MageioStatus status = guarded(error, [&] {
    Frame reply = instance.call("export", Message::export_data, request, input);
    MageioStatus result = reply_status(reply, error, instance, "export");
    if (result == MAGEIO_STATUS_OK) *rows = PayloadReader(reply).i64();
    return result;
  });
  instance.release_input_schema();
  return status;
}

MageioStatus isolated_execute(MageioInstance* handle, const char* request, int64_t* rows_affected,
                              ArrowArrayStream* out, MageioError* error) {
  auto& instance = *instance_of(handle);
  return guarded(error, [&] {
    PayloadWriter payload;
    payload.i32(out != nullptr).text(request);
    Frame reply = instance.call("execute", Message::execute, payload.bytes());
    MageioStatus status = reply_status(reply, error, instance, "execute");
    if (status != MAGEIO_STATUS_OK) return status;
    PayloadReader in(reply);
    *rows_affected = in.i64();
    if (out != nullptr) *out = ArrowArrayStream{};
    take_stream(instance, in, out);
    return status;
  });
}

MageioStatus isolated_execute_queries(MageioInstance* handle, const char* request, int64_t* rows_affected,
                                      MageioError* error) {
  auto& instance = *instance_of(handle);
  return guarded(error, [&] {
    Frame reply = instance.call("execute_queries", Message::execute_queries, request);
    MageioStatus status = reply_status(reply, error, instance, "execute_queries");
    if (status == MAGEIO_STATUS_OK) *rows_affected = PayloadReader(reply).i64();
    return status;
  });
}

MageioStatus isolated_alter_table(MageioInstance* handle, const char* request, MageioError* error) {
  auto& instance = *instance_of(handle);
  return guarded(error, [&] {
    return reply_status(instance.call("alter_table", Message::alter_table, request), error, instance, "alter_table");
  });
}

MageioStatus isolated_table_exists(MageioInstance* handle, const char* request, int32_t* exists, MageioError* error) {
  auto& instance = *instance_of(handle);
  return guarded(error, [&] {
    Frame reply = instance.call("table_exists", Message::table_exists, request);
    MageioStatus status = reply_status(reply, error, instance, "table_exists");
    if (status == MAGEIO_STATUS_OK) *exists = PayloadReader(reply).i32();
    return status;
  });
}

// What the child answered at open; the host checks it against the plugin's descriptor as in process.
MageioStatus isolated_instance_capabilities(MageioInstance* handle, uint64_t* capabilities, MageioError*) {
  *capabilities = instance_of(handle)->capabilities;
  return MAGEIO_STATUS_OK;
}

}  // namespace

MageioStatus open_isolated(const std::filesystem::path& library, const std::string& plugin_name,
                           std::optional<double> timeout, const char* config_json, const MageioHostServices* host,
                           MageioInstance** out, MageioError* error) {
  std::unique_ptr<IsolatedChild> instance;
  try {
    instance = std::make_unique<IsolatedChild>(library, plugin_name, timeout, host);
  } catch (const std::exception& e) {
    return fill_error(error, MAGEIO_STATUS_INTERNAL,
                      "cannot start the isolated process for plugin '" + plugin_name + "': " + e.what());
  }
  MageioStatus status = guarded(error, [&] {
    Frame reply = instance->call("load of the library", Message::open, config_json);
    MageioStatus result = reply_status(reply, error, *instance, "open");
    // The ok reply carries the instance's capabilities: the child asks its plugin, where it runs.
    if (result == MAGEIO_STATUS_OK) instance->capabilities = static_cast<uint64_t>(PayloadReader(reply).i64());
    return result;
  });
  if (status != MAGEIO_STATUS_OK) {
    instance->close();
    return status;
  }
  *out = reinterpret_cast<MageioInstance*>(instance.release());
  return MAGEIO_STATUS_OK;
}

const MageioPluginDescriptor& isolated_slots() {
  static const MageioPluginDescriptor slots = [] {
    MageioPluginDescriptor d{};
    d.struct_size = sizeof d;
    d.abi_version = MAGEIO_ABI_VERSION;
    d.name = "isolated";
    d.version = "";
    d.description = "";
    d.config_schema_json = "";
    d.supported_types = "[]";
    d.close = &isolated_close;
    d.load = &isolated_load;
    d.export_data = &isolated_export;
    d.execute = &isolated_execute;
    d.execute_queries = &isolated_execute_queries;
    d.alter_table = &isolated_alter_table;
    d.table_exists = &isolated_table_exists;
    d.stream_error = &isolated_stream_error;
    d.plan_partitions = &isolated_plan_partitions;
    d.load_partition = &isolated_load_partition;
    d.instance_capabilities = &isolated_instance_capabilities;
    return d;
  }();
  return slots;
}

}  // namespace mageio::isolation
