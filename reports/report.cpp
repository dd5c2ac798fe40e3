#include "reports/report.hpp"

#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "core/error.hpp"
#include "core/version.hpp"
#include "reports/base64.hpp"
#include "reports/figure_data.hpp"
#include "reports/sweep_tables.hpp"
#include "reports/table.hpp"

namespace erg::reports {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const fs::path& path, const std::string& text, ReportOutcome& outcome) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw Error("cannot write the report file", path.string());
  outcome.files.push_back(path);
}

// What one profile run measured, or why it could not.
Table profile_table(const std::vector<ProfileRun>& profiles) {
  Table t;
  t.name = "profiles";
  t.title = "Profiled runs";
  t.header = {"profile_dir", "energy",       "time_s",       "samples",
              "domain",      "mean_power_w", "peak_power_w", "energy_j"};
  for (const auto& p : profiles) {
    std::optional<double> time_s;
    if (p.profile && (*p.profile)["runs"].is_array() && !(*p.profile)["runs"].empty()) {
      const auto& r = (*p.profile)["runs"][0];
      if (r.contains("time_s") && r["time_s"].is_number()) time_s = r["time_s"].get<double>();
    }
    if (!p.energy_available) {
      t.rows.push_back(
          {Cell::of(p.dir.string()), Cell::of("unavailable (" + p.energy_unavailable_reason + ")"),
           time_s ? Cell::of(*time_s) : Cell{}, Cell::of(0.0), Cell{}, Cell{}, Cell{}, Cell{}});
      continue;
    }
    const double span_s = p.time_s.back() - (p.time_s.size() > 1 ? p.time_s.front() : 0.0);
    for (std::size_t d = 0; d < p.domains.size(); ++d) {
      const auto& w = p.power_w[d];
      const double mean = std::accumulate(w.begin(), w.end(), 0.0) / static_cast<double>(w.size());
      const double peak = *std::max_element(w.begin(), w.end());
      // Each sample is the average power over the interval ending at its time stamp.
      double energy = 0;
      for (std::size_t i = 0; i < w.size(); ++i)
        energy += w[i] * (p.time_s[i] - (i ? p.time_s[i - 1] : 0.0));
      t.rows.push_back({Cell::of(p.dir.string()), Cell::of("measured"),
                        time_s ? Cell::of(*time_s) : Cell::of(span_s),
                        Cell::of(static_cast<double>(w.size())), Cell::of(p.domains[d]),
                        Cell::of(mean), Cell::of(peak), Cell::of(energy)});
    }
  }
  return t;
}

json table_json(const Table& t) {
  json rows = json::array();
  for (const auto& r : t.rows) {
    json o = json::object();
    for (std::size_t i = 0; i < r.size() && i < t.header.size(); ++i) {
      o[t.header[i]] =
          r[i].number ? json(*r[i].number) : (r[i].text.empty() ? json(nullptr) : json(r[i].text));
    }
    rows.push_back(o);
  }
  return rows;
}

constexpr const char* kStyle =
    R"(body{font-family:sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.7em}th,td{border:1px solid #ccc;padding:.1em .15em;overflow-wrap:anywhere;vertical-align:top}
th{background:#f0f0f0;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.scroll{overflow-x:auto}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}.note{background:#fff6e0;border-left:4px solid #e0a000;padding:.5em 1em})";

constexpr const char* kNoFindings =
    "This summary carries no per-component sensitivities or [hypothesis] verdicts (written by an "
    "older erg, or a spec without a [hypothesis]); rerun the sweep to get them.";

}  // namespace

std::set<std::string> parse_formats(const std::string& text) {
  std::set<std::string> out;
  std::stringstream s(text);
  std::string f;
  while (std::getline(s, f, ',')) {
    if (f != "md" && f != "html" && f != "csv" && f != "json") {
      throw Error("unknown format '" + f + "' (expected md, html, csv or json)", "--format");
    }
    out.insert(f);
  }
  if (out.empty()) throw Error("no format given (expected md, html, csv or json)", "--format");
  return out;
}

ReportOutcome write_report(const ReportInputs& inputs, const fs::path& out_dir,
                           const ReportOptions& options) {
  ReportOutcome outcome;
  std::error_code ec;
  fs::create_directories(out_dir / "figures", ec);
  if (!ec) fs::create_directories(out_dir / "figure_data", ec);
  if (!ec) fs::create_directories(out_dir / "tables", ec);
  if (ec) throw Error("cannot create the output directory: " + ec.message(), out_dir.string());

  // Tables.
  std::vector<Table> tables;
  std::vector<std::string> principles;
  std::vector<std::string> static_notes;  // where static energy is more than half of a result
  std::vector<std::string> findings;      // compression order and hypothesis verdicts
  std::optional<Table> components;
  if (inputs.sweep) {
    tables.push_back(variant_table(*inputs.sweep));
    tables.push_back(preset_table(*inputs.sweep));
    principles = design_principles(*inputs.sweep);
    static_notes = static_energy_notes(*inputs.sweep);
    Table pt{"principles", "Design principles", {"principle"}, {}};
    for (const auto& p : principles)
      pt.rows.push_back({Cell::of(p)});
    tables.push_back(std::move(pt));
    findings = hypothesis_findings(*inputs.sweep);
    auto ct = component_table(*inputs.sweep);
    if (!ct.rows.empty()) components = ct;
  }
  if (!inputs.profiles.empty()) tables.push_back(profile_table(inputs.profiles));
  if (options.formats.count("csv")) {
    // Shown in their own section of the report, so kept out of `tables`.
    Table ht{"hypotheses", "Compression order and hypotheses", {"finding"}, {}};
    for (const auto& f : findings)
      ht.rows.push_back({Cell::of(f)});
    for (const auto* t : {components ? &*components : nullptr, findings.empty() ? nullptr : &ht}) {
      if (t == nullptr) continue;
      std::ostringstream s;
      write_csv(*t, s);
      write_text(out_dir / "tables" / (t->name + ".csv"), s.str(), outcome);
    }
    for (const auto& t : tables) {
      std::ostringstream s;
      write_csv(t, s);
      write_text(out_dir / "tables" / (t.name + ".csv"), s.str(), outcome);
    }
  }

  // Figures.
  const auto runner = options.plots ? *options.plots : PlotRunner::from_environment();
  const auto figures = figure_data(inputs);
  bool any_to_draw = false;
  for (const auto& f : figures)
    any_to_draw |= !f.data.is_null();
  if (any_to_draw) {
    if (auto why = runner.unavailable_reason()) outcome.figures_unavailable_reason = *why;
  }
  for (const auto& f : figures) {
    FigureOutcome fo{f.name, f.title, {}, {}, f.skip_reason};
    if (!f.data.is_null()) {
      const auto input = out_dir / "figure_data" / (f.name + ".json");
      write_text(input, f.data.dump(1) + "\n", outcome);
      if (!outcome.figures_unavailable_reason.empty()) {
        fo.missing_reason = "figures unavailable: " + outcome.figures_unavailable_reason;
      } else {
        const auto stem = out_dir / "figures" / f.name;
        if (auto err = runner.plot(f.name, input, stem)) {
          fo.missing_reason = "the plot script failed: " + *err;
        } else {
          fo.png = stem.string() + ".png";
          fo.svg = stem.string() + ".svg";
          outcome.files.push_back(fo.png);
          outcome.files.push_back(fo.svg);
        }
      }
    }
    outcome.figures.push_back(std::move(fo));
  }

  // Summary JSON.
  json summary{{"erg_version", std::string(kVersion)}, {"kind", "report"}};
  json sources{{"sweep", inputs.sweep ? json(inputs.sweep->dir.string()) : json(nullptr)}};
  sources["profiles"] = json::array();
  for (const auto& p : inputs.profiles)
    sources["profiles"].push_back(p.dir.string());
  summary["sources"] = sources;
  if (inputs.sweep) {
    const auto& s = inputs.sweep->summary;
    summary["sweep"] = {{"name", s.value("name", "")},
                        {"model", s.value("model", "")},
                        {"strategy", s.value("strategy", "")},
                        {"energy_source", s.value("energy_source", "")},
                        {"energy_unit", inputs.sweep->energy_unit()},
                        {"accuracy_metric", inputs.sweep->metric()},
                        {"variants", inputs.sweep->rows.size()}};
    summary["presets"] = table_json(tables[1]);
    summary["principles"] = principles;
    summary["static_energy_notes"] = static_notes;
    summary["hypothesis_findings"] = findings;
    summary["components"] = components ? table_json(*components) : json::array();
    json hypotheses = json::array();
    for (const auto& p : s["per_preset"]) {
      if (!p.contains("principle") && !p.contains("compression_order")) continue;
      json h{{"model", s.value("model", "")}, {"preset", p.value("preset", "")}};
      for (const char* key :
           {"compression_order", "order_is_significant", "order_pairs", "principle", "uncertainty"})
        if (p.contains(key)) h[key] = p[key];
      hypotheses.push_back(h);
    }
    summary["hypotheses"] = hypotheses;
  }
  if (!inputs.profiles.empty()) {
    json profiles = json::array();
    for (const auto& p : inputs.profiles) {
      json o{{"dir", p.dir.string()}, {"energy_available", p.energy_available}};
      o["energy_unavailable_reason"] =
          p.energy_available ? json(nullptr) : json(p.energy_unavailable_reason);
      o["samples"] = p.time_s.size();
      o["domains"] = p.domains;
      profiles.push_back(o);
    }
    summary["profiles"] = profiles;
    summary["profile_table"] = table_json(tables.back());
  }
  json figs = json::array();
  for (const auto& f : outcome.figures) {
    json o{{"name", f.name}, {"title", f.title}};
    o["png"] = f.png.empty() ? json(nullptr) : json(f.png.filename().string());
    o["svg"] = f.svg.empty() ? json(nullptr) : json(f.svg.filename().string());
    o["missing_reason"] = f.missing_reason.empty() ? json(nullptr) : json(f.missing_reason);
    figs.push_back(o);
  }
  summary["figures"] = figs;
  summary["figures_unavailable_reason"] = outcome.figures_unavailable_reason.empty()
                                              ? json(nullptr)
                                              : json(outcome.figures_unavailable_reason);
  outcome.summary = summary;
  if (options.formats.count("json"))
    write_text(out_dir / "report.json", summary.dump(2) + "\n", outcome);

  const std::string title =
      inputs.sweep ? "erg report: " + inputs.sweep->summary.value("name", std::string("sweep"))
                   : std::string("erg report: profile runs");
  std::string subtitle;
  if (inputs.sweep) {
    const auto& s = inputs.sweep->summary;
    subtitle = s.value("strategy", "") + " sweep over " + s.value("model", "") + ", " +
               std::to_string(inputs.sweep->rows.size()) + " variants, " +
               s.value("energy_source", "") + " energy in uJ per " + inputs.sweep->energy_unit() +
               " (" + s.value("evaluator", "") + " evaluator)";
  }

  // Markdown: figures are linked files beside it.
  if (options.formats.count("md")) {
    std::ostringstream md;
    md << "# " << title << "\n\n";
    if (!subtitle.empty()) md << subtitle << "\n\n";
    if (!outcome.figures_unavailable_reason.empty()) {
      md << "> **Figures missing:** " << outcome.figures_unavailable_reason
         << ". The tables below are complete.\n\n";
    }
    for (const auto& p : inputs.profiles)
      if (!p.energy_available)
        md << "> **" << p.dir.string() << ": energy unavailable (" << p.energy_unavailable_reason
           << ").**\n\n";
    for (const auto& n : static_notes)
      md << "> **Static energy:** " << n << "\n\n";
    if (!principles.empty()) {
      md << "## Design principles\n\n";
      for (const auto& p : principles)
        md << "- " << p << "\n";
      md << "\n";
    }
    if (inputs.sweep) {
      md << "## Compression order and hypotheses\n\n";
      if (findings.empty()) md << "- " << kNoFindings << "\n";
      for (const auto& f : findings)
        md << "- " << f << "\n";
      md << "\n";
      if (components) {
        md << "### " << components->title << "\n\n";
        write_markdown(*components, md);
        md << "\n";
      }
    }
    md << "## Figures\n\n";
    for (const auto& f : outcome.figures) {
      md << "### " << f.title << "\n\n";
      if (!f.png.empty()) {
        md << "![" << f.title << "](figures/" << f.png.filename().string() << ")\n\n"
           << "[SVG](figures/" << f.svg.filename().string() << ")\n\n";
      } else {
        md << "_Not drawn: " << f.missing_reason << "_\n\n";
      }
    }
    for (const auto& t : tables) {
      md << "## " << t.title << "\n\n";
      write_markdown(t, md);
      md << "\n";
    }
    write_text(out_dir / "report.md", md.str(), outcome);
  }

  // HTML: self-contained, figures embedded as data: URIs.
  if (options.formats.count("html")) {
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
      << html_escape(title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
    h << "<h1>" << html_escape(title) << "</h1>\n";
    if (!subtitle.empty()) h << "<p>" << html_escape(subtitle) << "</p>\n";
    if (!outcome.figures_unavailable_reason.empty()) {
      h << "<p class=\"note\"><strong>Figures missing:</strong> "
        << html_escape(outcome.figures_unavailable_reason)
        << ". The tables below are complete.</p>\n";
    }
    for (const auto& p : inputs.profiles)
      if (!p.energy_available)
        h << "<p class=\"note\">" << html_escape(p.dir.string()) << ": energy unavailable ("
          << html_escape(p.energy_unavailable_reason) << ")</p>\n";
    for (const auto& n : static_notes)
      h << "<p class=\"note\"><strong>Static energy:</strong> " << html_escape(n) << "</p>\n";
    if (!principles.empty()) {
      h << "<h2>Design principles</h2>\n<ul>\n";
      for (const auto& p : principles)
        h << "<li>" << html_escape(p) << "</li>\n";
      h << "</ul>\n";
    }
    if (inputs.sweep) {
      h << "<h2>Compression order and hypotheses</h2>\n<ul>\n";
      if (findings.empty()) h << "<li>" << html_escape(kNoFindings) << "</li>\n";
      for (const auto& f : findings)
        h << "<li>" << html_escape(f) << "</li>\n";
      h << "</ul>\n";
      if (components) {
        h << "<h3>" << html_escape(components->title) << "</h3>\n";
        write_html(*components, h);
      }
    }
    h << "<h2>Figures</h2>\n";
    for (const auto& f : outcome.figures) {
      h << "<figure>\n";
      if (!f.png.empty()) {
        h << "<img alt=\"" << html_escape(f.title) << "\" src=\"data:image/png;base64,"
          << base64_encode(read_bytes(f.png)) << "\">\n";
      } else {
        h << "<p class=\"note\">Not drawn: " << html_escape(f.missing_reason) << "</p>\n";
      }
      h << "<figcaption>" << html_escape(f.title) << "</figcaption>\n</figure>\n";
    }
    for (const auto& t : tables) {
      h << "<h2>" << html_escape(t.title) << "</h2>\n";
      write_html(t, h);
    }
    h << "<p>Written by erg " << kVersion << ".</p>\n</body>\n</html>\n";
    write_text(out_dir / "report.html", h.str(), outcome);
  }
  return outcome;
}

}  // namespace erg::reports
