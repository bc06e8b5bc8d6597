// Aligned text tables for people:
//
//   id | customer | amount
//   ---+----------+-------
//    1 | Zoë      |  12.50
//   (1 row)
//
// Widths are fixed once, from the header and a first sample of rows, so rows can be printed as they
// arrive (a table of any length streams). Cells are made one line (newline -> ⏎, tab -> space, other
// control characters and invalid UTF-8 -> U+FFFD), measured in terminal columns, and cut to the width
// with an ellipsis (…) when longer.
#pragma once

#include <mageio/core/connector.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace mageio::cli {

/// The text shown for a NULL cell.
inline constexpr std::string_view kNullText = "NULL";

/// `text` as one line of valid UTF-8 (see above).
std::string one_line(std::string_view text);
/// Terminal columns `text` (valid UTF-8) takes: combining marks 0, East Asian wide characters 2.
size_t display_width(std::string_view text);
/// `text` cut to at most `width` columns, ending in "…" when it was cut.
std::string truncate_to_width(std::string_view text, size_t width);

class TablePrinter {
 public:
  /// `max_cell_width`: cap on a column's width (0: no cap).
  TablePrinter(std::ostream& out, std::vector<std::string> headers, std::vector<bool> right_align,
               size_t max_cell_width);

  /// Widens columns to fit these rows (cells already made one line). Call before the first print_row.
  void measure(const std::vector<std::vector<std::string>>& rows);
  void print_header();
  void print_row(const std::vector<std::string>& cells);
  /// "(N rows)".
  void print_footer(int64_t rows);

 private:
  void print_line(const std::vector<std::string>& cells, bool header);

  std::ostream& out_;
  std::vector<std::string> headers_;
  std::vector<bool> right_align_;
  std::vector<size_t> widths_;
  size_t max_cell_width_;
};

/// Prints every batch of `reader` as a table (widths from the first non-empty batch, cells capped at
/// `max_cell_width` columns) followed by "(N rows)". Returns the number of rows.
int64_t print_table(std::ostream& out, BatchReader& reader, size_t max_cell_width = 40);

/// "(1 row)", "(N rows)".
std::string row_count_text(int64_t rows);

}  // namespace mageio::cli
