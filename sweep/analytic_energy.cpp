#include "sweep/analytic_energy.hpp"

#include <algorithm>
#include <filesystem>

#include "core/component_registry.hpp"
#include "core/paths.hpp"
#include "core/units.hpp"
#include "simulator/analytic_model.hpp"

namespace erg::sweep {

std::vector<std::string> shipped_preset_names() {
  std::vector<std::string> names;
  const auto dir = data_root() / "simulator" / "presets";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".toml")
      names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

AnalyticEnergy analytic_energy(const CountingSink& sink, const simulator::Preset& preset) {
  AnalyticEnergy out;
  out.stats = simulator::simulate_analytic(preset.hierarchy, sink);
  out.report = simulator::compute_energy(preset.energy, out.stats);
  return out;
}

nlohmann::json breakdown_pj(const simulator::EnergyReport& report,
                            const std::vector<std::string>& components) {
  auto bucket_of = [&](const std::string& name) -> std::string {
    if (components.empty()) return name;
    for (const auto& c : components) {
      if (ComponentRegistry::is_under(name, c)) return c;
    }
    return "other";
  };
  nlohmann::json breakdown = nlohmann::json::object();
  for (const auto& c : report.components) {
    auto& row = breakdown[bucket_of(c.name)];
    if (row.is_null()) row = nlohmann::json::object();
    for (std::size_t l = 0; l < c.level_energy_pj.size() && l < report.levels.size(); ++l) {
      row[report.levels[l].name] = row.value(report.levels[l].name, 0.0) + c.level_energy_pj[l];
    }
    row["scratchpad"] = row.value("scratchpad", 0.0) + c.scratchpad_energy_pj;
    row["dram"] = row.value("dram", 0.0) + c.dram_energy_pj;
    row["mac"] = row.value("mac", 0.0) + c.mac_energy_pj;
    row["total"] = row.value("total", 0.0) + c.total_energy_pj;
  }
  return breakdown;
}

nlohmann::json energy_per_unit_by_component_uj(const simulator::EnergyReport& report,
                                               const std::vector<std::string>& components,
                                               double units) {
  const auto per_unit_uj = [&](double pj) { return units::pj_to_uj(pj) / units; };
  nlohmann::json out = nlohmann::json::object();
  const auto breakdown = breakdown_pj(report, components);
  for (const auto& [component, levels] : breakdown.items()) {
    auto& row = out[component] = nlohmann::json::object();
    for (const auto& [level, pj] : levels.items()) {
      if (level != "total") row[level] = per_unit_uj(pj.get<double>());
    }
  }
  nlohmann::json leak = nlohmann::json::object();
  for (const auto& l : report.levels)
    leak[l.name] = per_unit_uj(l.static_energy_pj);
  leak["scratchpad"] = per_unit_uj(report.scratchpad.static_energy_pj);
  leak["dram"] = per_unit_uj(report.dram.static_energy_pj());
  out["static"] = leak;
  return out;
}

}  // namespace erg::sweep
