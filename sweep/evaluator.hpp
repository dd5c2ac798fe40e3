#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "simulator/energy_model.hpp"
#include "simulator/hierarchy_stats.hpp"
#include "simulator/preset.hpp"
#include "sweep/model_workload.hpp"

namespace erg::sweep {

// Turns one (variant, runtime knobs, preset) into metrics: accuracy from the workload, energy
// from the simulator (modeled) or from RAPL (measured). One implementation per file, chosen by
// name: analytic, trace, rapl.
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  virtual std::string name() const = 0;
  virtual nlohmann::json evaluate(const ModelWorkload& workload,
                                  const models::runtime::Variant& variant,
                                  const nlohmann::json& runtime,
                                  const simulator::Preset& preset) = 0;
};

std::unique_ptr<Evaluator> make_evaluator(const std::string& name);
std::unique_ptr<Evaluator> make_analytic_evaluator();
std::unique_ptr<Evaluator> make_trace_evaluator();
std::unique_ptr<Evaluator> make_rapl_evaluator();

// What energy is normalized by: the run's audio seconds or tokens (per the workload's unit).
// Throws erg::Error when the run covered none, so no row reads 0 uJ per unit.
double energy_units_covered(const ModelWorkload& workload, const WorkloadResult& result);

// The metrics row shared by the simulator-backed evaluators: accuracy, stats, energy totals,
// energy per unit (audio second or token), the component x level breakdown and the invocations
// of each component, both rolled up to the workload's components, and the workload's detail.
// Every energy is labeled modeled. A rolled-up component's invocations are those of its most
// called part: calls nest (asr.encoder around asr.encoder.layer.3), so a sum would count one
// call several times.
nlohmann::json energy_metrics(const ModelWorkload& workload, const WorkloadResult& result,
                              const simulator::EnergyReport& report,
                              const simulator::HierarchyStats& stats);

}  // namespace erg::sweep
