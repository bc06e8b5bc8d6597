#include "csv_reader.hpp"

#include <mageio/sdk/error.hpp>

#include <algorithm>
#include <cstring>

namespace mageio::file {

namespace {
enum class State { FieldStart, Unquoted, Quoted, AfterQuote };
}

CsvTokenizer::CsvTokenizer(InputFile& input, std::string display_path, char delimiter, size_t chunk_bytes)
    : input_(input),
      display_path_(std::move(display_path)),
      delimiter_(delimiter),
      buffer_(chunk_bytes),
      at_start_(input.begin() == 0) {
  stop_[static_cast<unsigned char>(delimiter)] = true;
  stop_[static_cast<unsigned char>('\n')] = true;
  stop_[static_cast<unsigned char>('\r')] = true;
}

bool CsvTokenizer::fill() {
  if (eof_) return false;
  end_ = read_chunk(input_, buffer_, at_start_, pos_);
  eof_ = end_ == 0;
  return !eof_;
}

void CsvTokenizer::end_field(CsvRecord& out) {
  out.ends.push_back(out.data.size());
  out.quoted.push_back(field_quoted_ ? 1 : 0);
  field_quoted_ = false;
}

void CsvTokenizer::check_size(const CsvRecord& out) const {
  if (out.data.size() > kMaxRecordBytes) {
    throw sdk::invalid_argument(
        display_path_ + ":" + std::to_string(out.line) + ": the record starting on this line is " + "larger than " +
        std::to_string(kMaxRecordBytes >> 20) + " MiB; is a quoted field never closed, or is this not a CSV file?");
  }
}

bool CsvTokenizer::next(CsvRecord& out) {
  out.clear();
  field_quoted_ = false;
  State state = State::FieldStart;
  bool started = false;
  const char delim = delimiter_;

  for (;;) {
    if (pos_ == end_ && !fill()) break;
    if (skip_lf_) {
      skip_lf_ = false;
      if (buffer_[pos_] == '\n') {
        ++pos_;
        continue;
      }
    }
    if (!started) {
      started = true;
      out.line = line_;
    }
    const char* buf = buffer_.data();
    switch (state) {
      case State::FieldStart:
        if (buf[pos_] == '"') {
          field_quoted_ = true;
          state = State::Quoted;
          ++pos_;
          break;
        }
        state = State::Unquoted;
        [[fallthrough]];
      case State::Unquoted: {
        size_t i = pos_;
        while (i < end_ && !stop_[static_cast<unsigned char>(buf[i])]) ++i;
        out.data.append(buf + pos_, i - pos_);
        pos_ = i;
        if (i == end_) {
          check_size(out);
          break;  // refill and continue the field
        }
        char c = buf[pos_++];
        end_field(out);
        if (c == delim) {
          state = State::FieldStart;
          break;
        }
        ++line_;
        if (c == '\r') skip_lf_ = true;
        return true;
      }
      case State::Quoted: {
        const char* q = static_cast<const char*>(std::memchr(buf + pos_, '"', end_ - pos_));
        size_t stop = q ? static_cast<size_t>(q - buf) : end_;
        line_ += std::count(buf + pos_, buf + stop, '\n');
        out.data.append(buf + pos_, stop - pos_);
        pos_ = stop;
        if (!q) {
          check_size(out);
          break;
        }
        ++pos_;  // the quote: either closing or the first of a doubled pair
        state = State::AfterQuote;
        break;
      }
      case State::AfterQuote: {
        char c = buf[pos_];
        if (c == '"') {
          out.data.push_back('"');
          ++pos_;
          state = State::Quoted;
          break;
        }
        if (c == delim) {
          ++pos_;
          end_field(out);
          state = State::FieldStart;
          break;
        }
        if (c == '\n' || c == '\r') {
          ++pos_;
          end_field(out);
          ++line_;
          if (c == '\r') skip_lf_ = true;
          return true;
        }
        throw sdk::invalid_argument(display_path_ + ":" + std::to_string(line_) + ": field " +
                                    std::to_string(out.ends.size() + 1) +
                                    ": unexpected text after a closing quote (a quote inside a quoted field "
                                    "must be doubled; is the delimiter right?)");
      }
    }
  }

  if (!started) return false;
  if (state == State::Quoted) {
    throw sdk::invalid_argument(display_path_ + ":" + std::to_string(out.line) + ": field " +
                                std::to_string(out.ends.size() + 1) +
                                ": a quoted field starting in the record on this line is never closed");
  }
  end_field(out);
  return true;
}

}  // namespace mageio::file
