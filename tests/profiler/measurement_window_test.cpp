#include "profiler/measurement_window.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "core/error.hpp"
#include "profiler/idle_baseline.hpp"
#include "profiler/powercap_source.hpp"
#include "profiler/profile_json.hpp"
#include "profiler/repetition.hpp"
#include "tests/profiler/fake_trees.hpp"

namespace erg::profiler {
namespace {

using testing::add_zone;
using testing::set_energy;
using testing::TempDir;

std::unique_ptr<EnergySource> fake_source(const std::filesystem::path& root) {
  PowercapOptions options;
  options.root = root;
  options.start_poller = false;
  return std::make_unique<PowercapSource>(options);
}

// Energy per domain is the difference of the monotonic counters between begin and end; the
// total counts package + dram, not core (inside package).
TEST(EnergyMonitor, WindowReportsEnergyPerDomainAndTotal) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 1'000'000);
  add_zone(tmp.path(), "intel-rapl:0:0", "core", 0);
  add_zone(tmp.path(), "intel-rapl:0:1", "dram", 0);
  EnergyMonitor monitor(fake_source(tmp.path()));
  monitor.begin_window("outer");
  set_energy(tmp.path(), "intel-rapl:0", 3'000'000);  // +2 J
  set_energy(tmp.path(), "intel-rapl:0:0", 1'500'000);
  monitor.begin_window("inner");                      // nested
  set_energy(tmp.path(), "intel-rapl:0:1", 250'000);  // +0.25 J
  const auto inner = monitor.end_window("inner");
  set_energy(tmp.path(), "intel-rapl:0", 4'000'000);  // +1 J
  const auto outer = monitor.end_window("outer");
  ASSERT_TRUE(outer.energy_available);
  EXPECT_EQ(outer.energy_source, "powercap");
  ASSERT_EQ(outer.domains.size(), 3u);
  EXPECT_DOUBLE_EQ(outer.domains[0].energy_j, 3.0);
  EXPECT_DOUBLE_EQ(outer.domains[1].energy_j, 1.5);
  EXPECT_DOUBLE_EQ(outer.domains[2].energy_j, 0.25);
  EXPECT_DOUBLE_EQ(outer.total_energy_j, 3.25);
  EXPECT_DOUBLE_EQ(outer.total_power_w, 3.25 / outer.time_s);
  EXPECT_DOUBLE_EQ(inner.domains[0].energy_j, 0.0);
  EXPECT_DOUBLE_EQ(inner.domains[2].energy_j, 0.25);
  EXPECT_LE(inner.time_s, outer.time_s);
  EXPECT_FALSE(outer.baseline_subtracted);
  EXPECT_DOUBLE_EQ(outer.net_total_energy_j, 3.25);  // nothing subtracted
}

TEST(EnergyMonitor, OverlappingWindowsAndMisuse) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 0);
  EnergyMonitor monitor(fake_source(tmp.path()));
  monitor.begin_window("a");
  set_energy(tmp.path(), "intel-rapl:0", 100);
  monitor.begin_window("b");
  set_energy(tmp.path(), "intel-rapl:0", 300);
  const auto a = monitor.end_window("a");  // ends before b: overlap, not nesting
  set_energy(tmp.path(), "intel-rapl:0", 600);
  const auto b = monitor.end_window("b");
  EXPECT_DOUBLE_EQ(a.domains[0].energy_j, 300e-6);
  EXPECT_DOUBLE_EQ(b.domains[0].energy_j, 500e-6);
  EXPECT_THROW(monitor.end_window("a"), Error);
  monitor.begin_window("c");
  EXPECT_THROW(monitor.begin_window("c"), Error);
  EXPECT_TRUE(monitor.is_window_open("c"));
}

TEST(EnergyMonitor, WithoutEnergySaysWhyAndStillTimes) {
  EnergyMonitor monitor(nullptr, "no RAPL on this VM");
  monitor.begin_window("w");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto w = monitor.end_window("w");
  EXPECT_FALSE(w.energy_available);
  EXPECT_EQ(w.energy_unavailable_reason, "no RAPL on this VM");
  EXPECT_GE(w.time_s, 0.020);
  EXPECT_TRUE(w.domains.empty());
  const auto json = to_json(w);
  EXPECT_EQ(json["energy"]["available"], false);
  EXPECT_EQ(json["energy"]["reason"], "no RAPL on this VM");
  EXPECT_FALSE(json["energy"].contains("total_energy_j"));
}

TEST(EnergyMonitor, CountsSoftwareEventsInWindows) {
  const std::string_view names[] = {"page-faults", "task-clock"};
  auto counters = std::make_unique<CounterSet>(names, CounterTarget{}, 2);
  EnergyMonitor monitor(nullptr, "none", std::move(counters));
  monitor.begin_window("w");
  std::vector<char> big(64 * 4096 * 4);
  for (std::size_t i = 0; i < big.size(); i += 4096)
    big[i] = 1;
  const auto w = monitor.end_window("w");
  ASSERT_EQ(w.counters.size(), 2u);
  EXPECT_EQ(w.counters[0].name, "page-faults");
  EXPECT_TRUE(w.counters[0].counted);
  EXPECT_GT(w.counters[1].raw, 0u);
}

// A constant 2 W idle load for the baseline, then the same load during the window: net energy
// is raw minus 2 W x time, which is about zero.
TEST(EnergyMonitor, IdleBaselineIsSubtracted) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 0, 1'000'000'000'000ULL);
  PowercapOptions options;
  options.root = tmp.path();
  auto source = std::make_unique<PowercapSource>(options);
  testing::EnergyWriter writer(tmp.path() / "intel-rapl:0/energy_uj", 2.0, 0, 1'000'000'000'000ULL);
  writer.wait_until_running();
  const auto baseline = measure_idle_baseline(*source, 0.3);
  EXPECT_NEAR(baseline.power_w[0], 2.0, 2.0 * 0.05);
  EXPECT_THROW(measure_idle_baseline(*source, 0), Error);
  EnergyMonitor monitor(std::move(source));
  monitor.set_baseline(baseline);
  monitor.begin_window("w");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto w = monitor.end_window("w");
  EXPECT_TRUE(w.baseline_subtracted);
  EXPECT_NEAR(w.total_energy_j, 2.0 * w.time_s, 2.0 * w.time_s * 0.05);
  EXPECT_NEAR(w.net_total_energy_j, w.total_energy_j - baseline.power_w[0] * w.time_s, 1e-12);
  EXPECT_NEAR(w.net_total_energy_j, 0.0, 0.05 * w.total_energy_j);
  EXPECT_TRUE(to_json(w)["energy"]["domains"][0].contains("net_energy_j"));
}

// The live test: a helper thread makes the zone draw 8 W with a 2 J wrap point (a wrap every
// 0.25 s); the window reads only at its ends, so the poller (interval 2 J / 16 W / 2 = 62.5 ms)
// must catch every wrap. Expected energy = 8 W x window time, within 2%.
TEST(EnergyMonitor, LiveWindowAcrossSeveralWrapsWithinTwoPercent) {
  TempDir tmp;
  const std::uint64_t max_uj = 2'000'000;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 0, max_uj, 16'000'000);
  testing::EnergyWriter writer(tmp.path() / "intel-rapl:0/energy_uj", 8.0, 0, max_uj);
  writer.wait_until_running();
  PowercapOptions options;
  options.root = tmp.path();
  auto source = std::make_unique<PowercapSource>(options);
  EXPECT_DOUBLE_EQ(source->poll_interval_s(), 0.0625);
  auto* raw_source = source.get();
  EnergyMonitor monitor(std::move(source));
  monitor.begin_window("live");
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const auto w = monitor.end_window("live");
  EXPECT_GE(writer.wraps(), 3);  // 8 J at 2 J a wrap
  EXPECT_NEAR(w.domains[0].energy_j, 8.0 * w.time_s, 8.0 * w.time_s * 0.02);
  EXPECT_EQ(static_cast<PowercapSource*>(raw_source)->dropped_samples()[0], 0u);
}

TEST(Repetition, RepeatsAfterWarmupAndSummarizes) {
  EnergyMonitor monitor(nullptr, "none");
  int calls = 0;
  const auto report = repeat(monitor, "body", 5, 2, [&] {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  EXPECT_EQ(calls, 7);
  EXPECT_EQ(report.runs.size(), 5u);
  EXPECT_EQ(report.time_s.n, 5u);
  EXPECT_GE(report.time_s.mean, 0.005);
  EXPECT_FALSE(report.total_energy_j.has_value());
  EXPECT_THROW(repeat(monitor, "x", 0, 0, [] {}), Error);
}

TEST(Repetition, WarnsWhenEnergyVariesALot) {
  std::vector<WindowResult> runs(3);
  const double energies[] = {1.0, 2.0, 3.0};  // CV = 1 / 2 = 50%
  for (int i = 0; i < 3; ++i) {
    runs[i].time_s = 1.0;
    runs[i].energy_available = true;
    runs[i].total_energy_j = energies[i];
    runs[i].domains.push_back({"package-0", true, energies[i], energies[i], energies[i]});
  }
  const auto report = summarize_runs(runs);
  ASSERT_TRUE(report.total_energy_j);
  EXPECT_DOUBLE_EQ(report.total_energy_j->mean, 2.0);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("total energy"), std::string::npos);
  EXPECT_NE(report.warnings[0].find("50.0%"), std::string::npos);
  const auto json = to_json(report);
  EXPECT_EQ(json["repetitions"], 3);
  EXPECT_DOUBLE_EQ(json["domain_energy_j"]["package-0"]["mean"].get<double>(), 2.0);
}

}  // namespace
}  // namespace erg::profiler
