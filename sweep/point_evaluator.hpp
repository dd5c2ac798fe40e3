#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "simulator/preset.hpp"
#include "sweep/evaluator.hpp"
#include "sweep/experiment_spec.hpp"
#include "sweep/model_workload.hpp"

namespace erg::sweep {

// Evaluates single design points of one spec away from the runner that chose them (a Dask
// worker): the same workload, evaluator and preset the local runner would use, so a config gives
// the row `erg sweep` would store for it. The workload is built once and shared by every call.
class PointEvaluator {
 public:
  explicit PointEvaluator(ExperimentSpec spec);

  // The store row {"key", "config", "metrics"} of `config`, which must be a config of this
  // spec's design space (same model, workload and evaluator), else erg::Error. Thread-safe.
  nlohmann::json evaluate(const nlohmann::json& config);
  const ExperimentSpec& spec() const { return spec_; }

 private:
  const simulator::Preset& preset(const std::string& name);

  ExperimentSpec spec_;
  std::unique_ptr<ModelWorkload> workload_;
  std::unique_ptr<Evaluator> evaluator_;
  std::mutex presets_mutex_;
  std::map<std::string, simulator::Preset> presets_;
};

}  // namespace erg::sweep
