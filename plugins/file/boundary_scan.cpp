#include "boundary_scan.hpp"

#include <algorithm>
#include <cstring>

namespace mageio::file {

namespace {

class BoundaryScan {
 public:
  BoundaryScan(Format format, char delimiter, const std::vector<int64_t>& targets)
      : csv_(format == Format::Csv), delimiter_(delimiter), targets_(targets) {}

  /// The next chunk of the file; false once the file is known to be unsplittable.
  bool feed(const char* data, size_t n) {
    if (csv_ && !check_quotes(data, n)) return false;
    place_targets(data, n);
    lines_ += terminators(data, n);
    prev_ = data[n - 1];
    offset_ += static_cast<int64_t>(n);
    return true;
  }

  ScanResult finish() {
    if (csv_ && state_ == State::Quoted && result_.unsplittable.empty())
      result_.unsplittable = "a quoted field is never closed";
    // A cut after the last line end is the end of the file: no partition starts there.
    while (!result_.cuts.empty() && result_.cuts.back().offset >= offset_) result_.cuts.pop_back();
    return std::move(result_);
  }

  const std::string& unsplittable() const { return result_.unsplittable; }

 private:
  enum class State { Field, Quoted, AfterQuote };

  bool ends_field(char c) const { return c == delimiter_ || c == '\n' || c == '\r'; }

  /// Record terminators in data[0, len) as the readers count lines. CSV: each LF and each CR, less the
  /// LFs that complete a CRLF (also across chunks, through prev_); JSON Lines: LFs only.
  int64_t terminators(const char* data, size_t len) const {
    int64_t count = std::count(data, data + len, '\n');
    if (!csv_) return count;
    const int64_t crs = std::count(data, data + len, '\r');
    if (crs == 0 && prev_ != '\r') return count;
    int64_t pairs = (len > 0 && data[0] == '\n' && prev_ == '\r') ? 1 : 0;
    for (size_t i = 1; i < len; ++i) pairs += (data[i] == '\n' && data[i - 1] == '\r') ? 1 : 0;
    return count + crs - pairs;
  }

  /// Moves every target inside this chunk to the next offset just past an LF (a target already there
  /// stays); one past the chunk's last LF carries over to the next chunk.
  void place_targets(const char* data, size_t n) {
    const int64_t chunk_end = offset_ + static_cast<int64_t>(n);
    while (next_ < targets_.size() && std::max(targets_[next_], offset_) < chunk_end) {
      const size_t i = static_cast<size_t>(std::max(targets_[next_], offset_) - offset_);
      const bool aligned = i == 0 ? prev_ == '\n' : data[i - 1] == '\n';
      size_t cut = i;
      if (!aligned) {
        const void* lf = std::memchr(data + i, '\n', n - i);
        if (lf == nullptr) return;  // the next chunk continues the search
        cut = static_cast<size_t>(static_cast<const char*>(lf) - data) + 1;
      }
      add_cut(offset_ + static_cast<int64_t>(cut), 1 + lines_ + terminators(data, cut));
      ++next_;
    }
  }

  void add_cut(int64_t offset, int64_t line) {
    if (offset == 0 || (!result_.cuts.empty() && result_.cuts.back().offset >= offset)) return;
    result_.cuts.push_back({offset, line});
  }

  bool refuse(const char* data, size_t at, const std::string& why) {
    result_.unsplittable = why + " (line " + std::to_string(1 + lines_ + terminators(data, at)) + ")";
    return false;
  }

  /// Follows the tokenizer's quote states through the chunk; false (and why) when a quoted field holds a
  /// line break or the text is something the tokenizer would refuse.
  bool check_quotes(const char* data, size_t n) {
    size_t i = 0;
    if (offset_ == 0 && n >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) i = 3;  // the BOM the reader skips
    while (i < n) {
      if (state_ == State::Quoted) {
        const void* q = std::memchr(data + i, '"', n - i);
        const size_t stop = q ? static_cast<size_t>(static_cast<const char*>(q) - data) : n;
        if (std::memchr(data + i, '\n', stop - i) || std::memchr(data + i, '\r', stop - i))
          return refuse(data, i, "a quoted field spans lines");
        i = stop == n ? n : stop + 1;
        if (stop < n) state_ = State::AfterQuote;
      } else if (state_ == State::AfterQuote) {
        const char c = data[i++];
        if (c == '"') {
          state_ = State::Quoted;  // a doubled quote
        } else if (ends_field(c)) {
          state_ = State::Field;
          field_start_ = true;
        } else {
          return refuse(data, i - 1, "text follows a closing quote");
        }
      } else {
        // Outside quotes only a quote at the start of a field matters: find the next quote and look at
        // the byte before it.
        const void* q = std::memchr(data + i, '"', n - i);
        if (q == nullptr) {
          field_start_ = ends_field(data[n - 1]);
          i = n;
          break;
        }
        const size_t at = static_cast<size_t>(static_cast<const char*>(q) - data);
        const bool starts_field = at > i ? ends_field(data[at - 1]) : field_start_;
        field_start_ = false;
        if (starts_field) state_ = State::Quoted;
        i = at + 1;
      }
    }
    return true;
  }

  const bool csv_;
  const char delimiter_;
  const std::vector<int64_t>& targets_;
  size_t next_ = 0;     // the first target not yet placed
  int64_t offset_ = 0;  // file offset of the next chunk
  int64_t lines_ = 0;   // terminators before offset_
  char prev_ = '\0';    // the byte before offset_
  State state_ = State::Field;
  bool field_start_ = true;  // outside quotes: the next byte starts a field
  ScanResult result_;
};

}  // namespace

ScanResult scan_boundaries(InputFile& input, const LoadSettings& settings, const std::vector<int64_t>& targets,
                           const sdk::Host& host) {
  BoundaryScan scan(settings.format, settings.csv.delimiter, targets);
  std::vector<char> buffer(settings.read_chunk_bytes);
  for (;;) {
    host.check_cancelled();
    const size_t n = input.read(buffer.data(), buffer.size());
    if (n == 0 || !scan.feed(buffer.data(), n)) break;
  }
  return scan.finish();
}

}  // namespace mageio::file
