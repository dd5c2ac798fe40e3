#include "profiler/component_attribution.hpp"

#include <cstdio>
#include <utility>

#include "core/component_registry.hpp"
#include "core/error.hpp"

namespace erg::profiler {

std::string ms_text(double seconds) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3g", seconds * 1e3);
  return std::string(buf) + " ms";
}

ComponentProfile plan_component(const ComponentBusyTracker& real,
                                const AttributionThresholds& thresholds, std::string name,
                                std::uint64_t engine_invocations) {
  ComponentProfile c;
  c.name = std::move(name);
  const auto busy = real.result(ComponentRegistry::global().intern(c.name));
  // The hook and the engine's own counter see the same calls; a difference is an engine bug.
  if (busy.invocations != engine_invocations)
    throw Error("the timing hook saw " + std::to_string(busy.invocations) +
                    " invocations but the engine counted " + std::to_string(engine_invocations),
                c.name);
  c.real_invocations = engine_invocations;
  c.busy_time_s = busy.busy_s;
  if (busy.invocations == 0) {
    c.method = "repeated";
    c.method_reason = "not invoked in the real run";
    return c;
  }
  const double mean_s = busy.busy_s / double(busy.invocations);
  std::string shortfall;
  if (busy.busy_s < thresholds.min_window_s)
    shortfall = "busy " + ms_text(busy.busy_s) + " < " + ms_text(thresholds.min_window_s);
  if (mean_s < thresholds.min_invocation_s)
    shortfall += (shortfall.empty() ? "" : "; ") + std::string("mean invocation ") +
                 ms_text(mean_s) + " < " + ms_text(thresholds.min_invocation_s);
  if (shortfall.empty()) {
    c.method = "window";
    c.method_reason = "busy " + ms_text(busy.busy_s) + " >= " + ms_text(thresholds.min_window_s) +
                      " and mean invocation " + ms_text(mean_s) +
                      " >= " + ms_text(thresholds.min_invocation_s);
  } else {
    c.method = "repeated";
    c.method_reason = shortfall;
  }
  return c;
}

std::unique_ptr<ComponentBusyTracker> measure_windows(
    EnergyMonitor& monitor, const std::vector<ComponentProfile>& planned,
    const std::function<void(AccessSink&)>& workload) {
  std::vector<ComponentId> ids;
  for (const auto& c : planned)
    if (c.method == "window") ids.push_back(ComponentRegistry::global().intern(c.name));
  if (ids.empty() || monitor.source() == nullptr) return nullptr;
  auto tracker = std::make_unique<ComponentBusyTracker>(monitor.source(), ids);
  workload(*tracker);
  tracker->check();
  return tracker;
}

ComponentProfile window_component(const EnergyMonitor& monitor, ComponentProfile c,
                                  const ComponentBusyTracker* measured) {
  c.invocation = "its every invocation in the workload";
  c.window.name = "busy:" + c.name;
  c.time_per_invocation_s = c.busy_time_s / double(c.real_invocations);
  c.attributed_time_s = c.busy_time_s;
  if (measured == nullptr) {
    c.measured_invocations = c.real_invocations;
    c.window.time_s = c.busy_time_s;
    c.window.energy_unavailable_reason = monitor.unavailable_reason();
    return c;
  }
  const auto m = measured->result(ComponentRegistry::global().intern(c.name));
  if (m.invocations != c.real_invocations)
    throw Error("the energy run invoked it " + std::to_string(m.invocations) +
                    " times but the real run " + std::to_string(c.real_invocations) +
                    " (the workload is not deterministic)",
                c.name);
  c.measured_invocations = m.invocations;
  c.invocation += ", rerun with energy read at each begin and end";
  auto& w = c.window;
  w.time_s = m.busy_s;
  w.energy_available = true;
  w.energy_source = std::string(monitor.source()->kind());
  const auto& domains = monitor.source()->domains();
  for (std::size_t d = 0; d < domains.size(); ++d) {
    const double power_w = m.busy_s > 0 ? m.energy_j[d] / m.busy_s : 0.0;
    w.domains.push_back(
        {domains[d].name, domains[d].in_total, m.energy_j[d], power_w, m.energy_j[d]});
  }
  w.total_energy_j = m.total_energy_j;
  w.total_power_w = m.busy_s > 0 ? m.total_energy_j / m.busy_s : 0.0;
  w.net_total_energy_j = m.total_energy_j;
  c.energy_per_invocation_j = m.total_energy_j / double(m.invocations);
  c.attributed_energy_j = m.total_energy_j;
  return c;
}

ComponentProfile repeat_component(EnergyMonitor& monitor, const AttributionThresholds& thresholds,
                                  ComponentProfile c, std::string invocation,
                                  const std::function<void()>& once,
                                  const std::function<std::uint64_t()>& engine_count) {
  c.method = "repeated";
  c.invocation = std::move(invocation);
  const std::uint64_t real_invocations = c.real_invocations;
  once();  // warm-up: caches and pages, outside the window
  const std::uint64_t before = engine_count();
  const std::string window = "repeat:" + c.name;
  const std::int64_t min_ns = static_cast<std::int64_t>(thresholds.min_window_s * 1e9);
  monitor.begin_window(window);
  const std::int64_t t0 = steady_now_ns();
  do {
    once();
  } while (steady_now_ns() - t0 < min_ns);
  c.window = monitor.end_window(window);
  c.repetitions = engine_count() - before;
  if (c.repetitions == 0)
    throw Error("the repetition loop did not invoke the component (engine counter unchanged)",
                c.name);
  const double reps = static_cast<double>(c.repetitions);
  c.time_per_invocation_s = c.window.time_s / reps;
  c.attributed_time_s = c.time_per_invocation_s * static_cast<double>(real_invocations);
  if (c.window.energy_available) {
    c.energy_per_invocation_j = c.window.total_energy_j / reps;
    c.attributed_energy_j = *c.energy_per_invocation_j * static_cast<double>(real_invocations);
  }
  return c;
}

double attributed_energy_sum_j(const std::vector<ComponentProfile>& components) {
  double sum = 0;
  for (const auto& c : components)
    sum += c.attributed_energy_j.value_or(0);
  return sum;
}

double attributed_time_sum_s(const std::vector<ComponentProfile>& components) {
  double sum = 0;
  for (const auto& c : components)
    sum += c.attributed_time_s;
  return sum;
}

}  // namespace erg::profiler
