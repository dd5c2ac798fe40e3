#include "simulator/hierarchy.hpp"
#include "sweep/evaluator.hpp"

namespace erg::sweep {
namespace {

// Streams the workload's events line by line through the preset's cache hierarchy: exact, and
// slower than the analytic mode.
class TraceEvaluator final : public Evaluator {
 public:
  std::string name() const override { return "trace"; }

  nlohmann::json evaluate(const ModelWorkload& workload, const models::runtime::Variant& variant,
                          const nlohmann::json& runtime, const simulator::Preset& preset) override {
    simulator::Hierarchy hierarchy(preset.hierarchy);
    const auto result = workload.run(variant, runtime, &hierarchy);
    const auto stats = hierarchy.stats();
    const auto report = simulator::compute_energy(preset.energy, stats);
    return energy_metrics(workload, result, report, stats);
  }
};

}  // namespace

std::unique_ptr<Evaluator> make_trace_evaluator() {
  return std::make_unique<TraceEvaluator>();
}

}  // namespace erg::sweep
