// Shared declarations of the Python extension `mageio._mageio` (nanobind over the host C++ API).
//
// Threads and the GIL: every operation that may wait on a plugin (open, load, each batch, export,
// execute, ...) runs on a worker thread while the calling thread waits with the GIL released; every
// ~50 ms the caller takes the GIL back to deliver progress and log messages to Python and to look for a
// signal (PyErr_CheckSignals). A KeyboardInterrupt sets the host's cancel flag: the plugin stops at its
// next check (well within a second), fails with CANCELLED and leaves the destination as it was; the
// caller then re-raises the KeyboardInterrupt. The worker never touches Python objects, and no internal
// mutex is held while the GIL is acquired.
//
// A connector (and the readers it produced) is used by one thread at a time: a second thread that calls
// it while an operation runs gets mageio.UsageError at once (refused, not queued).
#pragma once

#include <mageio/core/connector.hpp>
#include <mageio/core/io_config.hpp>
#include <mageio/core/registry.hpp>

#include <nanobind/nanobind.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace nb = nanobind;

namespace mageio::python {

/// Misuse of the Python API (a closed connector, a reader consumed twice, a connector used from two
/// threads): raised as mageio.UsageError.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Raises the mageio.Error subclass for a status (mageio/_errors.py) as the current Python error.
void set_python_error(MageioStatus status, const std::string& message, const std::string& sqlstate,
                      int32_t vendor_code);
void register_error_translator();

/// What one connector shares with its plugin's callbacks (any thread) and its readers.
struct Session {
  Session();
  std::shared_ptr<HostCallbacks> host;
  std::string plugin;
  // Filled by the callbacks, emptied by the waiting Python thread.
  std::mutex log_mutex;
  std::vector<std::pair<int32_t, std::string>> logs;
  std::atomic<int64_t> rows{0}, bytes{0}, total_rows{-1};
  std::atomic<uint64_t> progress_events{0};
  std::atomic<bool> busy{false};
};

/// Marks sessions busy for the length of one operation; throws UsageError when one already is.
class BusyGuard {
 public:
  BusyGuard(std::vector<Session*> sessions, const char* operation);
  ~BusyGuard();
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;

 private:
  std::vector<Session*> sessions_;
};

/// Runs `work` on a worker thread with the GIL released (see the top of this file). `progress` is None or
/// a callable(rows, bytes, total_rows). Rethrows what `work` threw, or the KeyboardInterrupt.
void run_interruptible(const std::function<void()>& work, const std::vector<Session*>& sessions, nb::handle progress);

/// The Python callable log messages go to (set by mageio/__init__.py): handler(level, plugin, message).
void set_log_handler(nb::object handler);

// Arrow PyCapsules ("arrow_schema", "arrow_array", "arrow_array_stream"), each owning its struct.
nb::object schema_capsule(ArrowSchema&& schema);
nb::object array_capsule(ArrowArray&& array);
nb::object stream_capsule(ArrowArrayStream&& stream);
/// Moves the stream out of an "arrow_array_stream" capsule (the capsule is left released).
ArrowArrayStream take_stream(nb::handle capsule);
/// An ArrowArrayStream that hands out the batches of `reader` (validated by the host, errors with the
/// plugin's message) and keeps the reader, and so the plugin's library, alive until it is released.
ArrowArrayStream wrap_reader(BatchReader reader);

/// A Python value (str, int, float, bool, None, list, dict) as JSON, for plugin-specific options.
boost::json::value to_json(nb::handle value, const std::string& where);

/// The registry for these plugin directories (and the current MAGEIO_PLUGIN_PATH); kept for the life of
/// the process, so no library is unloaded while anything from it may still be alive.
Registry& registry_for(const std::vector<std::string>& plugin_dirs);

class Reader {
 public:
  Reader(std::shared_ptr<Session> session, BatchReader reader, std::string label);
  ~Reader();
  nb::object schema();
  /// The next batch as an "arrow_array" capsule, or None at the end.
  nb::object next_batch(nb::handle progress);
  nb::object arrow_c_stream(nb::handle requested_schema);
  int64_t rows_read() const { return rows_read_; }
  bool consumed() const { return !reader_.has_value(); }
  const std::string& label() const { return label_; }
  void close();

 private:
  BatchReader& get(const char* operation);
  std::shared_ptr<Session> session_;
  std::optional<BatchReader> reader_;
  std::string label_;
  std::string consumed_by_;  // how it was consumed, for the message when it is used again
  int64_t rows_read_ = 0;
};

}  // namespace mageio::python
