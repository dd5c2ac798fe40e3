#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/plot_runner.hpp"
#include "reports/report_inputs.hpp"

namespace erg::reports {

struct ReportOptions {
  std::set<std::string> formats{"md", "html", "csv", "json"};
  std::optional<PlotRunner> plots;  // nullopt: PlotRunner::from_environment()
};

struct FigureOutcome {
  std::string name;
  std::string title;
  std::filesystem::path png, svg;  // empty when not drawn
  std::string missing_reason;      // why it was not drawn
};

struct ReportOutcome {
  std::vector<std::filesystem::path> files;  // everything written
  std::vector<FigureOutcome> figures;
  std::string figures_unavailable_reason;  // set when no figure could be drawn at all
  nlohmann::json summary;                  // what report.json holds
};

// Parses "md,html,csv,json" (any subset); throws erg::Error naming a bad entry.
std::set<std::string> parse_formats(const std::string& text);

// Writes the report of `inputs` into `out_dir`: report.md, report.html (self-contained),
// tables/*.csv, report.json, figures/*.png and *.svg (with their inputs in figure_data/).
ReportOutcome write_report(const ReportInputs& inputs, const std::filesystem::path& out_dir,
                           const ReportOptions& options = {});

}  // namespace erg::reports
