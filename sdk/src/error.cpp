#include <mageio/sdk/error.hpp>

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

}  // namespace mageio::sdk
