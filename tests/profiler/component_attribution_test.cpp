#include "profiler/component_attribution.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "core/component_registry.hpp"
#include "core/error.hpp"
#include "profiler/powercap_source.hpp"
#include "tests/profiler/fake_trees.hpp"

// The window-or-repeat attribution without an engine: hand-driven invocations on a clock the
// test sets and a fake powercap tree whose energy_uj the test rewrites, so each expectation is
// the arithmetic of the values written. The engines' use of it is tested through erg profile
// asr|llm in tests/sweep/profile_model_test.cpp.
namespace erg::profiler {
namespace {

using testing::add_zone;
using testing::set_energy;
using testing::TempDir;

std::int64_t g_now_ns = 0;
std::int64_t test_clock() {
  return g_now_ns;
}

ComponentId id(const char* name) {
  return ComponentRegistry::global().intern(name);
}

// `n` invocations of `component`, each `ms` long, back to back on the test clock.
void invoke(AccessSink& sink, const char* component, int n, std::int64_t ms) {
  for (int i = 0; i < n; ++i) {
    sink.on_invocation(id(component));
    g_now_ns += ms * 1'000'000;
    sink.on_invocation_end(id(component));
  }
}

const AttributionThresholds kThresholds{0.050, 0.010};  // 50 ms busy, 10 ms per invocation

TEST(ComponentAttribution, PlanPicksWindowOrRepeatedAndSaysWhy) {
  ComponentBusyTracker real(nullptr, {}, &test_clock);
  invoke(real, "attr_test.long", 2, 30);  // busy 60 ms, mean 30 ms: both thresholds met
  invoke(real, "attr_test.short", 4, 1);  // busy 4 ms, mean 1 ms: neither
  auto c = plan_component(real, kThresholds, "attr_test.long", 2);
  EXPECT_EQ(c.method, "window");
  EXPECT_EQ(c.method_reason, "busy 60 ms >= 50 ms and mean invocation 30 ms >= 10 ms");
  EXPECT_EQ(c.real_invocations, 2u);
  EXPECT_DOUBLE_EQ(c.busy_time_s, 0.060);
  c = plan_component(real, kThresholds, "attr_test.short", 4);
  EXPECT_EQ(c.method, "repeated");
  EXPECT_EQ(c.method_reason, "busy 4 ms < 50 ms; mean invocation 1 ms < 10 ms");
  c = plan_component(real, kThresholds, "attr_test.never", 0);
  EXPECT_EQ(c.method, "repeated");
  EXPECT_EQ(c.method_reason, "not invoked in the real run");
  // The hook and the engine must count the same calls.
  EXPECT_THROW(plan_component(real, kThresholds, "attr_test.long", 3), Error);
}

TEST(ComponentAttribution, WindowWithoutASourceReportsBusyTimeAlone) {
  ComponentBusyTracker real(nullptr, {}, &test_clock);
  invoke(real, "attr_test.long", 2, 30);
  EnergyMonitor monitor(nullptr, "no RAPL here");
  const std::vector<ComponentProfile> planned{
      plan_component(real, kThresholds, "attr_test.long", 2)};
  bool reran = false;
  const auto measured = measure_windows(monitor, planned, [&](AccessSink&) { reran = true; });
  EXPECT_EQ(measured, nullptr);
  EXPECT_FALSE(reran);  // nothing to read, so no second run
  const auto c = window_component(monitor, planned[0], measured.get());
  EXPECT_EQ(c.measured_invocations, 2u);
  EXPECT_DOUBLE_EQ(c.window.time_s, 0.060);
  EXPECT_DOUBLE_EQ(c.time_per_invocation_s, 0.030);
  EXPECT_DOUBLE_EQ(c.attributed_time_s, 0.060);
  EXPECT_FALSE(c.window.energy_available);
  EXPECT_EQ(c.window.energy_unavailable_reason, "no RAPL here");
  EXPECT_FALSE(c.energy_per_invocation_j.has_value());
  EXPECT_FALSE(c.attributed_energy_j.has_value());
}

TEST(ComponentAttribution, WindowEnergyIsTheSumOverItsOwnInvocations) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 1'000'000);
  PowercapOptions options;
  options.root = tmp.path();
  options.start_poller = false;
  EnergyMonitor monitor(std::make_unique<PowercapSource>(options));
  ComponentBusyTracker real(nullptr, {}, &test_clock);
  invoke(real, "attr_test.long", 2, 30);
  const std::vector<ComponentProfile> planned{
      plan_component(real, kThresholds, "attr_test.long", 2)};
  // The second run: +2 J inside each invocation, +7 J between them that it may not claim.
  std::uint64_t uj = 1'000'000;
  const auto rerun = [&](int invocations) {
    return [&, invocations](AccessSink& sink) {
      for (int i = 0; i < invocations; ++i) {
        sink.on_invocation(id("attr_test.long"));
        set_energy(tmp.path(), "intel-rapl:0", uj += 2'000'000);
        sink.on_invocation_end(id("attr_test.long"));
        set_energy(tmp.path(), "intel-rapl:0", uj += 7'000'000);
      }
    };
  };
  const auto measured = measure_windows(monitor, planned, rerun(2));
  ASSERT_NE(measured, nullptr);
  const auto c = window_component(monitor, planned[0], measured.get());
  EXPECT_TRUE(c.window.energy_available);
  EXPECT_EQ(c.window.energy_source, "powercap");
  ASSERT_EQ(c.window.domains.size(), 1u);
  EXPECT_DOUBLE_EQ(c.window.domains[0].energy_j, 4.0);
  EXPECT_DOUBLE_EQ(c.window.total_energy_j, 4.0);
  EXPECT_DOUBLE_EQ(*c.energy_per_invocation_j, 2.0);
  EXPECT_DOUBLE_EQ(*c.attributed_energy_j, 4.0);
  EXPECT_DOUBLE_EQ(c.attributed_time_s, 0.060);  // time stays the real run's
  EXPECT_DOUBLE_EQ(attributed_energy_sum_j({c, c}), 8.0);
  // A second run that invokes it a different number of times is not the same workload.
  const auto other = measure_windows(monitor, planned, rerun(3));
  EXPECT_THROW(window_component(monitor, planned[0], other.get()), Error);
}

TEST(ComponentAttribution, RepeatedCountsTheEnginesRepetitionsAndScalesToTheRealCount) {
  ComponentBusyTracker real(nullptr, {}, &test_clock);
  invoke(real, "attr_test.short", 4, 1);
  EnergyMonitor monitor(nullptr, "no RAPL here");
  const AttributionThresholds thresholds{0.002, 0.010};
  std::uint64_t engine = 0;
  const auto c = repeat_component(
      monitor, thresholds, plan_component(real, thresholds, "attr_test.short", 4), "one step",
      [&] { engine += 2; }, [&] { return engine; });
  EXPECT_EQ(c.method, "repeated");
  EXPECT_EQ(c.invocation, "one step");
  // The warm-up call is outside the window; each loop pass is 2 engine invocations.
  EXPECT_EQ(c.repetitions, engine - 2);
  EXPECT_EQ(c.repetitions % 2, 0u);
  EXPECT_GE(c.window.time_s, 0.002);
  EXPECT_DOUBLE_EQ(c.time_per_invocation_s, c.window.time_s / double(c.repetitions));
  EXPECT_DOUBLE_EQ(c.attributed_time_s, c.time_per_invocation_s * 4);
  EXPECT_FALSE(c.energy_per_invocation_j.has_value());
  EXPECT_EQ(c.window.energy_unavailable_reason, "no RAPL here");
  // A loop body the engine did not count cannot give per-invocation figures.
  EXPECT_THROW(repeat_component(
                   monitor, thresholds, plan_component(real, thresholds, "attr_test.short", 4),
                   "nothing", [] {}, [] { return std::uint64_t{0}; }),
               Error);
}

}  // namespace
}  // namespace erg::profiler
