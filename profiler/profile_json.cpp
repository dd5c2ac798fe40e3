#include "profiler/profile_json.hpp"

namespace erg::profiler {

nlohmann::json to_json(const CounterValue& v) {
  nlohmann::json out{
      {"name", v.name}, {"kind", v.hardware ? "hardware" : "software"}, {"supported", v.supported}};
  if (!v.supported) {
    out["reason"] = v.reason;
    return out;
  }
  out["counted"] = v.counted;
  out["raw"] = v.raw;
  out["value"] = v.counted ? nlohmann::json(v.scaled) : nlohmann::json(nullptr);
  out["running_fraction"] = v.counted ? nlohmann::json(v.running_fraction) : nullptr;
  if (!v.counted) out["reason"] = "not counted: the group never got onto the PMU";
  return out;
}

nlohmann::json to_json(const WindowResult& w) {
  nlohmann::json out{{"name", w.name}, {"time_s", w.time_s}};
  nlohmann::json energy{{"available", w.energy_available}};
  if (w.energy_available) {
    energy["source"] = w.energy_source;
    nlohmann::json domains = nlohmann::json::array();
    for (const auto& d : w.domains) {
      nlohmann::json dj{{"name", d.name},
                        {"in_total", d.in_total},
                        {"energy_j", d.energy_j},
                        {"power_w", d.power_w}};
      if (w.baseline_subtracted) dj["net_energy_j"] = d.net_energy_j;
      domains.push_back(dj);
    }
    energy["domains"] = domains;
    energy["total_energy_j"] = w.total_energy_j;
    energy["total_power_w"] = w.total_power_w;
    energy["baseline_subtracted"] = w.baseline_subtracted;
    energy["net_total_energy_j"] =
        w.baseline_subtracted ? nlohmann::json(w.net_total_energy_j) : nlohmann::json(nullptr);
  } else {
    energy["reason"] = w.energy_unavailable_reason;
  }
  out["energy"] = energy;
  nlohmann::json counters = nlohmann::json::array();
  for (const auto& c : w.counters)
    counters.push_back(to_json(c));
  out["counters"] = counters;
  return out;
}

nlohmann::json to_json(const IdleBaseline& b) {
  nlohmann::json power = nlohmann::json::object();
  for (std::size_t i = 0; i < b.domains.size(); ++i)
    power[b.domains[i]] = b.power_w[i];
  return {{"duration_s", b.duration_s}, {"idle_power_w", power}};
}

nlohmann::json to_json(const RepetitionReport& r) {
  nlohmann::json out{{"repetitions", r.runs.size()}, {"time_s", to_json(r.time_s)}};
  out["total_energy_j"] = r.total_energy_j ? to_json(*r.total_energy_j) : nlohmann::json(nullptr);
  out["net_total_energy_j"] =
      r.net_total_energy_j ? to_json(*r.net_total_energy_j) : nlohmann::json(nullptr);
  nlohmann::json domains = nlohmann::json::object();
  for (const auto& [name, s] : r.domain_energy_j)
    domains[name] = to_json(s);
  out["domain_energy_j"] = domains;
  nlohmann::json counters = nlohmann::json::object();
  for (const auto& [name, s] : r.counters)
    counters[name] = to_json(s);
  out["counters"] = counters;
  out["warnings"] = r.warnings;
  return out;
}

nlohmann::json to_json(const ComponentProfile& c) {
  const bool window = c.method == "window";
  return {{"name", c.name},
          {"method", c.method},
          {"method_reason", c.method_reason},
          {"invocation", c.invocation},
          {"real_invocations", c.real_invocations},
          {"busy_time_s", c.busy_time_s},
          {"mean_invocation_s", c.real_invocations > 0
                                    ? nlohmann::json(c.busy_time_s / double(c.real_invocations))
                                    : nlohmann::json(nullptr)},
          {"repetitions", window ? nlohmann::json(nullptr) : nlohmann::json(c.repetitions)},
          {"measured_invocations",
           window ? nlohmann::json(c.measured_invocations) : nlohmann::json(nullptr)},
          {"time_per_invocation_s", c.time_per_invocation_s},
          {"attributed_time_s", c.attributed_time_s},
          {"energy_per_invocation_j",
           c.energy_per_invocation_j ? nlohmann::json(*c.energy_per_invocation_j) : nullptr},
          {"attributed_energy_j",
           c.attributed_energy_j ? nlohmann::json(*c.attributed_energy_j) : nullptr},
          {"window", to_json(c.window)}};
}

}  // namespace erg::profiler
