#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace erg::reports {

// One table cell: text, or a number kept at full precision (CSV) and rounded for reading
// (Markdown, HTML). An empty cell is a figure that does not apply or is unavailable.
struct Cell {
  std::string text;
  std::optional<double> number;
  static Cell of(double v) { return Cell{{}, v}; }
  static Cell of(std::string s) { return Cell{std::move(s), std::nullopt}; }
};

struct Table {
  std::string name;   // file stem: tables/<name>.csv
  std::string title;  // heading in the report
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

// Full precision (%.10g), for machines.
std::string format_exact(double v);
// Four significant digits, without exponent for everyday magnitudes, for people.
std::string format_readable(double v);

void write_csv(const Table& table, std::ostream& out);
void write_markdown(const Table& table, std::ostream& out);
void write_html(const Table& table, std::ostream& out);

std::string html_escape(const std::string& text);

}  // namespace erg::reports
