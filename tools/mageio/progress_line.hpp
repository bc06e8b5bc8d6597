// The progress line of the data commands: one line on stderr, redrawn in place a few times a second
// while rows flow, and erased when the command ends -- also when it fails or is cancelled -- so that
// what is printed afterwards starts on a clean line.
//
//   1,234,567 rows  118 MiB  452k rows/s  0:02.7  of 5,000,000  ETA 0:08
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

namespace mageio::cli {

/// What one redraw shows. bytes and total_rows are -1 when unknown (then left out).
struct ProgressSnapshot {
  int64_t rows = 0;
  int64_t bytes = -1;
  int64_t total_rows = -1;
  double elapsed_seconds = 0;
};

/// The text of the line, without any terminal control.
std::string format_progress(const ProgressSnapshot& snapshot);

// The pieces, for the tests.
std::string format_count(int64_t value);                   // 1234567 -> "1,234,567"
std::string format_bytes(int64_t bytes);                   // "812 B", "4.5 KiB", "118 MiB"
std::string format_rate(double per_second);                // "812", "4.5k", "452k", "1.2M"
std::string format_duration(double seconds, bool tenths);  // "0:02.7", "1:05:09"

class ProgressLine {
 public:
  /// Erase the line: carriage return, then ANSI "erase to end of line".
  static constexpr const char* kClear = "\r\x1b[K";

  explicit ProgressLine(std::ostream& out, std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  /// The latest cumulative counts; redraws when the last redraw is at least `interval` old (the first
  /// update always). Thread-safe: plugins may report from any thread.
  void update(int64_t rows, int64_t bytes, int64_t total_rows);
  /// Erases the line if it is shown, so something else can be printed; the next update redraws it.
  void clear();
  /// Erases the line for good: later updates draw nothing.
  void finish();

 private:
  void erase_locked();

  std::mutex mutex_;
  std::ostream& out_;
  const std::chrono::milliseconds interval_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
  bool shown_ = false;
  bool finished_ = false;
};

}  // namespace mageio::cli
