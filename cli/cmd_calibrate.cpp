#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/arg_parser.hpp"
#include "cli/command.hpp"
#include "core/error.hpp"
#include "profiler/calibration_kernels.hpp"
#include "profiler/calibration_run.hpp"
#include "profiler/energy_source.hpp"
#include "profiler/measurement_window.hpp"
#include "profiler/perf_counters.hpp"
#include "profiler/perf_event_catalog.hpp"
#include "simulator/preset.hpp"
#include "sweep/calibration.hpp"

namespace erg::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "erg calibrate [--repeat K] [--duration-s S] [--baseline-s S] [--settle-s S] [--preset P] "
    "[-o PRESET.toml] [--source POWERCAP_DIR]";

// What the side-by-side table compares the simulator's counts with.
constexpr std::string_view kHardwareEvents[] = {"cache-references", "cache-misses", "LLC-loads",
                                                "LLC-load-misses"};

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

std::string join_args(std::span<const std::string> args) {
  std::string out = "erg calibrate";
  for (const auto& a : args)
    out += " " + a;
  return out;
}

// The kernels' counters, or why there are none.
std::unique_ptr<profiler::CounterSet> open_counters(std::string& reason) {
  const auto paranoid = profiler::read_perf_event_paranoid();
  if (!paranoid) {
    reason = "perf_event_open is unavailable: no /proc/sys/kernel/perf_event_paranoid";
    return nullptr;
  }
  auto set = std::make_unique<profiler::CounterSet>(
      kHardwareEvents, profiler::CounterTarget{0, -1, false, false}, *paranoid);
  if (set->supported_count() == 0) {
    reason = "no hardware cache counters on this machine";
    const auto values = set->values();
    if (!values.empty() && !values.front().reason.empty())
      reason += " (" + values.front().reason + ")";
    return nullptr;
  }
  set->enable();
  return set;
}

void print_kernels(const profiler::CalibrationMeasurement& m,
                   const std::vector<sweep::KernelEvents>& events, const sweep::CalibrationFit& fit,
                   const std::string& counters_reason, std::ostream& out) {
  out << "\n Kernels (means over repetitions; simulated events are the base preset's hierarchy "
         "counting each pass):\n";
  char line[320];
  std::snprintf(line, sizeof(line), "  %-11s %12s %14s %14s %9s %14s %14s %14s\n", "kernel",
                "passes_per_s", "net_energy_j", "fitted_j", "resid_%", "sim_l1_per_s",
                "sim_llc_per_s", "sim_llc_miss_s");
  out << line;
  for (std::size_t k = 0; k < m.kernel_names.size(); ++k) {
    double passes = 0, seconds = 0;
    for (const auto& r : m.runs)
      if (r.kernel == k) {
        passes += static_cast<double>(r.passes);
        seconds += r.active_s;
      }
    const double rate = seconds > 0 ? passes / seconds : 0;
    const auto& res = fit.residuals[k];
    std::snprintf(
        line, sizeof(line), "  %-11s %12.4g %14.6g %14.6g %9.2f %14.4g %14.4g %14.4g\n",
        m.kernel_names[k].c_str(), rate, res.measured_net_energy_j, res.predicted_net_energy_j,
        100 * res.relative_residual, rate * events[k].first_level_accesses_per_pass,
        rate * events[k].last_level_accesses_per_pass, rate * events[k].last_level_misses_per_pass);
    out << line;
  }
  if (!counters_reason.empty()) {
    out << "  hardware counters: unavailable (" << counters_reason
        << "); the simulated counts above are not checked against the machine\n";
    return;
  }
  out << "\n Hardware counters per second, beside the simulated counts above:\n";
  for (std::size_t k = 0; k < m.kernel_names.size(); ++k) {
    out << "  " << m.kernel_names[k] << ":";
    std::vector<double> sums;
    double seconds = 0;
    std::vector<std::string> names;
    for (const auto& r : m.runs) {
      if (r.kernel != k) continue;
      seconds += r.window.time_s;
      if (sums.empty()) {
        sums.assign(r.window.counters.size(), 0);
        for (const auto& c : r.window.counters)
          names.push_back(c.supported && c.counted ? c.name : c.name + " (unsupported)");
      }
      for (std::size_t i = 0; i < r.window.counters.size() && i < sums.size(); ++i)
        sums[i] += r.window.counters[i].scaled;
    }
    for (std::size_t i = 0; i < sums.size(); ++i)
      out << "  " << names[i] << " " << fmt("%.4g", seconds > 0 ? sums[i] / seconds : 0);
    out << "\n";
  }
}

int run_calibrate(std::span<const std::string> raw_args) {
  std::vector<std::string> args(raw_args.begin(), raw_args.end());
  for (auto& a : args)
    if (a == "-o") a = "--output";
  ArgParser parser(
      kUsage,
      "Fits the simulator's energy table to this machine. Runs microkernels (streaming reads and "
      "writes that fit each cache level or go to DRAM, fp32 and int8 MAC loops, an event-free "
      "spin) under RAPL after an idle baseline, takes each kernel's events from the base "
      "preset's simulated hierarchy, and fits pJ per access, per DRAM bit and per MAC and the "
      "static power by non-negative least squares, with 95% bootstrap CIs over repetitions. "
      "Writes a preset TOML whose every fitted constant cites machine, date, CI and residual, "
      "and prints it against the base preset. Needs readable RAPL (powercap); exits 1 with the "
      "reason where there is none.");
  parser.option("repeat", "K", "windows per kernel, 1 to 1000 (default 3; 1 gives no CIs)")
      .option("duration-s", "S", "seconds per window, above 0, at most 600 (default 1)")
      .option("baseline-s", "S", "idle baseline seconds, above 0, at most 3600 (default 2)")
      .option("settle-s", "S",
              "idle seconds at each end of a window for meter lag, 0 to 10 (default 0.01)")
      .option("preset", "P",
              "base preset: its hierarchy sizes the kernels and counts their events "
              "(default desktop-ddr4)")
      .option("output", "FILE",
              "where to write the calibrated preset (also -o; default "
              "calibrated.toml)")
      .option("source", "POWERCAP_DIR",
              "read RAPL from this powercap tree (default: perf power PMU or "
              "/sys/class/powercap)");
  const auto parsed = parser.parse(args);
  if (parsed.help) {
    std::cout << parser.help();
    return 0;
  }
  profiler::CalibrationRunOptions options;
  options.repeat = static_cast<int>(parsed.get_int("repeat", 3, 1, 1000));
  options.duration_s = parsed.get_double_above("duration-s", 1.0, 0, 600);
  options.baseline_s = parsed.get_double_above("baseline-s", 2.0, 0, 3600);
  options.settle_s = parsed.get_double("settle-s", 0.01, 0, 10);
  const fs::path output = parsed.get_or("output", "calibrated.toml");
  const simulator::Preset base =
      simulator::load_named_preset(parsed.get_or("preset", "desktop-ddr4"));

  profiler::EnergySourceOptions source_options;
  if (auto dir = parsed.get("source")) {
    source_options.kind = profiler::EnergySourceKind::kPowercap;
    source_options.powercap_root = *dir;
  }
  std::unique_ptr<profiler::EnergySource> source;
  try {
    source = profiler::open_energy_source(source_options);
  } catch (const UnavailableError& e) {
    const std::string where = parsed.has("source")
                                  ? "the powercap tree at " + parsed.get_or("source", "")
                                  : std::string("this machine");
    throw UnavailableError(
        "erg calibrate needs RAPL energy (package, and DRAM where present) and " + where +
            " offers none: " + std::string(e.what()) +
            "; nothing was fitted (on a machine with RAPL run it there, or point --source at a "
            "powercap tree)",
        parsed.get_or("source", "energy source"));
  }
  std::string counters_reason;
  auto counters = open_counters(counters_reason);

  const auto kernels = profiler::make_calibration_kernels(sweep::calibration_levels(base));
  std::vector<sweep::KernelEvents> events;
  for (const auto& k : kernels)
    events.push_back(sweep::simulate_kernel_events(*k, base));
  const double estimate_s = options.baseline_s + static_cast<double>(kernels.size()) *
                                                     options.repeat *
                                                     (options.duration_s + 2 * options.settle_s);
  std::cerr << "erg calibrate: " << kernels.size() << " kernels x " << options.repeat
            << " windows of " << options.duration_s << " s after a " << options.baseline_s
            << " s idle baseline: about " << fmt("%.0f", std::ceil(estimate_s))
            << " s; keep the machine otherwise idle\n";

  profiler::EnergyMonitor monitor(std::move(source), {}, std::move(counters));
  options.on_window = [&](std::string_view kernel, int repetition) {
    std::cerr << "\r  repetition " << repetition + 1 << "/" << options.repeat << ": " << kernel
              << "            " << std::flush;
  };
  const auto measured = profiler::measure_calibration_kernels(monitor, kernels, options);
  std::cerr << "\n";
  const auto fit = sweep::fit_calibration(measured, events, base);

  auto prov = sweep::current_provenance();
  prov.command = join_args(raw_args);
  prov.duration_s = options.duration_s;
  prov.repeat = options.repeat;
  const std::string text = sweep::render_calibrated_preset(base, fit, measured, prov);
  (void)simulator::parse_preset(text, output.string());  // what simulate will load
  {
    std::ofstream out(output, std::ios::trunc);
    out << text;
    if (!out) throw Error("cannot write the calibrated preset", output.string());
  }

  std::cout << "\n Calibration on " << prov.machine << ", " << prov.date_utc << " ("
            << measured.energy_source << " energy; idle baseline "
            << fmt("%.4g", measured.baseline_total_power_w) << " W over "
            << fmt("%.3g", measured.baseline.duration_s) << " s subtracted)\n";
  print_kernels(measured, events, fit, counters_reason, std::cout);
  std::cout << "\n Fitted against base preset " << base.name << " (" << fit.runs
            << " runs, fit residual " << fmt("%.2f", 100 * fit.relative_rms_residual)
            << "% RMS, design condition number " << fmt("%.3g", fit.design.condition_number)
            << "):\n"
            << sweep::format_calibration_table(fit);
  std::cout << "  static power written: idle " << fmt("%.4g", measured.baseline_total_power_w)
            << " W + active " << fmt("%.4g", fit.coefficients.back().value) << " W\n";
  for (const auto& w : fit.warnings)
    std::cout << "  warning: " << w << "\n";
  for (const auto& w : measured.warnings)
    std::cout << "  warning: " << w << "\n";
  std::cout << "\n wrote " << output.string() << " (use it with erg simulate --preset "
            << output.string() << ")\n\n";
  return 0;
}

const CommandRegistrar kRegistrar({"calibrate",
                                   "fit a preset's energy table to this machine's RAPL readings",
                                   run_calibrate});

}  // namespace
}  // namespace erg::cli
