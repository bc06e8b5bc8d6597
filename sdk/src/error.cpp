#include <mageio/sdk/error.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace mageio::sdk {

const char* status_name(MageioStatus status) noexcept {
  switch (status) {
    case MAGEIO_STATUS_OK: return "OK";
    case MAGEIO_STATUS_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case MAGEIO_STATUS_NOT_FOUND: return "NOT_FOUND";
    case MAGEIO_STATUS_ALREADY_EXISTS: return "ALREADY_EXISTS";
    case MAGEIO_STATUS_NOT_IMPLEMENTED: return "NOT_IMPLEMENTED";
    case MAGEIO_STATUS_IO: return "IO";
    case MAGEIO_STATUS_BACKEND: return "BACKEND";
    case MAGEIO_STATUS_UNAUTHENTICATED: return "UNAUTHENTICATED";
    case MAGEIO_STATUS_UNAVAILABLE: return "UNAVAILABLE";
    case MAGEIO_STATUS_CANCELLED: return "CANCELLED";
    case MAGEIO_STATUS_INTERNAL: return "INTERNAL";
    default: return "UNKNOWN_STATUS";
  }
}

int status_to_errno(MageioStatus status) noexcept {
  switch (status) {
    case MAGEIO_STATUS_INVALID_ARGUMENT: return EINVAL;
    case MAGEIO_STATUS_NOT_FOUND: return ENOENT;
    case MAGEIO_STATUS_ALREADY_EXISTS: return EEXIST;
    case MAGEIO_STATUS_NOT_IMPLEMENTED: return ENOSYS;
    case MAGEIO_STATUS_UNAUTHENTICATED: return EACCES;
    case MAGEIO_STATUS_UNAVAILABLE: return ECONNRESET;
    case MAGEIO_STATUS_CANCELLED: return ECANCELED;
    case MAGEIO_STATUS_BACKEND: return EPROTO;
    default: return EIO;
  }
}

MageioStatus errno_to_status(int code) noexcept {
  switch (code) {
    case EINVAL: return MAGEIO_STATUS_INVALID_ARGUMENT;
    case ENOENT: return MAGEIO_STATUS_NOT_FOUND;
    case EEXIST: return MAGEIO_STATUS_ALREADY_EXISTS;
    case ENOSYS: return MAGEIO_STATUS_NOT_IMPLEMENTED;
    case EACCES: return MAGEIO_STATUS_UNAUTHENTICATED;
    case ECONNRESET: return MAGEIO_STATUS_UNAVAILABLE;
    case ECANCELED: return MAGEIO_STATUS_CANCELLED;
    case EPROTO: return MAGEIO_STATUS_BACKEND;
    default: return MAGEIO_STATUS_IO;
  }
}

namespace {

// Whether the caller's MageioError (struct_size bytes) has the field that ends at offset + size.
bool error_has(const MageioError* error, size_t offset, size_t size) { return error->struct_size >= offset + size; }
#define MAGEIO_ERROR_HAS(error, field) error_has(error, offsetof(MageioError, field), sizeof((error)->field))

void release_error_message(MageioError* error) {
  std::free(error->message);
  error->message = nullptr;
  error->release = nullptr;
}

}  // namespace

MageioStatus fill_error(MageioError* error, MageioStatus status, const char* message, const char* sqlstate,
                        int32_t vendor_code) noexcept {
  if (error == nullptr) return status;
  const bool can_own = MAGEIO_ERROR_HAS(error, release);
  if (can_own && error->release != nullptr) error->release(error);
  // The message is allocated, so it is written only when the caller's struct has room for the release
  // callback that frees it.
  if (can_own && MAGEIO_ERROR_HAS(error, message)) {
    const size_t length = message ? std::strlen(message) : 0;
    auto* copy = static_cast<char*>(std::malloc(length + 1));
    if (copy != nullptr) {
      if (length) std::memcpy(copy, message, length);
      copy[length] = '\0';
    }
    error->message = copy;
  }
  if (MAGEIO_ERROR_HAS(error, sqlstate)) {
    std::memset(error->sqlstate, 0, sizeof error->sqlstate);
    if (sqlstate != nullptr) std::strncpy(error->sqlstate, sqlstate, 5);
  }
  if (MAGEIO_ERROR_HAS(error, vendor_code)) error->vendor_code = vendor_code;
  if (can_own) error->release = &release_error_message;
  return status;
}
#undef MAGEIO_ERROR_HAS

}  // namespace mageio::sdk
