#include <map>
#include <mutex>

#include "core/counting_sink.hpp"
#include "sweep/analytic_energy.hpp"
#include "sweep/evaluator.hpp"

namespace erg::sweep {
namespace {

// Runs the workload once per (variant, runtime knobs) with a use-recording CountingSink, then
// prices that tensor-level use sequence on each preset with the reuse-distance model. The
// engine run is the slow part, so its result is kept for the other presets.
class AnalyticEvaluator final : public Evaluator {
 public:
  std::string name() const override { return "analytic"; }

  nlohmann::json evaluate(const ModelWorkload& workload, const models::runtime::Variant& variant,
                          const nlohmann::json& runtime, const simulator::Preset& preset) override {
    const auto run = recorded(workload, variant, runtime);
    const auto priced = analytic_energy(*run->sink, preset);
    return energy_metrics(workload, run->result, priced.report, priced.stats);
  }

 private:
  struct Recorded {
    std::unique_ptr<CountingSink> sink;
    WorkloadResult result;
  };

  std::shared_ptr<const Recorded> recorded(const ModelWorkload& workload,
                                           const models::runtime::Variant& variant,
                                           const nlohmann::json& runtime) {
    const std::string key = variant.to_string() + "|" + runtime.dump();
    {
      std::lock_guard lock(mutex_);
      if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    }
    auto rec = std::make_shared<Recorded>();
    rec->sink = std::make_unique<CountingSink>(true);
    rec->result = workload.run(variant, runtime, rec->sink.get());
    std::lock_guard lock(mutex_);
    if (cache_.size() >= kMaxCached) cache_.clear();  // bounded: recordings can be large
    cache_.emplace(key, rec);
    return rec;
  }

  static constexpr std::size_t kMaxCached = 64;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const Recorded>> cache_;
};

}  // namespace

std::unique_ptr<Evaluator> make_analytic_evaluator() {
  return std::make_unique<AnalyticEvaluator>();
}

}  // namespace erg::sweep
