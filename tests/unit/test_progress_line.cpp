// The CLI's progress line: the text (a pure function) and the terminal control around it.
#include "progress_line.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace mageio::cli;

TEST_CASE("progress numbers are short and readable") {
  CHECK(format_count(0) == "0");
  CHECK(format_count(999) == "999");
  CHECK(format_count(1000) == "1,000");
  CHECK(format_count(1234567) == "1,234,567");
  CHECK(format_bytes(812) == "812 B");
  CHECK(format_bytes(4608) == "4.5 KiB");
  CHECK(format_bytes(int64_t{118} << 20) == "118 MiB");
  CHECK(format_rate(812.4) == "812");
  CHECK(format_rate(4500) == "4.5k");
  CHECK(format_rate(452000) == "452k");
  CHECK(format_rate(1.2e6) == "1.2M");
  CHECK(format_duration(2.74, true) == "0:02.7");
  CHECK(format_duration(59.96, true) == "1:00.0");
  CHECK(format_duration(65, false) == "1:05");
  CHECK(format_duration(3909, false) == "1:05:09");
}

TEST_CASE("the progress line shows rows, bytes, rate and elapsed; total and ETA when known") {
  CHECK(format_progress({.rows = 1234567, .bytes = int64_t{118} << 20, .total_rows = -1, .elapsed_seconds = 2.7}) ==
        "1,234,567 rows  118 MiB  457k rows/s  0:02.7");
  CHECK(format_progress({.rows = 1000, .bytes = -1, .total_rows = -1, .elapsed_seconds = 1}) ==
        "1,000 rows  1.0k rows/s  0:01.0");
  CHECK(format_progress({.rows = 1000, .bytes = -1, .total_rows = 6000, .elapsed_seconds = 1}) ==
        "1,000 rows  1.0k rows/s  0:01.0  of 6,000  ETA 0:05");
}

TEST_CASE("the line is redrawn in place at most once per interval and erased at the end") {
  std::ostringstream out;
  {
    ProgressLine line(out, std::chrono::hours(1));
    line.update(10, -1, -1);  // the first update draws
    line.update(20, -1, -1);  // too soon
    CHECK(out.str().starts_with("\r10 rows  "));
    CHECK(out.str().ends_with("\x1b[K"));
    CHECK(out.str().find("20 rows") == std::string::npos);
    line.clear();
    line.update(30, -1, -1);  // redrawn at once after a clear
    CHECK(out.str().find("\r30 rows") != std::string::npos);
  }  // destruction erases it
  CHECK(out.str().ends_with(ProgressLine::kClear));

  std::ostringstream quiet;
  { ProgressLine never_drawn(quiet); }
  CHECK(quiet.str().empty());  // nothing to erase
}
