#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/bootstrap.hpp"
#include "core/error.hpp"
#include "core/nnls.hpp"
#include "profiler/calibration_kernels.hpp"
#include "profiler/calibration_run.hpp"
#include "simulator/preset.hpp"

// Fitting a preset's energy table to measured hardware (`erg calibrate`, issue 22). The kernels
// and their measurement live in profiler/; this file joins them to the simulator, which counts
// each kernel's events, because sweep/ is where both are visible.
namespace erg::sweep {

// One constant the fit estimates, in design-column order: per level the read and write energy
// (pJ per line access), DRAM read and write energy (pJ per bit, interface included), fp32 and
// int8 MAC energy (pJ), and active static power (W above the idle baseline).
struct CalibrationCoefficient {
  std::string key;    // "level.l1.read_energy_pj", "dram.read_energy_pj_per_bit",
                      // "mac_energy_pj.fp32", "active_static_power_w"
  std::string unit;   // "pJ", "pJ/bit", "W"
  double base_value;  // in the preset calibration started from (for the static power: its sum
                      // of level, DRAM background and refresh static power)
};

std::vector<CalibrationCoefficient> calibration_coefficients(const simulator::Preset& base);

// One steady-state pass of a kernel as the base preset's hierarchy counts it, in the
// coefficients' columns: per level (reads + writebacks) then (writes + fills), DRAM read and
// write bits, fp32 and int8 MACs, and 0 for the static column (time is per run).
struct KernelEvents {
  std::string kernel;
  std::vector<double> per_pass;
  // DRAM activations, held at the base preset's activation energy (streaming kernels open rows
  // in proportion to their bits, so the fit cannot tell ACT energy from per-bit energy).
  double activations_per_pass = 0;
  double fixed_energy_pj_per_pass = 0;
  // What hardware counters would see, for the side-by-side table.
  double first_level_accesses_per_pass = 0;  // line requests into the first level
  double last_level_accesses_per_pass = 0;   // requests arriving at the last level
  double last_level_misses_per_pass = 0;
};

// Runs describe_pass twice to warm the hierarchy, then counts a third pass.
KernelEvents simulate_kernel_events(const profiler::CalibrationKernel& kernel,
                                    const simulator::Preset& base);

// The levels of a preset as the kernel set needs them.
std::vector<profiler::CalibrationLevel> calibration_levels(const simulator::Preset& base);

// The fit's design cannot identify some combination of coefficients.
class SingularDesignError : public Error {
 public:
  using Error::Error;
};

struct CalibrationFitOptions {
  BootstrapOptions bootstrap{.resamples = 400, .seed = 20261203, .level = 0.95};
  double rank_tolerance = kDefaultRankTolerance;
};

struct FittedCoefficient {
  CalibrationCoefficient coefficient;
  double value = 0;
  // Percentile bootstrap over repetitions (each kernel's runs resampled with replacement);
  // NaN with one repetition per kernel.
  double ci_low = 0;
  double ci_high = 0;
};

struct KernelResidual {
  std::string kernel;
  double measured_net_energy_j = 0;   // mean over its runs
  double predicted_net_energy_j = 0;  // the fitted table times its events
  double relative_residual = 0;       // (predicted - measured) / measured
};

struct CalibrationFit {
  std::vector<FittedCoefficient> coefficients;
  std::vector<KernelResidual> residuals;
  double relative_rms_residual = 0;  // RMS over runs of (predicted - measured) / measured
  std::size_t runs = 0;
  DesignRank design;
  std::size_t bootstrap_resamples = 0;
  std::vector<std::string> warnings;
};

// Fits the coefficients to the measured runs by non-negative least squares: each run is a row,
// its events x passes (J per pJ) and its active time the columns, its idle-subtracted energy less
// the fixed activation energy the target; rows are weighted by 1 / |target|, so the fit
// minimises relative errors. Throws SingularDesignError naming the coefficients that move
// together and the kernels whose event mixes are proportional when the design is rank
// deficient, and erg::Error when `events` does not match the measured kernels.
CalibrationFit fit_calibration(const profiler::CalibrationMeasurement& measured,
                               std::span<const KernelEvents> events, const simulator::Preset& base,
                               const CalibrationFitOptions& options = {});

// What the written preset says about where its numbers came from.
struct CalibrationProvenance {
  std::string machine;   // host name and CPU model
  std::string date_utc;  // ISO 8601
  std::string command;   // the command line that produced it
  double duration_s = 0;
  int repeat = 0;
};

// The host name and /proc/cpuinfo "model name" (or what is missing), and now in UTC.
CalibrationProvenance current_provenance();

// A preset TOML in simulator/presets format: the base preset's organisation and unfitted
// constants (sources say they were copied), every fitted constant with machine, date, 95% CI
// and residual in its source. Static power written = idle baseline + fitted active static
// power, split over levels and DRAM background/refresh in the base preset's proportions. DRAM
// I/O energy is folded into the per-bit energies (written as 0).
std::string render_calibrated_preset(const simulator::Preset& base, const CalibrationFit& fit,
                                     const profiler::CalibrationMeasurement& measured,
                                     const CalibrationProvenance& provenance);

// Text table: coefficient, unit, base value, fitted value, 95% CI, fitted / base.
std::string format_calibration_table(const CalibrationFit& fit);

}  // namespace erg::sweep
