#include "sweep/model_workload.hpp"

#include <algorithm>

#include "core/component_registry.hpp"
#include "core/error.hpp"

namespace erg::sweep {

std::unique_ptr<ModelWorkload> make_workload(const ExperimentSpec& spec) {
  if (spec.model_kind == "shape") return make_shape_workload(spec);
  if (spec.model_kind == "llm") return make_llm_workload(spec);
  if (spec.model_kind == "asr") return make_asr_workload(spec);
  throw Error("unknown model kind '" + spec.model_kind + "' (expected asr, llm or shape)",
              spec.file.string());
}

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

void check_spec_against(const ExperimentSpec& spec, const ModelWorkload& workload) {
  const auto names = workload.component_names();
  const auto check_component = [&](const std::string& key, const std::string& component) {
    const bool known = std::any_of(names.begin(), names.end(), [&](const auto& n) {
      return ComponentRegistry::is_under(n, component);
    });
    if (!known) {
      throw Error("key '" + key + "' names '" + component + "', not a component of " + spec.model +
                      " (expected one of: " + models::runtime::component_choices(names) + ")",
                  spec.where(key));
    }
  };
  for (const auto& [component, transforms] : spec.axes)
    check_component("axes." + component, component);
  for (const auto& component : spec.components)
    check_component("search.components", component);

  if (!spec.hypothesis_first.empty()) {
    const auto searched = spec.components.empty() ? workload.components() : spec.components;
    if (std::find(searched.begin(), searched.end(), spec.hypothesis_first) == searched.end()) {
      throw Error("key 'hypothesis.first' is '" + spec.hypothesis_first +
                      "', not a component the search compresses (expected one of: " +
                      joined(searched) + ")",
                  spec.where("hypothesis.first"));
    }
  }
  const std::string metric = workload.accuracy_metric();
  for (const auto& c : spec.constraints) {
    if (c.metric == metric) continue;
    const std::string key = "constraints." + c.metric + "_max";
    throw Error(metric.empty()
                    ? "key '" + key + "' constrains '" + c.metric + "', but " + spec.model +
                          " (model kind " + spec.model_kind + ") measures no accuracy metric"
                    : "key '" + key + "' constrains '" + c.metric + "', but " + spec.model +
                          " measures '" + metric + "' (expected " + metric + "_max)",
                spec.where(key));
  }
  if (!spec.energy_unit.empty() && spec.energy_unit != workload.energy_unit()) {
    throw Error("key 'metrics.energy_per' is '" + spec.energy_unit + "', but " + spec.model +
                    " reports energy per " + workload.energy_unit() + " (expected '" +
                    workload.energy_unit() + "')",
                spec.where("metrics.energy_per"));
  }
  if (spec.strategy == "sensitivity" && metric.empty()) {
    throw Error(
        "the sensitivity search needs an accuracy metric, and shape-only specs have "
        "none (use strategy = \"grid\" for them)",
        spec.file.string());
  }
}

}  // namespace erg::sweep
