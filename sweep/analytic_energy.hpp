#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/counting_sink.hpp"
#include "simulator/energy_model.hpp"
#include "simulator/hierarchy_stats.hpp"
#include "simulator/preset.hpp"

namespace erg::sweep {

// The presets erg ships: the stems of <data_root>/simulator/presets/*.toml, sorted.
std::vector<std::string> shipped_preset_names();

// One recorded run priced on one preset by the analytic (reuse-distance) mode: what the
// `analytic` evaluator does for every design point, and `erg run llm --json` per preset.
struct AnalyticEnergy {
  simulator::HierarchyStats stats;
  simulator::EnergyReport report;  // modeled; roofline time
};

// `sink` must have been built with record_uses = true and attached for the whole run.
AnalyticEnergy analytic_energy(const CountingSink& sink, const simulator::Preset& preset);

// The component x level breakdown in pJ: component -> {<cache level>, "scratchpad", "dram",
// "mac", "total"}, components rolled up to the first of `components` they lie under ("other"
// when none), or as the model names them when `components` is empty. Static energy is not in it.
nlohmann::json breakdown_pj(const simulator::EnergyReport& report,
                            const std::vector<std::string>& components);

// The same breakdown divided by `units` (tokens, audio seconds) in uJ, without the "total"
// entries, plus a "static" entry (per cache level, "scratchpad", and "dram" = background +
// refresh: leakage over the modeled time, which belongs to no component). Every leaf summed
// gives report.total_energy_pj / units, in uJ.
nlohmann::json energy_per_unit_by_component_uj(const simulator::EnergyReport& report,
                                               const std::vector<std::string>& components,
                                               double units);

}  // namespace erg::sweep
