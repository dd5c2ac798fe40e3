#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "profiler/calibration_kernels.hpp"
#include "profiler/idle_baseline.hpp"
#include "profiler/measurement_window.hpp"

namespace erg::profiler {

// What the runner is doing, published for observers while it runs (a test's fake meter charges
// energy for the passes it sees; a progress display could read it). Passes are cumulative per
// kernel and count only measured passes, never the warm-up pass before each window.
struct CalibrationProgress {
  explicit CalibrationProgress(std::size_t kernels) : passes(kernels) {}
  std::atomic<int> kernel{-1};  // index of the kernel inside a window now, -1 between windows
  std::vector<std::atomic<std::uint64_t>> passes;
};

struct CalibrationRunOptions {
  int repeat = 3;           // windows per kernel, interleaved (1..k, 1..k, ...) so drift is shared
  double duration_s = 1.0;  // per window
  double baseline_s = 1.0;  // idle baseline before the kernels
  // Idle time inside each window before and after the kernel runs: a meter updates with some
  // delay (RAPL about every 1 ms), so energy from the warm-up pass or the previous window would
  // otherwise land in this one, and this window's last joules in the next. The baseline removes
  // the idle energy of the settle; the static-power column uses the kernel's active time only.
  double settle_s = 0.01;
  CalibrationProgress* progress = nullptr;
  std::function<void(std::string_view kernel, int repetition)> on_window;  // before each window
};

// One measured window of one kernel.
struct KernelRun {
  std::size_t kernel = 0;  // index into the kernel list
  int repetition = 0;
  std::uint64_t passes = 0;
  double active_s = 0;  // the kernel's own running time, without the settles
  WindowResult window;  // net_total_energy_j is net of the idle baseline; time_s has the settles
};

struct CalibrationMeasurement {
  std::vector<std::string> kernel_names;
  IdleBaseline baseline;
  double baseline_total_power_w = 0;  // over the in_total domains
  std::string energy_source;          // "powercap" or "perf"
  std::vector<EnergyDomain> domains;
  std::vector<KernelRun> runs;  // repetition-major
  std::vector<std::string> warnings;
};

// Measures the idle baseline, sets it on `monitor`, then runs every kernel `repeat` times for
// `duration_s` each inside a window named after it (with `settle_s` of idle at each end), after one
// unmeasured warm-up pass that puts its buffer where the kernel expects it. Passes run in chunks
// that double until a chunk takes 1 ms, so the clock is read rarely. Throws UnavailableError with
// the monitor's reason when it has no energy source, and erg::Error for options out of range.
CalibrationMeasurement measure_calibration_kernels(
    EnergyMonitor& monitor, std::span<const std::unique_ptr<CalibrationKernel>> kernels,
    const CalibrationRunOptions& options);

}  // namespace erg::profiler
