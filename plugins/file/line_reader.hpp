// Reading a text file line by line in kReadChunkBytes chunks, without copying a line that lies within one
// chunk: the JSON Lines reader's input. (CSV has its own tokenizer, since a quoted field may hold a
// newline; both start their chunks with read_chunk, which skips a byte order mark.)
#pragma once

#include "input_file.hpp"

#include <mageio/sdk/error.hpp>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::file {

class LineReader {
 public:
  LineReader(InputFile& input, const std::string& path, size_t chunk_bytes)
      : input_(input), path_(path), buffer_(chunk_bytes), at_start_(input.begin() == 0) {}

  /// The next line without its LF (and trailing CR); valid until the next call.
  bool next(std::string_view& line) {
    bool carried = false;
    carry_.clear();
    for (;;) {
      if (pos_ == end_ && !fill()) {
        if (!carried) return false;
        ++line_;
        line = strip_cr(carry_);
        return true;
      }
      const char* buf = buffer_.data();
      const char* nl = static_cast<const char*>(std::memchr(buf + pos_, '\n', end_ - pos_));
      if (nl) {
        size_t stop = static_cast<size_t>(nl - buf);
        ++line_;
        if (carried) {
          carry_.append(buf + pos_, stop - pos_);
          line = strip_cr(carry_);
        } else {
          line = strip_cr(std::string_view(buf + pos_, stop - pos_));
        }
        pos_ = stop + 1;
        return true;
      }
      carry_.append(buf + pos_, end_ - pos_);
      carried = true;
      pos_ = end_;
      if (carry_.size() > kMaxRecordBytes) {
        throw sdk::invalid_argument(path_ + ":" + std::to_string(line_ + 1) + ": the line is longer than " +
                                    std::to_string(kMaxRecordBytes >> 20) + " MiB; is this a JSON Lines file?");
      }
    }
  }

  int64_t line_number() const { return line_; }
  /// The next line is line `line` of the file (a partition starts in the middle of it).
  void start_at_line(int64_t line) { line_ = line - 1; }
  int64_t bytes_read() const { return input_.bytes_read(); }

 private:
  static std::string_view strip_cr(std::string_view s) {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }

  bool fill() {
    if (eof_) return false;
    end_ = read_chunk(input_, buffer_, at_start_, pos_);
    eof_ = end_ == 0;
    return !eof_;
  }

  InputFile& input_;
  const std::string& path_;
  std::vector<char> buffer_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false, at_start_;  // at_start_: before the first byte of the file (for the BOM)
  std::string carry_;
  int64_t line_ = 0;
};

}  // namespace mageio::file
