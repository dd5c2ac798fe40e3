#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "simulator/energy_model.hpp"
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

// The metrics row shared by the simulator-backed evaluators: accuracy, stats, energy totals,
// energy per unit (audio second or token) and the component x level breakdown, rolled up to
// the workload's components. Every energy is labeled modeled.
nlohmann::json energy_metrics(const ModelWorkload& workload, const WorkloadResult& result,
                              const simulator::EnergyReport& report);

}  // namespace erg::sweep
