#include "sweep/point_evaluator.hpp"

#include "core/error.hpp"
#include "models/runtime/variant.hpp"
#include "sweep/config_hash.hpp"

namespace erg::sweep {

PointEvaluator::PointEvaluator(ExperimentSpec spec)
    : spec_(std::move(spec)),
      workload_(make_workload(spec_)),
      evaluator_(make_evaluator(spec_.evaluator)) {}

const simulator::Preset& PointEvaluator::preset(const std::string& name) {
  std::lock_guard lock(presets_mutex_);
  auto it = presets_.find(name);
  if (it == presets_.end()) it = presets_.emplace(name, simulator::load_named_preset(name)).first;
  return it->second;
}

nlohmann::json PointEvaluator::evaluate(const nlohmann::json& config) {
  // A config of another spec would be evaluated against this spec's workload and stored under a
  // key that claims otherwise.
  const nlohmann::json own{{"model", spec_.model},
                           {"model_kind", spec_.model_kind},
                           {"workload", spec_.workload},
                           {"evaluator", spec_.evaluator}};
  for (const auto& [field, value] : own.items()) {
    if (!config.is_object() || !config.contains(field) || config[field] != value) {
      throw Error(
          "the design point's config." + field + " is not the spec's (" + value.dump() + ")",
          spec_.file.string());
    }
  }
  for (const char* field : {"variant", "preset"}) {
    if (!config.contains(field) || !config[field].is_string())
      throw Error(std::string("the design point's config needs a string '") + field + "'",
                  spec_.file.string());
  }
  if (!config.contains("runtime") || !config["runtime"].is_object())
    throw Error("the design point's config needs a 'runtime' object", spec_.file.string());
  const auto variant = models::runtime::Variant::parse(config["variant"].get<std::string>());
  // The row the local runner (run_jobs) appends for this config.
  return {{"key", config_key(config)},
          {"config", config},
          {"metrics", evaluator_->evaluate(*workload_, variant, config["runtime"],
                                           preset(config["preset"].get<std::string>()))}};
}

}  // namespace erg::sweep
