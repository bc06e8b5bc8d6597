#include "plugin_server.hpp"

#include <descriptor_check.hpp>
#include <instance_capabilities.hpp>
#include <isolation/arrow_codec.hpp>
#include <plugin_manifest.hpp>

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>

namespace mageio::isolation {
namespace {

// Set by SIGUSR1, which the host sends when its HostCallbacks were cancelled; cleared by SIGUSR2 when
// the host takes the cancellation back.
volatile std::sig_atomic_t cancel_flag = 0;

extern "C" void on_cancel_signal(int) { cancel_flag = 1; }
extern "C" void on_resume_signal(int) { cancel_flag = 0; }

struct ErrorSlot {
  MageioError error{};
  ErrorSlot() { error.struct_size = sizeof error; }
  ~ErrorSlot() {
    if (error.release) error.release(&error);
  }
};

void send_or_exit(Channel& channel, Message type, std::string_view payload) {
  try {
    channel.send(type, 0, payload);
  } catch (...) {
    _exit(0);  // the host is gone; nobody is left to serve
  }
}

void forward_log(void* host_data, int32_t level, const char* message) {
  if (message == nullptr) return;
  send_or_exit(*static_cast<Channel*>(host_data), Message::log, PayloadWriter().i32(level).text(message).bytes());
}

void forward_progress(void* host_data, int64_t rows, int64_t bytes, int64_t total_rows) {
  send_or_exit(*static_cast<Channel*>(host_data), Message::progress,
               PayloadWriter().i64(rows).i64(bytes).i64(total_rows).bytes());
}

int32_t read_cancel_flag(void*) { return cancel_flag != 0 ? 1 : 0; }

// The input of an export, pulled batch by batch from the host.
struct HostInput {
  Channel* channel;
  std::string schema;
  int schema_error = 0;
  StreamFailure last_error;
};

int input_get_schema(ArrowArrayStream* stream, ArrowSchema* out) {
  auto* input = static_cast<HostInput*>(stream->private_data);
  if (input->schema_error != 0) return input->schema_error;
  decode_schema(input->schema, out);
  return 0;
}

int input_get_next(ArrowArrayStream* stream, ArrowArray* out) {
  auto* input = static_cast<HostInput*>(stream->private_data);
  try {
    input->channel->send(Message::next_batch);
    int code = read_stream_reply(input->channel->receive(), input->schema, out, input->last_error);
    if (code >= 0) return code;
    input->last_error = StreamFailure{"unexpected message from the host while reading the export's input"};
    return EIO;
  } catch (const ChannelClosed&) {
    _exit(0);
  } catch (const std::exception& e) {
    input->last_error = StreamFailure{e.what()};
    return EIO;
  }
}

const char* input_get_last_error(ArrowArrayStream* stream) {
  auto* input = static_cast<HostInput*>(stream->private_data);
  return input->last_error.message.empty() ? nullptr : input->last_error.message.c_str();
}

void input_release(ArrowArrayStream* stream) { stream->release = nullptr; }

}  // namespace

PluginServer::PluginServer(Channel& channel, std::string library, std::string name)
    : channel_(channel), library_path_(std::move(library)), name_(std::move(name)) {
  std::signal(SIGUSR1, &on_cancel_signal);
  std::signal(SIGUSR2, &on_resume_signal);
}

int PluginServer::run() {
  try {
    Frame first = channel_.receive();
    if (first.type != Message::open || !open(first)) return 0;
    for (;;) {
      Frame frame = channel_.receive();
      if (frame.type == Message::close) {
        for (auto& [id, served] : streams_) release_served(served);
        descriptor_->close(instance_);
        channel_.send(Message::ok);
        return 0;
      }
      serve(frame);
    }
  } catch (const ChannelClosed&) {
    return 0;  // the host went away
  }
}

void PluginServer::reply_error(MageioStatus status, MageioError& error) {
  std::string message = error.message ? error.message : "(no message)";
  std::string sqlstate(error.sqlstate, strnlen(error.sqlstate, 5));
  channel_.send(Message::error, 0,
                PayloadWriter().i32(status).i32(error.vendor_code).text(sqlstate).text(message).bytes());
}

void PluginServer::reply_error(MageioStatus status, const std::string& message) {
  channel_.send(Message::error, 0, PayloadWriter().i32(status).i32(0).text("").text(message).bytes());
}

bool PluginServer::open(const Frame& frame) {
  // The manifest the host chose this plugin by (read before any of its code runs): the library must
  // still say the same once loaded, as in process.
  std::optional<sdk::Manifest> manifest;
  try {
    manifest = read_plugin_manifest(library_path_);
  } catch (const std::exception& e) {
    reply_error(MAGEIO_STATUS_INVALID_ARGUMENT, e.what());
    return false;
  }
  library_ = dlopen(library_path_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library_ == nullptr) {
    const char* detail = dlerror();
    reply_error(MAGEIO_STATUS_INVALID_ARGUMENT, std::string("cannot be loaded: ") + (detail ? detail : "?"));
    return false;
  }
  auto entry = reinterpret_cast<MageioPluginEntryFn>(dlsym(library_, MAGEIO_PLUGIN_ENTRY_NAME));
  if (entry == nullptr) {
    reply_error(MAGEIO_STATUS_INVALID_ARGUMENT, std::string("missing entry point ") + MAGEIO_PLUGIN_ENTRY_NAME);
    return false;
  }
  ErrorSlot negotiation;
  MageioStatus status = entry(MAGEIO_ABI_VERSION, &descriptor_, &negotiation.error);
  if (status != MAGEIO_STATUS_OK) {
    reply_error(MAGEIO_STATUS_NOT_IMPLEMENTED, negotiation.error);
    return false;
  }
  sdk::Manifest loaded;
  if (auto problem = check_descriptor(descriptor_, MAGEIO_ABI_VERSION, &loaded); !problem.empty()) {
    reply_error(MAGEIO_STATUS_INVALID_ARGUMENT, problem);
    return false;
  }
  if (manifest) {
    if (auto problem = manifest_mismatch(*manifest, loaded); !problem.empty()) {
      reply_error(MAGEIO_STATUS_INVALID_ARGUMENT, problem);
      return false;
    }
  }
  if (name_ != descriptor_->name) {
    reply_error(MAGEIO_STATUS_INVALID_ARGUMENT,
                "the library now says it is plugin '" + std::string(descriptor_->name) + "', not '" + name_ + "'");
    return false;
  }
  channel_.send(Message::library_loaded);

  services_.struct_size = sizeof services_;
  services_.host_data = &channel_;
  services_.log = &forward_log;
  services_.progress = &forward_progress;
  services_.is_cancelled = &read_cancel_flag;
  ErrorSlot slot;
  std::string config(frame.text());
  status = descriptor_->open(config.c_str(), &services_, &instance_, &slot.error);
  if (status != MAGEIO_STATUS_OK) {
    reply_error(status, slot.error);
    return false;
  }
  if (instance_ == nullptr) {
    reply_error(MAGEIO_STATUS_INTERNAL, "open returned OK but no instance");
    return false;
  }
  // What this instance can do (ABI 1.1), asked here where the plugin runs and carried in the reply;
  // the host checks it against the descriptor as for an instance in process.
  uint64_t capabilities = descriptor_->capabilities;
  if (MageioInstanceCapabilitiesFn ask = instance_capabilities_slot(*descriptor_)) {
    ErrorSlot asked;
    if (status = ask(instance_, &capabilities, &asked.error); status != MAGEIO_STATUS_OK) {
      reply_error(status, asked.error);
      descriptor_->close(instance_);
      instance_ = nullptr;
      return false;
    }
  }
  channel_.send(Message::ok, 0, PayloadWriter().i64(static_cast<int64_t>(capabilities)).bytes());
  return true;
}

void PluginServer::serve(const Frame& frame) {
  std::string request(frame.text());
  ErrorSlot slot;
  switch (frame.type) {
    case Message::load: return load(frame);
    case Message::plan_partitions: return plan_partitions(frame);
    case Message::load_partition: return load_partition(frame);
    case Message::execute: return execute(frame);
    case Message::export_data: return export_data(frame);
    case Message::next_batch: return next_batch(frame.stream);
    case Message::release_stream: return release_stream(frame);
    case Message::execute_queries: {
      int64_t rows = -1;
      MageioStatus status = descriptor_->execute_queries(instance_, request.c_str(), &rows, &slot.error);
      if (status != MAGEIO_STATUS_OK) return reply_error(status, slot.error);
      return channel_.send(Message::ok, 0, PayloadWriter().i64(rows).bytes());
    }
    case Message::alter_table: {
      MageioStatus status = descriptor_->alter_table(instance_, request.c_str(), &slot.error);
      if (status != MAGEIO_STATUS_OK) return reply_error(status, slot.error);
      return channel_.send(Message::ok);
    }
    case Message::table_exists: {
      int32_t exists = 0;
      MageioStatus status = descriptor_->table_exists(instance_, request.c_str(), &exists, &slot.error);
      if (status != MAGEIO_STATUS_OK) return reply_error(status, slot.error);
      return channel_.send(Message::ok, 0, PayloadWriter().i32(exists).bytes());
    }
    default: return reply_error(MAGEIO_STATUS_INTERNAL, "unexpected request from the host");
  }
}

// ok payload of a reply that may carry a stream: rows affected, has_stream, stream id, encoded schema.
void PluginServer::reply_with_stream(int64_t rows_affected, ArrowArrayStream* stream) {
  PayloadWriter out;
  out.i64(rows_affected);
  if (stream == nullptr || stream->release == nullptr) {
    out.i32(0).i32(0).text("");
    return channel_.send(Message::ok, 0, out.bytes());
  }
  ServedStream served;
  served.stream = *stream;
  if (int code = served.stream.get_schema(&served.stream, &served.schema); code != 0) {
    const char* text = served.stream.get_last_error ? served.stream.get_last_error(&served.stream) : nullptr;
    std::string message = std::string("the stream's schema could not be read: ") + (text ? text : std::strerror(code));
    served.stream.release(&served.stream);
    return reply_error(MAGEIO_STATUS_INTERNAL, message);
  }
  uint32_t id = next_stream_id_++;
  std::string schema = encode_schema(served.schema);
  streams_.emplace(id, served);
  out.i32(1).i32(static_cast<int32_t>(id)).text(schema);
  channel_.send(Message::ok, 0, out.bytes());
}

void PluginServer::load(const Frame& frame) {
  std::string request(frame.text());
  ErrorSlot slot;
  ArrowArrayStream stream{};
  MageioStatus status = descriptor_->load(instance_, request.c_str(), &stream, &slot.error);
  reply_with_loaded(status, slot.error, stream);
}

// The reply to load and load_partition: the plugin's error, or its stream.
void PluginServer::reply_with_loaded(MageioStatus status, MageioError& error, ArrowArrayStream& stream) {
  if (status != MAGEIO_STATUS_OK) return reply_error(status, error);
  if (stream.release == nullptr) return reply_error(MAGEIO_STATUS_INTERNAL, "returned OK but no stream");
  reply_with_stream(-1, &stream);
}

// The host asks only for what the plugin declared, but the child checks again: a 1.0 descriptor has no
// partition slots to call.
bool PluginServer::has_partitions() const {
  constexpr size_t end = offsetof(MageioPluginDescriptor, load_partition) + sizeof(MageioLoadPartitionFn);
  return descriptor_->abi_version >= MAGEIO_ABI_VERSION_1_1 && descriptor_->struct_size >= end &&
         (descriptor_->capabilities & MAGEIO_CAP_PARTITIONS) != 0 && descriptor_->plan_partitions != nullptr &&
         descriptor_->load_partition != nullptr;
}

void PluginServer::plan_partitions(const Frame& frame) {
  if (!has_partitions()) return reply_error(MAGEIO_STATUS_NOT_IMPLEMENTED, "the plugin has no partitioned loads");
  std::string request(frame.text());
  ErrorSlot slot;
  MageioPartitionPlan plan{};
  plan.struct_size = sizeof plan;
  MageioStatus status = descriptor_->plan_partitions(instance_, request.c_str(), &plan, &slot.error);
  if (status != MAGEIO_STATUS_OK) return reply_error(status, slot.error);
  if (plan.release == nullptr || plan.count < 1 || plan.descriptors == nullptr) {
    if (plan.release != nullptr) plan.release(&plan);
    return reply_error(MAGEIO_STATUS_INTERNAL, "plan_partitions returned OK but no descriptor");
  }
  PayloadWriter out;
  out.i64(plan.count);
  for (int64_t i = 0; i < plan.count; ++i) out.text(plan.descriptors[i] != nullptr ? plan.descriptors[i] : "");
  plan.release(&plan);
  channel_.send(Message::ok, 0, out.bytes());
}

void PluginServer::load_partition(const Frame& frame) {
  if (!has_partitions()) return reply_error(MAGEIO_STATUS_NOT_IMPLEMENTED, "the plugin has no partitioned loads");
  std::string descriptor(frame.text());
  ErrorSlot slot;
  ArrowArrayStream stream{};
  MageioStatus status = descriptor_->load_partition(instance_, descriptor.c_str(), &stream, &slot.error);
  reply_with_loaded(status, slot.error, stream);
}

void PluginServer::execute(const Frame& frame) {
  PayloadReader in(frame);
  bool wants_rows = in.i32() != 0;
  std::string request = in.text();
  ErrorSlot slot;
  ArrowArrayStream stream{};
  int64_t rows = -1;
  MageioStatus status =
      descriptor_->execute(instance_, request.c_str(), &rows, wants_rows ? &stream : nullptr, &slot.error);
  if (status != MAGEIO_STATUS_OK) return reply_error(status, slot.error);
  reply_with_stream(rows, wants_rows ? &stream : nullptr);
}

void PluginServer::fetch_ahead(ServedStream& served) {
  served.ahead = ArrowArray{};
  served.ahead_code = served.stream.get_next(&served.stream, &served.ahead);
  if (served.ahead_code != 0) {
    const char* text = served.stream.get_last_error ? served.stream.get_last_error(&served.stream) : nullptr;
    served.ahead_error = StreamFailure{text ? text : ""};
    add_stream_error(served);
  }
  served.has_ahead = true;
}

// The plugin's whole error for its failed stream (ABI 1.1), forwarded so that the host keeps the
// status, SQLSTATE and vendor code.
void PluginServer::add_stream_error(ServedStream& served) {
  constexpr size_t end = offsetof(MageioPluginDescriptor, stream_error) + sizeof(MageioStreamErrorFn);
  if (descriptor_->abi_version < MAGEIO_ABI_VERSION_1_1 || descriptor_->struct_size < end ||
      descriptor_->stream_error == nullptr)
    return;
  ErrorSlot slot;
  MageioStatus status = descriptor_->stream_error(&served.stream, &slot.error);
  if (status == MAGEIO_STATUS_OK) return;
  served.ahead_error.status = status;
  if (slot.error.message != nullptr) served.ahead_error.message = slot.error.message;
  served.ahead_error.sqlstate.assign(slot.error.sqlstate, strnlen(slot.error.sqlstate, 5));
  served.ahead_error.vendor_code = slot.error.vendor_code;
}

void PluginServer::release_served(ServedStream& served) {
  if (served.has_ahead && served.ahead_code == 0 && served.ahead.release) served.ahead.release(&served.ahead);
  if (served.schema.release) served.schema.release(&served.schema);
  if (served.stream.release) served.stream.release(&served.stream);
}

void PluginServer::next_batch(uint32_t id) {
  auto found = streams_.find(id);
  if (found == streams_.end()) {
    return channel_.send(Message::stream_error, id, encode_stream_failure(EINVAL, StreamFailure{"no such stream"}));
  }
  auto& served = found->second;
  // A batch read ahead before the host cancelled must not reach it: the plugin is asked again, and now
  // sees is_cancelled.
  if (served.has_ahead && cancel_flag != 0 && served.ahead_code == 0 && served.ahead.release != nullptr) {
    served.ahead.release(&served.ahead);
    served.has_ahead = false;
  }
  if (!served.has_ahead) fetch_ahead(served);
  served.has_ahead = false;
  if (served.ahead_code != 0) {
    served.has_ahead = true;  // a failed stream keeps failing the same way
    return channel_.send(Message::stream_error, id, encode_stream_failure(served.ahead_code, served.ahead_error));
  }
  ArrowArray array = served.ahead;
  if (array.release == nullptr) {
    served.has_ahead = true;  // the end stays the end
    return channel_.send(Message::end_of_stream, id);
  }
  std::string description;
  std::vector<iovec> parts;
  try {
    parts = encode_array(served.schema, array, description);
  } catch (const std::exception& e) {
    array.release(&array);
    return channel_.send(Message::stream_error, id, encode_stream_failure(EINVAL, StreamFailure{e.what()}));
  }
  channel_.send(Message::batch, id, std::move(parts));
  array.release(&array);
  fetch_ahead(served);
}

void PluginServer::release_stream(const Frame& frame) {
  auto id = static_cast<uint32_t>(PayloadReader(frame).i32());
  if (auto found = streams_.find(id); found != streams_.end()) {
    release_served(found->second);
    streams_.erase(found);
  }
  channel_.send(Message::ok);
}

void PluginServer::export_data(const Frame& frame) {
  std::string request(frame.text());
  HostInput input{&channel_, {}, 0, {}};
  Frame schema = channel_.receive();
  if (schema.type == Message::schema) {
    input.schema = std::string(schema.text());
  } else {
    PayloadReader in(schema);
    input.schema_error = in.i32();
    input.last_error = StreamFailure{in.text()};
    if (input.schema_error == 0) input.schema_error = EIO;
  }
  ArrowArrayStream stream{};
  stream.get_schema = &input_get_schema;
  stream.get_next = &input_get_next;
  stream.get_last_error = &input_get_last_error;
  stream.release = &input_release;
  stream.private_data = &input;
  ErrorSlot slot;
  int64_t rows = 0;
  MageioStatus status = descriptor_->export_data(instance_, request.c_str(), &stream, &rows, &slot.error);
  if (status != MAGEIO_STATUS_OK) return reply_error(status, slot.error);
  channel_.send(Message::ok, 0, PayloadWriter().i64(rows).bytes());
}

}  // namespace mageio::isolation
