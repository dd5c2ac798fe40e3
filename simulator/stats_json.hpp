#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "simulator/energy_model.hpp"
#include "simulator/hierarchy_stats.hpp"

namespace erg::simulator {

// The simulate report body: per-level counts and energy, scratchpad, DRAM, MACs, totals and the
// component x level breakdown. Every quantity's key names its unit (_count, _bytes, _pj, _s).
nlohmann::json stats_to_json(const HierarchyStats& stats, const EnergyReport& energy);

// A short human-readable table of the same.
std::string stats_to_text(const HierarchyStats& stats, const EnergyReport& energy);

}  // namespace erg::simulator
