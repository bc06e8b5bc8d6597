// Running plugin operations off the GIL, with Ctrl-C turned into the host's cancellation (binding.hpp).
#include "binding.hpp"

#include <nanobind/stl/string.h>

#include <chrono>
#include <condition_variable>
#include <thread>

namespace mageio::python {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(50);

// Set once by the package; never freed (it may be needed until the interpreter is gone).
nb::object* g_log_handler = nullptr;

void deliver(const std::vector<Session*>& sessions, nb::handle progress, uint64_t& progress_seen) {
  for (Session* session : sessions) {
    std::vector<std::pair<int32_t, std::string>> logs;
    {
      std::lock_guard<std::mutex> lock(session->log_mutex);
      logs.swap(session->logs);
    }
    if (g_log_handler != nullptr)
      for (auto& [level, message] : logs) (*g_log_handler)(level, session->plugin, message);
  }
  if (!progress.is_none() && !sessions.empty()) {
    Session* session = sessions.front();
    const uint64_t events = session->progress_events.load();
    if (events != progress_seen) {
      progress_seen = events;
      progress(session->rows.load(), session->bytes.load(), session->total_rows.load());
    }
  }
}

}  // namespace

Session::Session() : host(std::make_shared<HostCallbacks>()) {}

BusyGuard::BusyGuard(std::vector<Session*> sessions, const char* operation) {
  for (Session* session : sessions) {
    if (session->busy.exchange(true)) {
      for (Session* taken : sessions_) taken->busy.store(false);
      throw UsageError(std::string(operation) + ": the " + session->plugin +
                       " connector is in use by another thread (a connector and its readers are used by one thread "
                       "at a time: open one connector per thread)");
    }
    sessions_.push_back(session);
  }
}

BusyGuard::~BusyGuard() {
  for (Session* session : sessions_) session->busy.store(false);
}

void set_log_handler(nb::object handler) {
  if (g_log_handler == nullptr)
    g_log_handler = new nb::object(std::move(handler));
  else
    *g_log_handler = std::move(handler);
}

void run_interruptible(const std::function<void()>& work, const std::vector<Session*>& sessions, nb::handle progress) {
  struct Shared {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    std::exception_ptr error;
  };
  auto shared = std::make_shared<Shared>();
  std::thread worker([shared, &work] {
    try {
      work();
    } catch (...) {
      shared->error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(shared->mutex);
      shared->done = true;
    }
    shared->done_cv.notify_all();
  });

  std::optional<nb::python_error> pending;  // a KeyboardInterrupt, or what the progress callback raised
  uint64_t progress_seen = 0;
  for (;;) {
    bool done = false;
    {
      nb::gil_scoped_release no_gil;
      std::unique_lock<std::mutex> lock(shared->mutex);
      done = shared->done_cv.wait_for(lock, kPollInterval, [&] { return shared->done; });
    }  // the lock goes before the GIL comes back
    if (!pending) {
      try {
        deliver(sessions, progress, progress_seen);
        if (!done && PyErr_CheckSignals() != 0) throw nb::python_error();
      } catch (nb::python_error& e) {
        pending.emplace(std::move(e));
        for (Session* session : sessions) session->host->cancel_requested.store(true);
      }
    }
    if (done) break;
  }
  {
    nb::gil_scoped_release no_gil;
    worker.join();
  }
  for (Session* session : sessions) session->host->cancel_requested.store(false);
  if (pending) {
    pending->restore();
    throw nb::python_error();
  }
  if (shared->error) std::rethrow_exception(shared->error);
}

}  // namespace mageio::python
