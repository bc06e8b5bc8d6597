#include "table_printer.hpp"

#include "cli_context.hpp"

#include <mageio/sdk/utf8.hpp>

#include <algorithm>
#include <utility>

namespace mageio::cli {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kNewline = "\xE2\x8F\x8E";      // U+23CE ⏎
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026 …

bool in(int32_t c, int32_t low, int32_t high) { return c >= low && c <= high; }

size_t code_point_width(int32_t c) {
  if (in(c, 0x0300, 0x036F) || in(c, 0x0483, 0x0489) || in(c, 0x0591, 0x05BD) || in(c, 0x0610, 0x061A) ||
      in(c, 0x064B, 0x065F) || in(c, 0x1AB0, 0x1AFF) || in(c, 0x1DC0, 0x1DFF) || in(c, 0x200B, 0x200F) ||
      in(c, 0x20D0, 0x20FF) || in(c, 0xFE00, 0xFE0F) || in(c, 0xFE20, 0xFE2F) || c == 0xFEFF)
    return 0;
  if (in(c, 0x1100, 0x115F) || in(c, 0x2E80, 0x303E) || in(c, 0x3041, 0x33FF) || in(c, 0x3400, 0x4DBF) ||
      in(c, 0x4E00, 0x9FFF) || in(c, 0xA000, 0xA4CF) || in(c, 0xAC00, 0xD7A3) || in(c, 0xF900, 0xFAFF) ||
      in(c, 0xFE30, 0xFE4F) || in(c, 0xFF00, 0xFF60) || in(c, 0xFFE0, 0xFFE6) || in(c, 0x1F300, 0x1F64F) ||
      in(c, 0x1F900, 0x1F9FF) || in(c, 0x20000, 0x2FFFD) || in(c, 0x30000, 0x3FFFD))
    return 2;
  return 1;
}

bool is_numeric(const sdk::DataType& type) {
  return type.is_integer() || type.is_floating() || type.id == sdk::TypeId::Decimal128;
}

}  // namespace

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t length = 1;
    const int32_t c = sdk::decode_utf8(text, i, length);
    if (c == '\r' || c == '\n') {
      out += kNewline;
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++length;  // CRLF is one line break
    } else if (c == '\t') {
      out += ' ';
    } else if (c < 0 || c < 0x20 || c == 0x7F || in(c, 0x80, 0x9F)) {
      out += kReplacement;
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    size_t length = 1;
    const int32_t c = sdk::decode_utf8(text, i, length);
    width += c < 0 ? 1 : code_point_width(c);
    i += length;
  }
  return width;
}

std::string truncate_to_width(std::string_view text, size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width == 0) return {};
  // Room for the ellipsis (one column).
  std::string out;
  size_t used = 0;
  for (size_t i = 0; i < text.size();) {
    size_t length = 1;
    const int32_t c = sdk::decode_utf8(text, i, length);
    const size_t w = c < 0 ? 1 : code_point_width(c);
    if (used + w > width - 1) break;
    out.append(text.substr(i, length));
    used += w;
    i += length;
  }
  return out + std::string(kEllipsis);
}

std::string row_count_text(int64_t rows) { return "(" + std::to_string(rows) + (rows == 1 ? " row)" : " rows)"); }

TablePrinter::TablePrinter(std::ostream& out, std::vector<std::string> headers, std::vector<bool> right_align,
                           size_t max_cell_width)
    : out_(out), right_align_(std::move(right_align)), max_cell_width_(max_cell_width) {
  for (auto& header : headers) headers_.push_back(one_line(header));
  right_align_.resize(headers_.size(), false);
  for (const auto& header : headers_) widths_.push_back(std::max<size_t>(1, display_width(header)));
  if (max_cell_width_ > 0)
    for (auto& width : widths_) width = std::min(width, max_cell_width_);
}

void TablePrinter::measure(const std::vector<std::vector<std::string>>& rows) {
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < widths_.size(); ++c) {
      size_t width = display_width(row[c]);
      if (max_cell_width_ > 0) width = std::min(width, max_cell_width_);
      widths_[c] = std::max(widths_[c], width);
    }
  }
}

void TablePrinter::print_line(const std::vector<std::string>& cells, bool header) {
  std::string line;
  for (size_t c = 0; c < widths_.size(); ++c) {
    const std::string cell =
        truncate_to_width(c < cells.size() ? std::string_view(cells[c]) : std::string_view(), widths_[c]);
    const std::string padding(widths_[c] - display_width(cell), ' ');
    if (c > 0) line += " | ";
    if (right_align_[c] && !header)
      line += padding + cell;
    else
      line += cell + padding;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  out_ << line << '\n';
}

void TablePrinter::print_header() {
  print_line(headers_, true);
  std::string rule;
  for (size_t c = 0; c < widths_.size(); ++c) {
    if (c > 0) rule += "-+-";
    rule += std::string(widths_[c], '-');
  }
  out_ << rule << '\n';
}

void TablePrinter::print_row(const std::vector<std::string>& cells) { print_line(cells, false); }

void TablePrinter::print_footer(int64_t rows) { out_ << row_count_text(rows) << '\n'; }

int64_t print_table(std::ostream& out, BatchReader& reader, size_t max_cell_width) {
  const sdk::Schema& schema = reader.schema();
  std::vector<std::string> headers;
  std::vector<bool> right_align;
  for (const auto& field : schema) {
    headers.push_back(field.name);
    right_align.push_back(is_numeric(field.type));
  }
  TablePrinter printer(out, headers, right_align, max_cell_width);

  auto row_cells = [&](const sdk::BatchView& view, int64_t row) {
    std::vector<std::string> cells;
    cells.reserve(view.column_count());
    for (size_t c = 0; c < view.column_count(); ++c) {
      const auto& column = view.column(c);
      cells.push_back(column.is_null(row) ? std::string(kNullText) : one_line(column.to_text(row)));
    }
    return cells;
  };

  int64_t rows = 0;
  bool started = false;
  sdk::OwnedArray batch;
  while (reader.next(batch)) {
    check_interrupted();
    sdk::BatchView view(batch.array, schema);
    if (view.rows() == 0) continue;
    if (!started) {
      // The first rows fix the widths; later rows are cut to them.
      std::vector<std::vector<std::string>> first;
      first.reserve(static_cast<size_t>(view.rows()));
      for (int64_t r = 0; r < view.rows(); ++r) first.push_back(row_cells(view, r));
      printer.measure(first);
      printer.print_header();
      for (const auto& cells : first) printer.print_row(cells);
      started = true;
    } else {
      for (int64_t r = 0; r < view.rows(); ++r) printer.print_row(row_cells(view, r));
    }
    rows += view.rows();
  }
  if (!started) printer.print_header();
  printer.print_footer(rows);
  return rows;
}

}  // namespace mageio::cli
