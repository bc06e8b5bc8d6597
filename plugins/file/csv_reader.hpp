// A streaming RFC 4180 tokenizer: reads a file in kReadChunkBytes chunks and yields one record at a
// time, so memory use is one chunk plus the current record, whatever the file size.
//
// Accepted syntax:
//   - fields separated by a one-byte delimiter; records end with LF, CRLF or a lone CR;
//   - a field that starts with a quote is quoted: it ends at the next quote not doubled ("" inside a
//     quoted field is one quote) and may contain the delimiter, CR and LF;
//   - after a closing quote only the delimiter or the end of the record may follow (anything else is an
//     error: it usually means a stray quote or the wrong delimiter);
//   - a quote inside an unquoted field is an ordinary character (as most CSV producers write it);
//   - a UTF-8 byte order mark at the start of the file is skipped;
//   - the last record needs no line terminator.
// The tokenizer does not validate UTF-8 and knows nothing of headers or types (see csv_source.hpp).
#pragma once

#include "input_file.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::file {

/// One record: its fields, whether each was quoted, and the physical line (1-based) it starts on.
struct CsvRecord {
  std::string data;             // the fields' bytes, back to back (quotes removed, "" unescaped)
  std::vector<size_t> ends;     // end offset of each field in data
  std::vector<uint8_t> quoted;  // 1 when the field was quoted
  int64_t line = 0;

  size_t size() const { return ends.size(); }
  std::string_view field(size_t i) const {
    size_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(data).substr(begin, ends[i] - begin);
  }
  bool is_quoted(size_t i) const { return quoted[i] != 0; }
  /// An empty physical line: one unquoted empty field.
  bool is_blank() const { return ends.size() == 1 && ends[0] == 0 && quoted[0] == 0; }
  void clear() {
    data.clear();
    ends.clear();
    quoted.clear();
    line = 0;
  }
};

class CsvTokenizer {
 public:
  /// `display_path` names the file in error messages.
  CsvTokenizer(InputFile& input, std::string display_path, char delimiter, size_t chunk_bytes = kReadChunkBytes);

  /// Reads the next record into `out`; false at the end of the file. Throws Error(INVALID_ARGUMENT)
  /// naming the file and line on malformed input (unterminated quote, text after a closing quote, a
  /// record over kMaxRecordBytes).
  bool next(CsvRecord& out);

  int64_t bytes_read() const { return input_.bytes_read(); }
  /// The file offset of the next byte the tokenizer will look at (right after the last record's line
  /// end; an LF that completes its CRLF may still follow).
  int64_t offset() const { return input_.begin() + input_.bytes_read() - static_cast<int64_t>(end_ - pos_); }
  /// The next record starts on physical line `line` (a partition starts in the middle of the file).
  void start_at_line(int64_t line) { line_ = line; }

 private:
  bool fill();
  void end_field(CsvRecord& out);
  void check_size(const CsvRecord& out) const;

  InputFile& input_;
  std::string display_path_;
  char delimiter_;
  std::vector<char> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool at_start_;         // before the first byte of the file (for the BOM)
  bool skip_lf_ = false;  // the previous record ended with CR: an LF right after belongs to it
  int64_t line_ = 1;      // the physical line of buffer_[pos_]
  bool field_quoted_ = false;
  bool stop_[256] = {};  // bytes that end an unquoted field: the delimiter, CR, LF
};

}  // namespace mageio::file
