#include "raw.hpp"

#include <mageio/sdk/error.hpp>

#include <boost/json/serialize.hpp>

#include <dlfcn.h>

#include <cstring>

namespace mageio::conformance::detail {
namespace {

void quiet_log(void*, int32_t, const char*) {}
void quiet_progress(void*, int64_t, int64_t, int64_t) {}
int32_t never_cancelled(void*) { return 0; }

constexpr unsigned char kCanary = 0xA5;
constexpr size_t kCanaryBytes = 64;

}  // namespace

RawLibrary::RawLibrary(const Plugin& plugin) {
  handle_ = ::dlopen(plugin.path().c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* detail = ::dlerror();
    throw sdk::Error(MAGEIO_STATUS_IO,
                     std::string("cannot open ") + plugin.path().string() + ": " + (detail ? detail : "unknown error"));
  }
  entry_ = reinterpret_cast<MageioPluginEntryFn>(::dlsym(handle_, MAGEIO_PLUGIN_ENTRY_NAME));
  if (entry_ == nullptr)
    throw sdk::Error(MAGEIO_STATUS_INVALID_ARGUMENT,
                     std::string("no ") + MAGEIO_PLUGIN_ENTRY_NAME + " in " + plugin.path().string());
}

RawLibrary::~RawLibrary() {
  if (handle_ != nullptr) ::dlclose(handle_);
}

RawOutcome call_with_error(const std::function<MageioStatus(MageioError*)>& call) {
  MageioError error{};
  error.struct_size = sizeof error;
  RawOutcome outcome;
  outcome.status = call(&error);
  if (error.message != nullptr) outcome.message = std::string(error.message);
  if (error.release != nullptr) error.release(&error);
  return outcome;
}

std::string error_field_at(size_t offset) {
  struct Field {
    size_t begin, size;
    const char* name;
  };
  const Field fields[] = {
      {offsetof(MageioError, struct_size), sizeof(size_t), "struct_size"},
      {offsetof(MageioError, message), sizeof(char*), "message"},
      {offsetof(MageioError, sqlstate), sizeof(MageioError::sqlstate), "sqlstate"},
      {offsetof(MageioError, vendor_code), sizeof(int32_t), "vendor_code"},
      {offsetof(MageioError, release), sizeof(void*), "release"},
      {offsetof(MageioError, private_data), sizeof(void*), "private_data"},
  };
  for (const auto& field : fields)
    if (offset >= field.begin && offset < field.begin + field.size) return field.name;
  if (offset >= sizeof(MageioError)) return "past the end of MageioError";
  return "padding";
}

std::string call_with_truncated_error(size_t size, const std::function<MageioStatus(MageioError*)>& call,
                                      MageioStatus& status) {
  alignas(MageioError) unsigned char buffer[sizeof(MageioError) + kCanaryBytes];
  std::memset(buffer, kCanary, sizeof buffer);
  std::memset(buffer, 0, size);  // the host zero-fills what it allocated
  auto* error = reinterpret_cast<MageioError*>(buffer);
  error->struct_size = size;
  status = call(error);
  std::string damage;
  for (size_t i = size; i < sizeof buffer; ++i) {
    if (buffer[i] != kCanary) {
      damage = "wrote byte " + std::to_string(i) + " (" + error_field_at(i) +
               ") of a MageioError whose struct_size was " + std::to_string(size);
      break;
    }
  }
  const size_t release_end = offsetof(MageioError, release) + sizeof(void*);
  if (size >= release_end && error->release != nullptr) error->release(error);
  return damage;
}

RawInstance::RawInstance(const MageioPluginDescriptor& descriptor, const boost::json::object& config, bool with_host)
    : descriptor_(descriptor) {
  services_.struct_size = sizeof services_;
  services_.host_data = nullptr;
  services_.log = &quiet_log;
  services_.progress = &quiet_progress;
  services_.is_cancelled = &never_cancelled;
  const std::string text = boost::json::serialize(config);
  MageioInstance* instance = nullptr;
  RawOutcome outcome = call_with_error([&](MageioError* error) {
    return descriptor_.open(text.c_str(), with_host ? &services_ : nullptr, &instance, error);
  });
  if (outcome.status != MAGEIO_STATUS_OK) {
    error_ = std::string(sdk::status_name(outcome.status)) + ": " + outcome.message.value_or("(no message)");
    return;
  }
  if (instance == nullptr) {
    error_ = "open returned OK but no instance";
    return;
  }
  handle_ = instance;
}

RawInstance::~RawInstance() {
  if (handle_ != nullptr) descriptor_.close(handle_);
}

}  // namespace mageio::conformance::detail
