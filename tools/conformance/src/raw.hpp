// Calling a plugin's C functions directly, as a host of another version (or a careless one) would:
// the raw entry point, instances opened without the C++ host, and errors in canary-filled buffers.
#pragma once

#include <mageio/mageio_abi.h>
#include <mageio/core/registry.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace mageio::conformance::detail {

/// The plugin's library opened once more (the loader shares the copy the host holds) and its entry point.
class RawLibrary {
 public:
  explicit RawLibrary(const Plugin& plugin);
  ~RawLibrary();
  RawLibrary(const RawLibrary&) = delete;
  RawLibrary& operator=(const RawLibrary&) = delete;
  MageioPluginEntryFn entry() const { return entry_; }

 private:
  void* handle_ = nullptr;
  MageioPluginEntryFn entry_ = nullptr;
};

/// A status and what the plugin wrote into a full-size MageioError (copied, then released).
struct RawOutcome {
  MageioStatus status = MAGEIO_STATUS_OK;
  std::optional<std::string> message;  // nullopt: NULL
};

/// Calls `call` with a zeroed, full-size MageioError and releases it.
RawOutcome call_with_error(const std::function<MageioStatus(MageioError*)>& call);

/// Calls `call` with a MageioError whose struct_size is `size`, inside a buffer whose bytes past `size`
/// are a canary. Returns "" when the canary is intact, else what was overwritten. Releases the error when
/// `size` covers the release slot. `status` receives the call's status.
std::string call_with_truncated_error(size_t size, const std::function<MageioStatus(MageioError*)>& call,
                                      MageioStatus& status);

/// The field of MageioError (or the bytes after it) at a byte offset, for messages.
std::string error_field_at(size_t offset);

/// An instance opened through the raw descriptor; closed on destruction.
class RawInstance {
 public:
  /// Opens with `config` (serialized) and, unless `with_host` is false, host services that do nothing.
  RawInstance(const MageioPluginDescriptor& descriptor, const boost::json::object& config, bool with_host = true);
  ~RawInstance();
  RawInstance(const RawInstance&) = delete;
  RawInstance& operator=(const RawInstance&) = delete;

  bool ok() const { return handle_ != nullptr; }
  MageioInstance* handle() const { return handle_; }
  /// Why open failed ("" when it did not).
  const std::string& error() const { return error_; }

 private:
  const MageioPluginDescriptor& descriptor_;
  MageioHostServices services_{};
  MageioInstance* handle_ = nullptr;
  std::string error_;
};

}  // namespace mageio::conformance::detail
