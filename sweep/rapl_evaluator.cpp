#include "core/error.hpp"
#include "profiler/measurement_window.hpp"
#include "profiler/open_monitor.hpp"
#include "sweep/evaluator.hpp"

namespace erg::sweep {
namespace {

// Measures the workload on this machine's RAPL counters. The preset plays no part: the energy
// is what the hardware reports, labeled measured. On a machine without RAPL it fails with the
// reason instead of inventing a number.
class RaplEvaluator final : public Evaluator {
 public:
  std::string name() const override { return "rapl"; }

  nlohmann::json evaluate(const ModelWorkload& workload, const models::runtime::Variant& variant,
                          const nlohmann::json& runtime, const simulator::Preset&) override {
    // The monitor `erg profile asr|llm` and erg.profile_model open (sweep/model_profile.hpp): a
    // source that exists but cannot be read throws its fix, none at all throws "energy
    // unavailable: <why>".
    const auto monitor = profiler::open_monitor({}, true);
    profiler::require_energy(*monitor);
    monitor->begin_window("workload");
    const auto result = workload.run(variant, runtime, nullptr);
    const auto window = monitor->end_window("workload");
    if (!window.energy_available) {
      throw UnavailableError("energy unavailable: " + window.energy_unavailable_reason);
    }
    const double per = energy_units_covered(workload, result);
    nlohmann::json domains = nlohmann::json::object();
    for (const auto& d : window.domains)
      domains[d.name] = d.energy_j;
    nlohmann::json m{{"energy_source", "measured (" + window.energy_source + ")"},
                     {"energy_pj", window.total_energy_j * 1e12},
                     {"energy_unit", workload.energy_unit()},
                     {"energy_per_unit_uj", window.total_energy_j * 1e6 / per},
                     {"domains_energy_j", domains},
                     {"time_s", window.time_s},
                     {"accuracy", result.accuracy},
                     {"stats", result.stats},
                     {"audio_seconds", result.audio_seconds},
                     {"tokens", result.tokens},
                     {"host_time_s", result.host_time_s}};
    for (const auto& [k, v] : result.detail.items())
      m[k] = v;
    return m;
  }
};

}  // namespace

std::unique_ptr<Evaluator> make_rapl_evaluator() {
  return std::make_unique<RaplEvaluator>();
}

}  // namespace erg::sweep
