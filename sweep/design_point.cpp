#include "sweep/design_point.hpp"

namespace erg::sweep {

std::string DesignPoint::variant() const {
  std::map<std::string, std::string> rules;
  for (const auto& [component, transform] : transforms) {
    if (!transform.empty()) rules[component] = transform;
  }
  for (const auto& component : pinned) {
    auto& rule = rules[component];
    rule += rule.empty() ? "pin" : ",pin";
  }
  std::string out;
  for (const auto& [component, rule] : rules) {
    if (!out.empty()) out += ";";
    out += component + ":" + rule;
  }
  return out;
}

nlohmann::json DesignPoint::config(const ExperimentSpec& spec) const {
  return {{"model", spec.model},       {"model_kind", spec.model_kind},
          {"workload", spec.workload}, {"evaluator", spec.evaluator},
          {"preset", preset},          {"variant", variant()},
          {"runtime", runtime}};
}

}  // namespace erg::sweep
