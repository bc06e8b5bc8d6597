#include "progress_line.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

namespace mageio::cli {
namespace {

// One decimal below 10 ("4.5"), none above ("452"): three significant figures at most, so the line
// does not jitter in width as the numbers grow.
std::string short_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, value < 10 ? "%.1f" : "%.0f", value);
  return text;
}

}  // namespace

std::string format_count(int64_t value) {
  const bool negative = value < 0;
  std::string digits = std::to_string(negative ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

std::string format_bytes(int64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return short_number(value) + " " + kUnits[unit];
}

std::string format_rate(double per_second) {
  if (!(per_second >= 0)) per_second = 0;  // also NaN
  if (per_second < 1000) return std::to_string(static_cast<int64_t>(std::lround(per_second)));
  if (per_second < 1e6) return short_number(per_second / 1e3) + "k";
  if (per_second < 1e9) return short_number(per_second / 1e6) + "M";
  return short_number(per_second / 1e9) + "G";
}

std::string format_duration(double seconds, bool tenths) {
  if (!(seconds >= 0)) seconds = 0;
  // Rounded once, to the unit shown, so 59.96 s reads "1:00.0" and never "0:60.0".
  const int64_t units = std::llround(seconds * (tenths ? 10 : 1));
  const int64_t whole = tenths ? units / 10 : units;
  const int64_t hours = whole / 3600, minutes = whole / 60 % 60, secs = whole % 60;
  char text[48];
  if (hours > 0)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(hours),
                  static_cast<long long>(minutes), static_cast<long long>(secs));
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(minutes), static_cast<long long>(secs));
  std::string out = text;
  if (tenths && hours == 0) out += "." + std::to_string(units % 10);
  return out;
}

std::string format_progress(const ProgressSnapshot& s) {
  // Rates from the first few milliseconds are noise; a floor keeps them finite.
  const double rate = static_cast<double>(s.rows) / std::max(s.elapsed_seconds, 1e-3);
  std::string line = format_count(s.rows) + (s.rows == 1 ? " row" : " rows");
  if (s.bytes >= 0) line += "  " + format_bytes(s.bytes);
  line += "  " + format_rate(rate) + " rows/s  " + format_duration(s.elapsed_seconds, true);
  if (s.total_rows >= 0) {
    line += "  of " + format_count(s.total_rows);
    if (s.rows > 0 && s.total_rows >= s.rows)
      line += "  ETA " + format_duration(static_cast<double>(s.total_rows - s.rows) / rate, false);
  }
  return line;
}

ProgressLine::ProgressLine(std::ostream& out, std::chrono::milliseconds interval) : out_(out), interval_(interval) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::update(int64_t rows, int64_t bytes, int64_t total_rows) {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (finished_ || (shown_ && now - last_draw_ < interval_)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  // One write per redraw: back to column 0, the text, then erase what a longer line left behind.
  out_ << ('\r' + format_progress({rows, bytes, total_rows, elapsed}) + "\x1b[K") << std::flush;
  shown_ = true;
}

void ProgressLine::clear() {
  std::lock_guard lock(mutex_);
  erase_locked();
}

void ProgressLine::finish() {
  std::lock_guard lock(mutex_);
  erase_locked();
  finished_ = true;
}

void ProgressLine::erase_locked() {
  if (!shown_) return;
  out_ << kClear << std::flush;
  shown_ = false;
}

}  // namespace mageio::cli
