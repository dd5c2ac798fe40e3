#include "sweep/model_profile.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "profiler/open_monitor.hpp"
#include "profiler/profile_json.hpp"

namespace erg::sweep {

std::string variant_label(const models::runtime::Variant& v) {
  return v.empty() ? "fp32" : v.to_string();
}

ModelProfile profile_model(const ModelProfileRequest& request) {
  if (request.target != "asr" && request.target != "llm")
    throw UsageError("unknown model kind '" + request.target + "' (asr or llm)", "target");
  if (request.model.empty()) throw UsageError("no model given", "model");
  ModelProfile profile;
  profile.target = request.target;
  profile.thresholds = request.thresholds;
  auto monitor =
      profiler::open_monitor(request.source, request.source_explicit, &profile.counters_reason);
  if (request.require_energy) profiler::require_energy(*monitor);
  if (request.target == "asr")
    profile_asr(request, *monitor, profile);
  else
    profile_llm(request, *monitor, profile);
  profile.notes.push_back(
      "the real run carries the timing hook: the engines send it their memory and compute events, "
      "which it ignores (one call per tensor access)");
  const bool any_window = std::any_of(profile.components.begin(), profile.components.end(),
                                      [](const auto& c) { return c.method == "window"; });
  if (any_window && monitor->source() == nullptr)
    profile.notes.push_back(
        "with no energy source there was no second run: window components report the real "
        "run's busy time alone");
  return profile;
}

nlohmann::json to_json(const ModelProfile& p) {
  nlohmann::json components = nlohmann::json::array();
  for (const auto& c : p.components)
    components.push_back(profiler::to_json(c));
  nlohmann::json run = profiler::to_json(p.run);
  run["details"] = p.run_details;
  run["workload"] = p.workload;
  const double attributed_j = profiler::attributed_energy_sum_j(p.components);
  nlohmann::json attribution{{"attributed_time_s", profiler::attributed_time_sum_s(p.components)},
                             {"run_time_s", p.run.time_s}};
  if (p.run.energy_available) {
    attribution["attributed_energy_j"] = attributed_j;
    attribution["run_energy_j"] = p.run.total_energy_j;
    attribution["attributed_fraction"] =
        p.run.total_energy_j > 0 ? attributed_j / p.run.total_energy_j : 0.0;
  } else {
    attribution["attributed_energy_j"] = nullptr;
    attribution["reason"] = p.run.energy_unavailable_reason;
  }
  nlohmann::json out{{"target", p.target},
                     {"model", p.model},
                     {"variant", p.variant},
                     {"min_window_s", p.thresholds.min_window_s},
                     {"min_invocation_s", p.thresholds.min_invocation_s},
                     {"run", run},
                     {"components", components},
                     {"attribution", attribution},
                     {"notes", p.notes}};
  out["counters_reason"] =
      p.counters_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.counters_reason);
  return out;
}

}  // namespace erg::sweep
