#include "reports/table.hpp"

#include <algorithm>
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

namespace {

// A header such as "asr.encoder.l1_uj_per_audio_second" may break after each '.' and '_', so a
// wide table wraps its headers instead of scrolling.
std::string breakable_header(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += html_escape(std::string(1, c));
    if (c == '.' || c == '_') out += "<wbr>";
  }
  return out;
}

// Consecutive headers "<group>.<leaf><suffix>" with the same group and suffix, such as
// asr.encoder.l1_uj_per_audio_second ... asr.encoder.mac_uj_per_audio_second, share one
// "<group> (<suffix>)" cell above their leaves, so a wide table's header stays narrow.
struct HeaderSpan {
  std::size_t first = 0, count = 1;
  std::string group, suffix;
};

std::vector<HeaderSpan> header_spans(const std::vector<std::string>& header) {
  auto split = [](const std::string& h) {
    const auto dot = h.rfind('.');
    if (dot == std::string::npos || dot == 0) return std::pair<std::string, std::string>{};
    const auto leaf = h.substr(dot + 1);
    const auto cut = leaf.find('_');
    return std::pair<std::string, std::string>{
        h.substr(0, dot), cut == std::string::npos ? std::string() : leaf.substr(cut)};
  };
  std::vector<HeaderSpan> spans;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const auto [group, suffix] = split(header[i]);
    if (!spans.empty() && !group.empty() && spans.back().group == group &&
        spans.back().suffix == suffix && spans.back().first + spans.back().count == i) {
      ++spans.back().count;
    } else {
      spans.push_back({i, 1, group, suffix});
    }
  }
  return spans;
}

}  // namespace

void write_html(const Table& table, std::ostream& out) {
  out << "<div class=\"scroll\"><table>\n<thead>";
  const auto spans = header_spans(table.header);
  const bool grouped =
      std::any_of(spans.begin(), spans.end(), [](const HeaderSpan& s) { return s.count > 1; });
  if (!grouped) {
    out << "<tr>";
    for (const auto& h : table.header)
      out << "<th>" << breakable_header(h) << "</th>";
    out << "</tr>";
  } else {
    out << "<tr>";
    for (const auto& s : spans) {
      if (s.count > 1) {
        std::string suffix = s.suffix.empty() ? "" : s.suffix.substr(1);
        out << "<th colspan=\"" << s.count << "\">" << breakable_header(s.group)
            << (suffix.empty() ? "" : " (" + breakable_header(suffix) + ")") << "</th>";
      } else {
        out << "<th rowspan=\"2\">" << breakable_header(table.header[s.first]) << "</th>";
      }
    }
    out << "</tr>\n<tr>";
    for (const auto& s : spans) {
      if (s.count == 1) continue;
      for (std::size_t i = s.first; i < s.first + s.count; ++i) {
        const auto& h = table.header[i];
        const auto leaf = h.substr(s.group.size() + 1);
        out << "<th>" << breakable_header(leaf.substr(0, leaf.size() - s.suffix.size())) << "</th>";
      }
    }
    out << "</tr>";
  }
  out << "</thead>\n<tbody>\n";
  for (const auto& row : table.rows) {
    out << "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      const auto& c = row[i];
      const auto text = readable(c);
      // A 32-digit row key shows its first 8 digits (the whole key on hover; the CSV has it).
      if (i < table.header.size() && table.header[i] == "key" && text.size() > 8) {
        out << "<td title=\"" << html_escape(text) << "\"><code>" << html_escape(text.substr(0, 8))
            << "</code></td>";
        continue;
      }
      out << (c.number ? "<td class=\"num\">" : "<td>") << html_escape(text) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table></div>\n";
}

}  // namespace erg::reports
