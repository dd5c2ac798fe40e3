#include "sweep/evaluator.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/units.hpp"
#include "simulator/line_request.hpp"
#include "sweep/analytic_energy.hpp"

namespace erg::sweep {

std::unique_ptr<Evaluator> make_evaluator(const std::string& name) {
  if (name == "analytic") return make_analytic_evaluator();
  if (name == "trace") return make_trace_evaluator();
  if (name == "rapl") return make_rapl_evaluator();
  throw Error("unknown evaluator '" + name + "' (expected analytic, trace or rapl)");
}

double energy_units_covered(const ModelWorkload& workload, const WorkloadResult& result) {
  const std::string unit = workload.energy_unit();
  const double per = unit == "token" ? result.tokens : result.audio_seconds;
  // Energy per nothing is no number: a row of 0 uJ would look like the best design.
  if (!(per > 0) || !std::isfinite(per)) {
    throw Error("the run covered " + std::to_string(per) + " " + unit + "s, so its energy per " +
                    unit + " is undefined (expected a positive amount)",
                "workload");
  }
  return per;
}

nlohmann::json energy_metrics(const ModelWorkload& workload, const WorkloadResult& result,
                              const simulator::EnergyReport& report,
                              const simulator::HierarchyStats& stats) {
  const auto components = workload.components();
  auto bucket_of = [&](const std::string& name) -> std::string {
    for (const auto& c : components) {
      if (ComponentRegistry::is_under(name, c)) return c;
    }
    return "other";
  };
  nlohmann::json invocations = nlohmann::json::object();
  for (const auto& c : report.components) {
    const auto slot = simulator::component_slot(c.component);
    const std::uint64_t n = slot < stats.invocations.size() ? stats.invocations[slot] : 0;
    auto& v = invocations[bucket_of(c.name)];
    v = std::max(v.is_null() ? std::uint64_t{0} : v.get<std::uint64_t>(), n);
  }
  const std::string unit = workload.energy_unit();
  const double per = energy_units_covered(workload, result);
  nlohmann::json m{
      {"energy_source", "modeled"},
      {"energy_pj", report.total_energy_pj},
      {"dynamic_energy_pj", report.dynamic_energy_pj},
      {"static_energy_pj", report.static_energy_pj},
      {"modeled_time_s", report.time_s},
      {"energy_unit", unit},
      {"energy_per_unit_uj", units::pj_to_uj(report.total_energy_pj) / per},
      {"breakdown_pj", breakdown_pj(report, components)},
      {"energy_per_unit_by_component_uj", energy_per_unit_by_component_uj(report, components, per)},
      {"invocations_by_component", invocations},
      {"accuracy", result.accuracy},
      {"stats", result.stats},
      {"audio_seconds", result.audio_seconds},
      {"tokens", result.tokens},
      {"host_time_s", result.host_time_s}};
  if (result.audio_seconds > 0) m["rtf"] = result.host_time_s / result.audio_seconds;
  for (const auto& [k, v] : result.detail.items())
    m[k] = v;
  return m;
}

}  // namespace erg::sweep
