#include "reports/table.hpp"

#include <cmath>
#include <cstdio>

namespace erg::reports {
namespace {

std::string csv_quote(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string readable(const Cell& c) {
  return c.number ? format_readable(*c.number) : c.text;
}

}  // namespace

std::string format_exact(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

std::string format_readable(double v) {
  char buf[64];
  const double a = std::fabs(v);
  if (v == 0.0) return "0";
  if (a >= 1e7 || a < 1e-3) {
    std::snprintf(buf, sizeof(buf), "%.3e", v);
  } else {
    const int digits = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : 3;
    std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  }
  return buf;
}

void write_csv(const Table& table, std::ostream& out) {
  for (std::size_t i = 0; i < table.header.size(); ++i)
    out << (i ? "," : "") << csv_quote(table.header[i]);
  out << "\n";
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size(); ++i)
      out << (i ? "," : "")
          << (row[i].number ? format_exact(*row[i].number) : csv_quote(row[i].text));
    out << "\n";
  }
}

void write_markdown(const Table& table, std::ostream& out) {
  auto cell = [](const std::string& s) {
    std::string o;
    for (char c : s)
      o += c == '|' ? std::string("\\|") : std::string(1, c);
    return o;
  };
  out << "|";
  for (const auto& h : table.header)
    out << " " << cell(h) << " |";
  out << "\n|";
  for (std::size_t i = 0; i < table.header.size(); ++i)
    out << "---|";
  out << "\n";
  for (const auto& row : table.rows) {
    out << "|";
    for (const auto& c : row)
      out << " " << cell(readable(c)) << " |";
    out << "\n";
  }
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void write_html(const Table& table, std::ostream& out) {
  out << "<div class=\"scroll\"><table>\n<thead><tr>";
  for (const auto& h : table.header)
    out << "<th>" << html_escape(h) << "</th>";
  out << "</tr></thead>\n<tbody>\n";
  for (const auto& row : table.rows) {
    out << "<tr>";
    for (const auto& c : row)
      out << (c.number ? "<td class=\"num\">" : "<td>") << html_escape(readable(c)) << "</td>";
    out << "</tr>\n";
  }
  out << "</tbody></table></div>\n";
}

}  // namespace erg::reports
