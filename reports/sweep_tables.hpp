#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/report_inputs.hpp"
#include "reports/table.hpp"

namespace erg::reports {

// Memory levels and MAC, in hierarchy order, that carry energy in any row's breakdown.
std::vector<std::string> breakdown_levels(const SweepResults& sweep);

// One row per variant: energy per unit by component and level (uJ per energy unit), static
// energy, total, the accuracy metric, RTF or tokens per second, acceptance rate.
Table variant_table(const SweepResults& sweep);
// One row per preset: baseline, best, uniform best, savings, order, pinned.
Table preset_table(const SweepResults& sweep);
// Short sentences generated from the summary's numbers.
std::vector<std::string> design_principles(const SweepResults& sweep);
// Static energy (leakage, DRAM background and refresh: power x modeled time) as a fraction of a
// row's energy, when the row records both.
std::optional<double> static_share(const nlohmann::json& row);
// One note per preset where static energy is more than half of some results: how many, their
// share, and the baseline's and best design's share where the summary names them.
std::vector<std::string> static_energy_notes(const SweepResults& sweep);

// One row per model x preset x component from the summary's per-component figures: shares of
// parameters, invocations and modeled energy, the sensitivity with its 95 % interval, and what
// each compression step saved and cost. No rows for summaries written before erg recorded them.
Table component_table(const SweepResults& sweep);
// Per preset: whether the compression order is statistically supported, and the verdict on the
// spec's [hypothesis] with the numbers behind it (including its energy premise).
std::vector<std::string> hypothesis_findings(const SweepResults& sweep);

// Components as the tables and figures show them: every name, or, when a model has more than
// kMaxShownComponents, each rolled up to its first two dotted parts (llm.layer.5 -> llm.layer).
inline constexpr std::size_t kMaxShownComponents = 8;
std::map<std::string, std::string> shown_components(const SweepResults& sweep);

// Header names (units in them) shared by the tables and the tests.
std::string level_column(const std::string& component, const std::string& level,
                         const std::string& energy_unit);
std::string metric_column(const std::string& metric);  // "wer_percent", "perplexity"

}  // namespace erg::reports
