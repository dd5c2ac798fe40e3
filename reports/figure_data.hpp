#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/report_inputs.hpp"

namespace erg::reports {

// The input of one figure script (scripts/plots/<name>.py), or why the figure does not apply.
struct FigureData {
  std::string name;  // script stem and output stem
  std::string title;
  nlohmann::json data;  // null when skipped
  std::string skip_reason;
};

// Every figure of the report, in report order; each one either has data or a skip reason.
std::vector<FigureData> figure_data(const ReportInputs& inputs);

FigureData energy_breakdown_data(const SweepResults& sweep);
FigureData pareto_data(const SweepResults& sweep);
FigureData sensitivity_data(const SweepResults& sweep);
FigureData llm_heatmap_data(const SweepResults& sweep);
FigureData power_timeline_data(const std::vector<ProfileRun>& profiles);

}  // namespace erg::reports
