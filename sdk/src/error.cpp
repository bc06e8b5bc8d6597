#include <mageio/sdk/error.hpp>

#include <cerrno>

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

}  // namespace mageio::sdk
