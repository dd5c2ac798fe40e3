#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/access_sink.hpp"
#include "profiler/component_busy_time.hpp"
#include "profiler/measurement_window.hpp"

// Per-component attribution of measured energy: each component of a real run is measured either
// over its own invocations ("window") or by repeating one representative invocation in a loop
// ("repeated"). The engine-specific parts (which components, which representative invocation)
// are in sweep/model_profile.hpp.
namespace erg::profiler {

struct AttributionThresholds {
  double min_window_s = 0.2;
  // A busy-time window needs invocations long against the energy counter's update period: RAPL
  // energy_uj advances about every 1 ms, so a shorter interval reads 0 or 1 update and its
  // energy is mostly quantization. At 10 updates per invocation that error is ~10% per
  // invocation and averages down over many; shorter components use the repetition loop.
  double min_invocation_s = 0.010;
};

// How one component was measured and what that attributes to the real run. "window": its own
// invocations in a second run of the workload, energy read at each begin and end; "repeated":
// one representative invocation in a loop.
struct ComponentProfile {
  std::string name;
  std::string method;  // "window" or "repeated"
  std::string method_reason;
  std::string invocation;  // what was measured
  std::uint64_t real_invocations = 0;
  double busy_time_s = 0;         // the real run's, from the timing hook
  std::uint64_t repetitions = 0;  // repeated: engine-counted invocations inside the loop window
  std::uint64_t measured_invocations = 0;  // window: invocations the energy was read around
  WindowResult window;  // repeated: the loop's window; window: the summed busy intervals
  double time_per_invocation_s = 0;
  double attributed_time_s = 0;
  std::optional<double> energy_per_invocation_j;
  std::optional<double> attributed_energy_j;
};

// The real run's busy time and invocation count (from `real`, the timing hook it carried), and
// the method they call for. Throws erg::Error when the hook's count differs from the engine's.
ComponentProfile plan_component(const ComponentBusyTracker& real,
                                const AttributionThresholds& thresholds, std::string name,
                                std::uint64_t engine_invocations);

// The components planned as "window" get a second run of the same workload (`workload` runs it
// with the given sink attached) with energy read at each of their invocations' begin and end.
// Without an energy source there is nothing to read, so there is no second run: null.
std::unique_ptr<ComponentBusyTracker> measure_windows(
    EnergyMonitor& monitor, const std::vector<ComponentProfile>& planned,
    const std::function<void(AccessSink&)>& workload);

// A component measured over its own busy intervals: time from the real run, energy (when
// `measured`, the second run, is not null) from the second run, whose invocation count must
// equal the real run's.
ComponentProfile window_component(const EnergyMonitor& monitor, ComponentProfile c,
                                  const ComponentBusyTracker* measured);

// Repeats `once` (one representative invocation, described by `invocation`) for at least
// min_window_s inside a window. Repetitions are what the engine's own counter says ran, so a loop
// body that did not invoke the component (or invoked it twice) cannot skew the per-invocation
// figures; attributed = per invocation x the real run's count.
ComponentProfile repeat_component(EnergyMonitor& monitor, const AttributionThresholds& thresholds,
                                  ComponentProfile c, std::string invocation,
                                  const std::function<void()>& once,
                                  const std::function<std::uint64_t()>& engine_count);

// Sums over components of attributed energy (missing figures count 0) and attributed time.
double attributed_energy_sum_j(const std::vector<ComponentProfile>& components);
double attributed_time_sum_s(const std::vector<ComponentProfile>& components);

// "12.3 ms": how the method reasons and the text output write durations.
std::string ms_text(double seconds);

}  // namespace erg::profiler
