// Reading an export's input one batch ahead, on a thread of its own: the upstream producer's work (a CSV
// parse, a database fetch) then overlaps with the plugin's encoding and with the server's work instead of
// alternating with them. For a plugin whose writing blocks on a server (MySQL's LOAD DATA, PostgreSQL's
// COPY).
//
// Memory: at most one batch waits in the queue, so the plugin holds at most three (queued, being fetched,
// being written). Thread contract: from the first next() on, the input is touched only by the read-ahead
// thread; next() and the destructor belong to the plugin's thread. The destructor stops and joins the
// thread (waiting for a fetch in progress to return) and releases a batch still queued.
#pragma once

#include <mageio/sdk/arrow_reader.hpp>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace mageio::sdk {

class ReadAhead {
 public:
  explicit ReadAhead(StreamReader& input) : input_(input) {}
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  /// The next batch (into `out`, releasing what it held); false at the end. Rethrows the input's error,
  /// after the batches read before it. The thread starts on the first call.
  bool next(OwnedArray& out);

 private:
  void run();

  StreamReader& input_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  ArrowArray queued_{};
  bool full_ = false;
  bool ended_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace mageio::sdk
