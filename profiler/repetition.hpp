#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "profiler/measurement_window.hpp"
#include "profiler/statistics.hpp"

namespace erg::profiler {

// Statistics over the measured repetitions of one workload (warm-ups are not in runs).
struct RepetitionReport {
  std::vector<WindowResult> runs;
  Summary time_s;
  std::optional<Summary> total_energy_j;      // when energy was measured
  std::optional<Summary> net_total_energy_j;  // when a baseline was subtracted too
  std::vector<std::pair<std::string, Summary>> domain_energy_j;
  std::vector<std::pair<std::string, Summary>> counters;  // scaled values of counted events
  std::vector<std::string> warnings;                      // high coefficient of variation
};

// Summarizes runs (at least one). Warns for each figure whose CV exceeds high_cv.
RepetitionReport summarize_runs(std::vector<WindowResult> runs,
                                double high_cv = kHighCoefficientOfVariation);

// Runs body warmup times unmeasured, then `repetitions` times inside a window named `name`.
RepetitionReport repeat(EnergyMonitor& monitor, std::string_view name, int repetitions, int warmup,
                        const std::function<void()>& body);

}  // namespace erg::profiler
