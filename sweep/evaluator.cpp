#include "sweep/evaluator.hpp"

#include "core/error.hpp"
#include "core/units.hpp"

namespace erg::sweep {

std::unique_ptr<Evaluator> make_evaluator(const std::string& name) {
  if (name == "analytic") return make_analytic_evaluator();
  if (name == "trace") return make_trace_evaluator();
  if (name == "rapl") return make_rapl_evaluator();
  throw Error("unknown evaluator '" + name + "' (expected analytic, trace or rapl)");
}

nlohmann::json energy_metrics(const ModelWorkload& workload, const WorkloadResult& result,
                              const simulator::EnergyReport& report) {
  const auto components = workload.components();
  nlohmann::json breakdown = nlohmann::json::object();
  auto bucket_of = [&](const std::string& name) -> std::string {
    for (const auto& c : components) {
      if (ComponentRegistry::is_under(name, c)) return c;
    }
    return "other";
  };
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
  const std::string unit = workload.energy_unit();
  const double per = unit == "token" ? result.tokens : result.audio_seconds;
  nlohmann::json m{
      {"energy_source", "modeled"},
      {"energy_pj", report.total_energy_pj},
      {"dynamic_energy_pj", report.dynamic_energy_pj},
      {"static_energy_pj", report.static_energy_pj},
      {"modeled_time_s", report.time_s},
      {"energy_unit", unit},
      {"energy_per_unit_uj", per > 0 ? units::pj_to_uj(report.total_energy_pj) / per : 0.0},
      {"breakdown_pj", breakdown},
      {"accuracy", result.accuracy},
      {"stats", result.stats},
      {"audio_seconds", result.audio_seconds},
      {"tokens", result.tokens},
      {"host_time_s", result.host_time_s}};
  if (result.audio_seconds > 0) m["rtf"] = result.host_time_s / result.audio_seconds;
  return m;
}

}  // namespace erg::sweep
