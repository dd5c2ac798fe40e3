#include "sweep/calibration.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "simulator/hierarchy.hpp"
#include "simulator/replacement_policy.hpp"

namespace erg::sweep {
namespace {

constexpr double kJoulesPerPicojoule = 1e-12;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kFp32 = static_cast<std::size_t>(Precision::kFp32);
constexpr std::size_t kInt8 = static_cast<std::size_t>(Precision::kInt8);

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

// A TOML float: always with a decimal point or exponent.
std::string toml_float(double v) {
  std::string s = fmt("%.9g", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string cited(std::string_view key, const std::string& value, std::string_view source) {
  return std::string(key) + " = { value = " + value + ", source = " + toml_string(source) + " }\n";
}

double static_sum(const simulator::Preset& p) {
  double s = p.energy.dram.background_power_w + p.energy.dram.refresh_power_w;
  for (const auto& l : p.energy.levels)
    s += l.static_power_w;
  return s;
}

double cosine(std::span<const double> a, std::span<const double> b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

// Every kernel's runs, to resample repetitions within each kernel.
std::vector<std::vector<std::size_t>> runs_by_kernel(const profiler::CalibrationMeasurement& m) {
  std::vector<std::vector<std::size_t>> out(m.kernel_names.size());
  for (std::size_t r = 0; r < m.runs.size(); ++r)
    out.at(m.runs[r].kernel).push_back(r);
  return out;
}

}  // namespace

std::vector<CalibrationCoefficient> calibration_coefficients(const simulator::Preset& base) {
  std::vector<CalibrationCoefficient> out;
  for (std::size_t i = 0; i < base.hierarchy.levels.size(); ++i) {
    const std::string prefix = "level." + base.hierarchy.levels[i].name;
    out.push_back({prefix + ".read_energy_pj", "pJ", base.energy.levels[i].read_energy_pj});
    out.push_back({prefix + ".write_energy_pj", "pJ", base.energy.levels[i].write_energy_pj});
  }
  const auto& d = base.energy.dram;
  out.push_back(
      {"dram.read_energy_pj_per_bit", "pJ/bit", d.read_energy_pj_per_bit + d.io_energy_pj_per_bit});
  out.push_back({"dram.write_energy_pj_per_bit", "pJ/bit",
                 d.write_energy_pj_per_bit + d.io_energy_pj_per_bit});
  out.push_back({"mac_energy_pj.fp32", "pJ", base.energy.mac_energy_pj[kFp32]});
  out.push_back({"mac_energy_pj.int8", "pJ", base.energy.mac_energy_pj[kInt8]});
  out.push_back({"active_static_power_w", "W", kNan});
  return out;
}

std::vector<profiler::CalibrationLevel> calibration_levels(const simulator::Preset& base) {
  std::vector<profiler::CalibrationLevel> out;
  for (const auto& l : base.hierarchy.levels)
    out.push_back({l.name, l.size_bytes});
  return out;
}

KernelEvents simulate_kernel_events(const profiler::CalibrationKernel& kernel,
                                    const simulator::Preset& base) {
  simulator::Hierarchy h(base.hierarchy);
  kernel.describe_pass(h);
  kernel.describe_pass(h);
  const simulator::HierarchyStats s0 = h.stats();
  kernel.describe_pass(h);
  const simulator::HierarchyStats s1 = h.stats();

  KernelEvents ev;
  ev.kernel = std::string(kernel.name());
  const std::size_t levels = base.hierarchy.levels.size();
  auto diff = [](std::uint64_t after, std::uint64_t before) {
    return static_cast<double>(after - before);
  };
  for (std::size_t i = 0; i < levels; ++i) {
    const auto a = s1.level_total(i);
    const auto b = s0.level_total(i);
    ev.per_pass.push_back(diff(a.read_count + a.writeback_count, b.read_count + b.writeback_count));
    ev.per_pass.push_back(diff(a.write_count + a.fill_count, b.write_count + b.fill_count));
    if (i == 0) ev.first_level_accesses_per_pass = diff(a.access_count(), b.access_count());
    if (i + 1 == levels) {
      ev.last_level_accesses_per_pass = diff(a.access_count(), b.access_count());
      ev.last_level_misses_per_pass = diff(a.miss_count(), b.miss_count());
    }
  }
  const auto da = s1.dram_total();
  const auto db = s0.dram_total();
  ev.per_pass.push_back(8.0 * diff(da.read_bytes, db.read_bytes));
  ev.per_pass.push_back(8.0 * diff(da.write_bytes, db.write_bytes));
  const auto ma = s1.macs_total();
  const auto mb = s0.macs_total();
  ev.per_pass.push_back(diff(ma[kFp32], mb[kFp32]));
  ev.per_pass.push_back(diff(ma[kInt8], mb[kInt8]));
  ev.per_pass.push_back(0.0);  // static column: seconds come from each run
  ev.activations_per_pass = diff(da.activation_count, db.activation_count);
  ev.fixed_energy_pj_per_pass = ev.activations_per_pass * base.energy.dram.activation_energy_pj;
  return ev;
}

CalibrationFit fit_calibration(const profiler::CalibrationMeasurement& measured,
                               std::span<const KernelEvents> events, const simulator::Preset& base,
                               const CalibrationFitOptions& options) {
  const auto coefs = calibration_coefficients(base);
  const std::size_t n = coefs.size();
  if (events.size() != measured.kernel_names.size())
    throw Error("have events for " + std::to_string(events.size()) + " kernels, expected " +
                    std::to_string(measured.kernel_names.size()) + " (one per measured kernel)",
                "calibration fit");
  for (std::size_t k = 0; k < events.size(); ++k) {
    if (events[k].kernel != measured.kernel_names[k] || events[k].per_pass.size() != n)
      throw Error("events of kernel '" + events[k].kernel + "' do not match measured kernel '" +
                      measured.kernel_names[k] + "' with " + std::to_string(n) + " columns",
                  "calibration fit");
  }
  if (measured.runs.empty()) throw Error("no measured runs", "calibration fit");

  const std::size_t rows = measured.runs.size();
  Matrix a(rows, n);
  std::vector<double> b(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const auto& run = measured.runs[r];
    if (!run.window.energy_available || !run.window.baseline_subtracted)
      throw Error("run " + std::to_string(r) + " of kernel '" + measured.kernel_names[run.kernel] +
                      "' has no idle-subtracted energy",
                  "calibration fit");
    const auto& ev = events[run.kernel];
    const double passes = static_cast<double>(run.passes);
    for (std::size_t j = 0; j + 1 < n; ++j)
      a(r, j) = ev.per_pass[j] * passes * kJoulesPerPicojoule;
    a(r, n - 1) = run.active_s;
    b[r] =
        run.window.net_total_energy_j - ev.fixed_energy_pj_per_pass * passes * kJoulesPerPicojoule;
  }

  CalibrationFit fit;
  fit.runs = rows;
  std::size_t below_idle = 0;
  for (const auto& run : measured.runs)
    below_idle += run.window.net_total_energy_j <= 0 ? 1 : 0;
  if (below_idle > 0)
    fit.warnings.push_back(std::to_string(below_idle) + " of " + std::to_string(rows) +
                           " windows measured no energy above the idle baseline: the machine was "
                           "busier during the baseline than during them, or the meter is too "
                           "coarse for windows this short (raise --duration-s)");
  fit.design = design_rank(a, options.rank_tolerance);
  if (fit.design.rank < n) {
    std::string message = "the calibration design is singular (rank " +
                          std::to_string(fit.design.rank) + " of " + std::to_string(n) + ")";
    for (const auto& dir : fit.design.null_directions) {
      std::vector<std::string> involved;
      std::vector<std::size_t> columns;
      for (std::size_t j = 0; j < n; ++j)
        if (std::abs(dir[j]) > 0.1) {
          involved.push_back(coefs[j].key);
          columns.push_back(j);
        }
      bool exercised = false;
      for (const auto& ev : events)
        for (std::size_t j : columns)
          exercised |= j + 1 == n || ev.per_pass[j] != 0;
      if (involved.size() == 1 && !exercised) {
        message += "; no kernel exercises " + involved.front();
      } else {
        message += "; " + join_names(involved) + " cannot be told apart";
      }
    }
    std::vector<std::string> pairs;
    for (std::size_t i = 0; i < events.size(); ++i)
      for (std::size_t k = i + 1; k < events.size(); ++k) {
        const std::span<const double> x(events[i].per_pass.data(), n - 1);
        const std::span<const double> y(events[k].per_pass.data(), n - 1);
        if (cosine(x, y) > 1 - 1e-12)
          pairs.push_back(events[i].kernel + " and " + events[k].kernel);
      }
    if (!pairs.empty())
      message += "; kernels " + join_names(pairs) + " have proportional event mixes";
    message += ". Add a kernel whose events separate them; erg does not fit a singular design";
    throw SingularDesignError(message, "calibration design");
  }
  if (fit.design.condition_number > 1e8)
    fit.warnings.push_back("the design is ill-conditioned (condition number " +
                           fmt("%.3g", fit.design.condition_number) +
                           "): coefficients may be poorly determined; see their CIs");

  // Rows are weighted by 1 / |measured energy|: a meter's error grows with the energy it reads,
  // so unweighted least squares would let the 1% noise of a DRAM window (hundreds of mJ) drown
  // an L1 window's whole signal (a few mJ) in the coefficients they share. The floor keeps a
  // near-zero window from dominating.
  double b_max = 0;
  for (double v : b)
    b_max = std::max(b_max, std::abs(v));
  const double floor_j = std::max(1e-3 * b_max, std::numeric_limits<double>::min());
  Matrix aw(rows, n);
  std::vector<double> bw(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const double w = 1.0 / std::max(std::abs(b[r]), floor_j);
    for (std::size_t j = 0; j < n; ++j)
      aw(r, j) = a(r, j) * w;
    bw[r] = b[r] * w;
  }
  const NnlsResult x = nnls(aw, bw);
  if (!x.converged) fit.warnings.push_back("NNLS stopped at its iteration limit");
  fit.relative_rms_residual = x.residual_norm / std::sqrt(static_cast<double>(rows));

  // Bootstrap over repetitions: each resample draws, for every kernel, as many of its runs as it
  // has, with replacement.
  const auto groups = runs_by_kernel(measured);
  bool resamplable = false;
  for (const auto& g : groups)
    resamplable |= g.size() > 1;
  std::vector<std::vector<double>> draws(n);
  if (resamplable && options.bootstrap.resamples > 0) {
    std::mt19937_64 rng(options.bootstrap.seed);
    Matrix ar(rows, n);
    std::vector<double> br(rows);
    for (std::size_t s = 0; s < options.bootstrap.resamples; ++s) {
      std::size_t row = 0;
      for (const auto& g : groups) {
        if (g.empty()) continue;
        std::uniform_int_distribution<std::size_t> pick(0, g.size() - 1);
        for (std::size_t i = 0; i < g.size(); ++i, ++row) {
          const std::size_t src = g[pick(rng)];
          for (std::size_t j = 0; j < n; ++j)
            ar(row, j) = aw(src, j);
          br[row] = bw[src];
        }
      }
      const NnlsResult xs = nnls(ar, br);
      for (std::size_t j = 0; j < n; ++j)
        draws[j].push_back(xs.x[j]);
    }
    fit.bootstrap_resamples = options.bootstrap.resamples;
  } else {
    fit.warnings.push_back(
        "one repetition per kernel: no confidence intervals (use --repeat 3 or "
        "more)");
  }
  const double q = (1.0 - options.bootstrap.level) / 2.0;
  for (std::size_t j = 0; j < n; ++j) {
    FittedCoefficient c{coefs[j], x.x[j], kNan, kNan};
    auto& d = draws[j];
    if (!d.empty()) {
      std::sort(d.begin(), d.end());
      const auto count = static_cast<double>(d.size());
      const auto lo = static_cast<std::size_t>(std::max(1.0, std::ceil(q * count))) - 1;
      const auto hi = static_cast<std::size_t>(std::max(1.0, std::ceil((1 - q) * count))) - 1;
      c.ci_low = d[std::min(lo, d.size() - 1)];
      c.ci_high = d[std::min(hi, d.size() - 1)];
    }
    fit.coefficients.push_back(c);
  }

  for (std::size_t k = 0; k < groups.size(); ++k) {
    KernelResidual res;
    res.kernel = measured.kernel_names[k];
    for (std::size_t r : groups[k]) {
      double pred = 0;
      for (std::size_t j = 0; j < n; ++j)
        pred += a(r, j) * x.x[j];
      const double fixed = b[r] - measured.runs[r].window.net_total_energy_j;  // -fixed part
      res.measured_net_energy_j += measured.runs[r].window.net_total_energy_j;
      res.predicted_net_energy_j += pred - fixed;
    }
    if (!groups[k].empty()) {
      res.measured_net_energy_j /= static_cast<double>(groups[k].size());
      res.predicted_net_energy_j /= static_cast<double>(groups[k].size());
    }
    res.relative_residual =
        res.measured_net_energy_j != 0
            ? (res.predicted_net_energy_j - res.measured_net_energy_j) / res.measured_net_energy_j
            : kNan;
    fit.residuals.push_back(res);
  }
  return fit;
}

CalibrationProvenance current_provenance() {
  CalibrationProvenance p;
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "unknown-host");
  std::string cpu = "CPU model unknown (no 'model name' in /proc/cpuinfo)";
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) cpu = line.substr(colon + 2);
      break;
    }
  }
  p.machine = std::string(host) + " (" + cpu + ")";
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
  p.date_utc = date;
  return p;
}

std::string render_calibrated_preset(const simulator::Preset& base, const CalibrationFit& fit,
                                     const profiler::CalibrationMeasurement& measured,
                                     const CalibrationProvenance& prov) {
  const std::string copied = "copied from base preset " + base.name + " (" + base.file.string() +
                             "), which cites its own source";
  const std::string origin = "erg calibrate on " + prov.machine + ", " + prov.date_utc + ", " +
                             measured.energy_source + " energy, " + std::to_string(prov.repeat) +
                             " x " + fmt("%.3g", prov.duration_s) + " s per kernel";
  const std::string residual = "fit residual " + fmt("%.2f", 100 * fit.relative_rms_residual) +
                               "% RMS of net energy over " + std::to_string(fit.runs) + " runs";
  auto fitted_source = [&](const FittedCoefficient& c) {
    std::string s = origin + ": NNLS fit " + fmt("%.6g", c.value) + " " + c.coefficient.unit;
    if (std::isnan(c.ci_low)) {
      s += ", no CI (one repetition)";
    } else {
      s += ", 95% CI [" + fmt("%.6g", c.ci_low) + ", " + fmt("%.6g", c.ci_high) +
           "] (bootstrap over repetitions, " + std::to_string(fit.bootstrap_resamples) +
           " resamples)";
    }
    s += "; " + residual;
    if (!std::isnan(c.coefficient.base_value))
      s += "; base " + base.name + " had " + fmt("%.6g", c.coefficient.base_value);
    return s;
  };
  auto find = [&](const std::string& key) -> const FittedCoefficient& {
    for (const auto& c : fit.coefficients)
      if (c.coefficient.key == key) return c;
    throw Error("the fit has no coefficient " + key, "calibration fit");
  };

  const FittedCoefficient& active = find("active_static_power_w");
  const double total_static_w = measured.baseline_total_power_w + active.value;
  const double base_static = static_sum(base);
  auto static_share = [&](double base_w) { return base_static > 0 ? base_w / base_static : 0.0; };
  auto static_source = [&](double share) {
    std::string s = origin + ": idle baseline " + fmt("%.6g", measured.baseline_total_power_w) +
                    " W over " + fmt("%.3g", measured.baseline.duration_s) +
                    " s + fitted active static " + fmt("%.6g", active.value) + " W";
    if (!std::isnan(active.ci_low))
      s += " (95% CI [" + fmt("%.6g", active.ci_low) + ", " + fmt("%.6g", active.ci_high) + "])";
    s += " = " + fmt("%.6g", total_static_w) + " W in all; this is " + fmt("%.1f", 100 * share) +
         "% of it, the share base " + base.name + " gives it; " + residual;
    return s;
  };

  std::ostringstream out;
  out << "# Calibrated by " << origin << ".\n";
  if (!prov.command.empty()) out << "# Command: " << prov.command << "\n";
  out << "# Fitted constants cite the fit; the rest are copied from " << base.name << ".\n";
  out << "name = " << toml_string(base.name + "-calibrated") << "\n";
  out << "description = "
      << toml_string("Energies of " + base.name + "'s hierarchy fitted on " + prov.machine + " (" +
                     prov.date_utc + ")")
      << "\n";
  out << "inclusive = " << (base.hierarchy.inclusive ? "true" : "false") << "\n";

  for (std::size_t i = 0; i < base.hierarchy.levels.size(); ++i) {
    const auto& c = base.hierarchy.levels[i];
    const auto& e = base.energy.levels[i];
    const std::string prefix = "level." + c.name;
    out << "\n[[level]]\nname = " << toml_string(c.name) << "\n";
    out << cited("size_bytes", std::to_string(c.size_bytes), copied);
    out << cited("line_bytes", std::to_string(c.line_bytes), copied);
    out << cited("associativity", std::to_string(c.associativity), copied);
    out << "replacement = " << toml_string(simulator::to_string(c.replacement)) << "\n";
    out << "write_policy = " << toml_string(c.write_back ? "write-back" : "write-through") << "\n";
    out << "allocate_policy = "
        << toml_string(c.write_allocate ? "write-allocate" : "no-write-allocate") << "\n";
    out << cited("seed", std::to_string(c.seed), copied);
    out << "classify_misses = " << (c.classify_misses ? "true" : "false") << "\n";
    const auto& rd = find(prefix + ".read_energy_pj");
    const auto& wr = find(prefix + ".write_energy_pj");
    out << cited("read_energy_pj", toml_float(rd.value), fitted_source(rd));
    out << cited("write_energy_pj", toml_float(wr.value), fitted_source(wr));
    const double share = static_share(e.static_power_w);
    out << cited("static_power_w", toml_float(total_static_w * share), static_source(share));
  }
  if (base.hierarchy.scratchpad.size_bytes > 0) {
    const auto& s = base.energy.scratchpad;
    out << "\n[scratchpad]\n";
    out << cited("size_bytes", std::to_string(base.hierarchy.scratchpad.size_bytes), copied);
    out << cited("word_bytes", std::to_string(base.hierarchy.scratchpad.word_bytes), copied);
    out << cited("read_energy_pj", toml_float(s.read_energy_pj), copied + "; not calibrated");
    out << cited("write_energy_pj", toml_float(s.write_energy_pj), copied + "; not calibrated");
    out << cited("static_power_w", toml_float(s.static_power_w), copied + "; not calibrated");
  }
  const auto& dc = base.hierarchy.dram;
  const auto& de = base.energy.dram;
  out << "\n[dram]\n";
  out << cited("channels", std::to_string(dc.channels), copied);
  out << cited("ranks", std::to_string(dc.ranks), copied);
  out << cited("banks", std::to_string(dc.banks), copied);
  out << cited("rows", std::to_string(dc.rows), copied);
  out << cited("row_bytes", std::to_string(dc.row_bytes), copied);
  out << cited("burst_bytes", std::to_string(dc.burst_bytes), copied);
  out << "mapping = " << toml_string(dc.mapping) << "\n";
  const auto& dr = find("dram.read_energy_pj_per_bit");
  const auto& dw = find("dram.write_energy_pj_per_bit");
  out << cited("read_energy_pj_per_bit", toml_float(dr.value),
               fitted_source(dr) + "; includes the interface (I/O) energy");
  out << cited("write_energy_pj_per_bit", toml_float(dw.value),
               fitted_source(dw) + "; includes the interface (I/O) energy");
  out << cited("activation_energy_pj", toml_float(de.activation_energy_pj),
               copied +
                   "; held fixed: streaming kernels open rows in proportion to their bits, "
                   "so a fit cannot separate it from the per-bit energy");
  const double bg_share = static_share(de.background_power_w);
  const double rf_share = static_share(de.refresh_power_w);
  out << cited("background_power_w",
               toml_float(base_static > 0 ? total_static_w * bg_share : total_static_w),
               static_source(base_static > 0 ? bg_share : 1.0));
  out << cited("refresh_power_w", toml_float(total_static_w * rf_share), static_source(rf_share));
  out << cited("io_energy_pj_per_bit", "0.0",
               origin +
                   ": folded into read/write_energy_pj_per_bit (RAPL's DRAM domain does not "
                   "separate core and interface energy)");
  out << cited("bandwidth_bytes_per_s",
               toml_float(base.hierarchy.roofline.dram_bandwidth_bytes_per_s), copied);

  static constexpr std::array<std::string_view, kPrecisionCount> kPrecisions{"fp32", "fp16", "int8",
                                                                             "int4"};
  out << "\n[mac_energy_pj]\n";
  for (std::size_t p = 0; p < kPrecisionCount; ++p) {
    const std::string key = "mac_energy_pj." + std::string(kPrecisions[p]);
    if (p == kFp32 || p == kInt8) {
      const auto& c = find(key);
      out << cited(kPrecisions[p], toml_float(c.value), fitted_source(c));
    } else {
      out << cited(kPrecisions[p], toml_float(base.energy.mac_energy_pj[p]),
                   copied + "; no calibration kernel for this precision");
    }
  }
  out << "\n[peak_macs_per_s]\n";
  for (std::size_t p = 0; p < kPrecisionCount; ++p)
    out << cited(kPrecisions[p], toml_float(base.hierarchy.roofline.peak_macs_per_s[p]), copied);
  return out.str();
}

std::string format_calibration_table(const CalibrationFit& fit) {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof(line), "  %-34s %-7s %12s %12s %25s %10s\n", "coefficient", "unit",
                "base", "fitted", "95% CI", "fit/base");
  out << line;
  for (const auto& c : fit.coefficients) {
    const std::string base =
        std::isnan(c.coefficient.base_value) ? "-" : fmt("%.5g", c.coefficient.base_value);
    const std::string ci = std::isnan(c.ci_low)
                               ? "-"
                               : "[" + fmt("%.5g", c.ci_low) + ", " + fmt("%.5g", c.ci_high) + "]";
    const std::string ratio = std::isnan(c.coefficient.base_value) || c.coefficient.base_value == 0
                                  ? "-"
                                  : fmt("%.3f", c.value / c.coefficient.base_value);
    std::snprintf(line, sizeof(line), "  %-34s %-7s %12s %12s %25s %10s\n",
                  c.coefficient.key.c_str(), c.coefficient.unit.c_str(), base.c_str(),
                  fmt("%.5g", c.value).c_str(), ci.c_str(), ratio.c_str());
    out << line;
  }
  return out.str();
}

}  // namespace erg::sweep
