#include "profiler/calibration_run.hpp"

#include <chrono>
#include <cmath>
#include <thread>

#include "core/error.hpp"

namespace erg::profiler {
namespace {

// Keeps the kernels' checksums observable so their loops are not optimized away.
volatile std::uint64_t g_checksum_sink = 0;

constexpr std::int64_t kChunkTargetNs = 1'000'000;

}  // namespace

CalibrationMeasurement measure_calibration_kernels(
    EnergyMonitor& monitor, std::span<const std::unique_ptr<CalibrationKernel>> kernels,
    const CalibrationRunOptions& options) {
  if (monitor.source() == nullptr) throw UnavailableError(monitor.unavailable_reason(), "energy");
  if (options.repeat < 1)
    throw Error("repeat must be at least 1, got " + std::to_string(options.repeat), "--repeat");
  if (!(options.duration_s > 0) || !std::isfinite(options.duration_s))
    throw Error("duration must be a positive number of seconds", "--duration-s");
  if (!(options.baseline_s > 0) || !std::isfinite(options.baseline_s))
    throw Error("idle baseline must be a positive number of seconds", "--baseline-s");
  if (!(options.settle_s >= 0) || !std::isfinite(options.settle_s))
    throw Error("settle time must be a non-negative number of seconds", "--settle-s");
  if (kernels.empty()) throw Error("no calibration kernels", "calibration");
  if (options.progress && options.progress->passes.size() != kernels.size())
    throw Error("progress has " + std::to_string(options.progress->passes.size()) +
                    " pass counters, expected one per kernel (" + std::to_string(kernels.size()) +
                    ")",
                "CalibrationProgress");

  EnergySource& source = *monitor.source();
  CalibrationMeasurement out;
  for (const auto& k : kernels)
    out.kernel_names.emplace_back(k->name());
  out.energy_source = std::string(source.kind());
  out.domains = source.domains();
  out.baseline = measure_idle_baseline(source, options.baseline_s);
  out.baseline_total_power_w = total_over_domains(out.domains, out.baseline.power_w);
  monitor.set_baseline(out.baseline);

  const auto duration_ns = static_cast<std::int64_t>(options.duration_s * 1e9);
  for (int r = 0; r < options.repeat; ++r) {
    for (std::size_t k = 0; k < kernels.size(); ++k) {
      CalibrationKernel& kernel = *kernels[k];
      if (options.on_window) options.on_window(kernel.name(), r);
      g_checksum_sink = g_checksum_sink + kernel.run(1);
      KernelRun run;
      run.kernel = k;
      run.repetition = r;
      const std::string window_name(kernel.name());
      const auto settle =
          std::chrono::nanoseconds(static_cast<std::int64_t>(options.settle_s * 1e9));
      monitor.begin_window(window_name);
      std::this_thread::sleep_for(settle);
      if (options.progress) options.progress->kernel.store(static_cast<int>(k));
      const std::int64_t start_ns = steady_now_ns();
      std::uint64_t chunk = 1;
      std::uint64_t checksum = 0;
      while (true) {
        const std::int64_t chunk_start_ns = steady_now_ns();
        checksum += kernel.run(chunk);
        run.passes += chunk;
        if (options.progress) options.progress->passes[k].fetch_add(chunk);
        const std::int64_t now_ns = steady_now_ns();
        if (now_ns - start_ns >= duration_ns) break;
        if (now_ns - chunk_start_ns < kChunkTargetNs) chunk *= 2;
      }
      run.active_s = static_cast<double>(steady_now_ns() - start_ns) * 1e-9;
      if (options.progress) options.progress->kernel.store(-1);
      std::this_thread::sleep_for(settle);
      run.window = monitor.end_window(window_name);
      g_checksum_sink = g_checksum_sink + checksum;
      out.runs.push_back(std::move(run));
    }
  }
  out.warnings = source.warnings();
  return out;
}

}  // namespace erg::profiler
