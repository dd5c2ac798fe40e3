#include "profiler/repetition.hpp"

#include <cstdio>

#include "core/error.hpp"

namespace erg::profiler {
namespace {

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", fraction * 100);
  return buf;
}

}  // namespace

RepetitionReport summarize_runs(std::vector<WindowResult> runs, double high_cv) {
  if (runs.empty()) throw Error("no repetitions to summarize", "repeat");
  RepetitionReport report;
  auto warn_if_high = [&](const std::string& what, const Summary& s) {
    if (s.high_cv) {
      report.warnings.push_back(what + " varies across repetitions: CV " + percent(*s.cv) + " > " +
                                percent(high_cv) +
                                " (close other programs, pin the CPU frequency, or add "
                                "repetitions)");
    }
  };
  std::vector<double> values;
  auto collect = [&](auto get) {
    values.clear();
    for (const auto& r : runs)
      values.push_back(get(r));
    return summarize(values, high_cv);
  };
  report.time_s = collect([](const WindowResult& r) { return r.time_s; });
  warn_if_high("time", report.time_s);
  const auto& first = runs.front();
  if (first.energy_available) {
    report.total_energy_j = collect([](const WindowResult& r) { return r.total_energy_j; });
    warn_if_high("total energy", *report.total_energy_j);
    if (first.baseline_subtracted) {
      report.net_total_energy_j =
          collect([](const WindowResult& r) { return r.net_total_energy_j; });
    }
    for (std::size_t d = 0; d < first.domains.size(); ++d) {
      report.domain_energy_j.emplace_back(
          first.domains[d].name, collect([d](const WindowResult& r) {
            return d < r.domains.size() ? r.domains[d].energy_j : 0.0;
          }));
    }
  }
  for (std::size_t c = 0; c < first.counters.size(); ++c) {
    bool all_counted = true;
    for (const auto& r : runs)
      all_counted = all_counted && c < r.counters.size() && r.counters[c].counted;
    if (!all_counted) continue;
    report.counters.emplace_back(first.counters[c].name, collect([c](const WindowResult& r) {
                                   return r.counters[c].scaled;
                                 }));
  }
  report.runs = std::move(runs);
  return report;
}

RepetitionReport repeat(EnergyMonitor& monitor, std::string_view name, int repetitions, int warmup,
                        const std::function<void()>& body) {
  if (repetitions < 1) throw Error("repetitions must be at least 1", "repeat");
  if (warmup < 0) throw Error("warm-up count must not be negative", "warmup");
  for (int i = 0; i < warmup; ++i)
    body();
  std::vector<WindowResult> runs;
  for (int i = 0; i < repetitions; ++i) {
    monitor.begin_window(name);
    body();
    runs.push_back(monitor.end_window(name));
  }
  return summarize_runs(std::move(runs));
}

}  // namespace erg::profiler
