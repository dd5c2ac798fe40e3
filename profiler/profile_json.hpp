#pragma once

#include <nlohmann/json.hpp>

#include "profiler/component_attribution.hpp"
#include "profiler/idle_baseline.hpp"
#include "profiler/measurement_window.hpp"
#include "profiler/perf_counters.hpp"
#include "profiler/repetition.hpp"

// JSON renderings of profiler results, with unit-carrying snake_case keys. Missing figures are
// null with a reason beside them, never 0.
namespace erg::profiler {

nlohmann::json to_json(const CounterValue& value);
nlohmann::json to_json(const WindowResult& window);
nlohmann::json to_json(const IdleBaseline& baseline);
nlohmann::json to_json(const RepetitionReport& report);
nlohmann::json to_json(const ComponentProfile& component);

}  // namespace erg::profiler
