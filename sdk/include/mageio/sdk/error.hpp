// The exception plugin code throws; the SDK turns it into a MageioError at the C boundary.
#pragma once

#include <mageio/mageio_abi.h>

#include <stdexcept>
#include <string>

namespace mageio::sdk {

/// An error with a stable status code and, when the backend gave them, an SQLSTATE and vendor code.
/// Any other exception that reaches the boundary becomes MAGEIO_STATUS_INTERNAL.
class Error : public std::runtime_error {
 public:
  Error(MageioStatus status, const std::string& message, std::string sqlstate = {}, int32_t vendor_code = 0)
      : std::runtime_error(message), status_(status), sqlstate_(std::move(sqlstate)), vendor_code_(vendor_code) {}

  MageioStatus status() const noexcept { return status_; }
  const std::string& sqlstate() const noexcept { return sqlstate_; }
  int32_t vendor_code() const noexcept { return vendor_code_; }

 private:
  MageioStatus status_;
  std::string sqlstate_;
  int32_t vendor_code_;
};

inline Error invalid_argument(const std::string& message) { return Error(MAGEIO_STATUS_INVALID_ARGUMENT, message); }
inline Error not_found(const std::string& message) { return Error(MAGEIO_STATUS_NOT_FOUND, message); }
inline Error already_exists(const std::string& message) { return Error(MAGEIO_STATUS_ALREADY_EXISTS, message); }
inline Error not_implemented(const std::string& message) { return Error(MAGEIO_STATUS_NOT_IMPLEMENTED, message); }
inline Error io_error(const std::string& message) { return Error(MAGEIO_STATUS_IO, message); }
inline Error cancelled_error() { return Error(MAGEIO_STATUS_CANCELLED, "cancelled by the host"); }

/// Fills a caller-allocated MageioError at the C boundary and returns `status`: releases what it held,
/// then writes a copy of `message` (freed by the release callback it sets), `sqlstate` (at most 5
/// characters) and `vendor_code` -- each only where the caller's struct_size says the field exists, so
/// an older host's smaller struct is never written past. A null `error` is allowed. Plugins get this
/// from the SDK's entry points; the host uses it where it answers like a plugin (isolated instances).
MageioStatus fill_error(MageioError* error, MageioStatus status, const char* message, const char* sqlstate = nullptr,
                        int32_t vendor_code = 0) noexcept;

/// The name of a status code, e.g. "NOT_FOUND", for messages and logs.
const char* status_name(MageioStatus status) noexcept;

/// The Arrow stream interface carries only an errno-compatible code, so a status crosses it as one of
/// these (and back, for any producer): INVALID_ARGUMENT EINVAL, NOT_FOUND ENOENT, ALREADY_EXISTS
/// EEXIST, NOT_IMPLEMENTED ENOSYS, UNAUTHENTICATED EACCES, UNAVAILABLE ECONNRESET, CANCELLED ECANCELED,
/// BACKEND EPROTO, IO and INTERNAL EIO.
int status_to_errno(MageioStatus status) noexcept;
MageioStatus errno_to_status(int code) noexcept;

}  // namespace mageio::sdk
