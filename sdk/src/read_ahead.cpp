#include "mageio/sdk/read_ahead.hpp"

namespace mageio::sdk {

ReadAhead::~ReadAhead() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  if (queued_.release != nullptr) queued_.release(&queued_);
}

bool ReadAhead::next(OwnedArray& out) {
  out.reset();
  std::unique_lock lock(mutex_);
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  changed_.wait(lock, [this] { return full_ || ended_; });
  if (full_) {
    out.array = queued_;
    queued_ = ArrowArray{};
    full_ = false;
    changed_.notify_all();
    return true;
  }
  if (error_) std::rethrow_exception(error_);
  return false;
}

void ReadAhead::run() {
  try {
    for (;;) {
      OwnedArray batch;
      const bool more = input_.next(batch);
      std::unique_lock lock(mutex_);
      if (!more) break;
      changed_.wait(lock, [this] { return !full_ || stop_; });
      if (stop_) return;
      queued_ = batch.array;
      batch.array = ArrowArray{};
      full_ = true;
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard lock(mutex_);
    error_ = std::current_exception();
  }
  std::lock_guard lock(mutex_);
  ended_ = true;
  changed_.notify_all();
}

}  // namespace mageio::sdk
