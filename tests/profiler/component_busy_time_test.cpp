#include "profiler/component_busy_time.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "core/component_registry.hpp"
#include "core/error.hpp"
#include "profiler/powercap_source.hpp"
#include "tests/profiler/fake_trees.hpp"

// The busy-time tracker on hand-driven event sequences: a clock the test sets and a fake
// powercap tree whose energy_uj the test rewrites between events, so every expectation below is
// the arithmetic of the values written.
namespace erg::profiler {
namespace {

using testing::add_zone;
using testing::set_energy;
using testing::TempDir;

std::int64_t g_now_ns = 0;
std::int64_t test_clock() {
  return g_now_ns;
}

std::unique_ptr<EnergySource> fake_source(const std::filesystem::path& root) {
  PowercapOptions options;
  options.root = root;
  options.start_poller = false;
  return std::make_unique<PowercapSource>(options);
}

struct Ids {
  ComponentId enc = ComponentRegistry::global().intern("busy_test.enc");
  ComponentId layer = ComponentRegistry::global().intern("busy_test.enc.layer");
  ComponentId head = ComponentRegistry::global().intern("busy_test.head");
  ComponentId never = ComponentRegistry::global().intern("busy_test.never");
};

TEST(ComponentBusyTracker, TimesNestedAndRepeatedInvocationsAndMeasuresEnergyInsideThem) {
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 1'000'000);
  add_zone(tmp.path(), "intel-rapl:0:0", "dram", 0);
  auto source = fake_source(tmp.path());
  const Ids id;
  ComponentBusyTracker tracker(source.get(), {id.enc, id.head}, &test_clock);

  // enc [1 ms, 6 ms) with layer [2 ms, 5 ms) nested inside it; +2 J package, +0.5 J dram.
  g_now_ns = 1'000'000;
  tracker.on_invocation(id.enc);
  g_now_ns = 2'000'000;
  tracker.on_invocation(id.layer);
  g_now_ns = 5'000'000;
  tracker.on_invocation_end(id.layer);
  set_energy(tmp.path(), "intel-rapl:0", 3'000'000);
  set_energy(tmp.path(), "intel-rapl:0:0", 500'000);
  g_now_ns = 6'000'000;
  tracker.on_invocation_end(id.enc);
  // Between invocations: +7 J that no component may claim.
  set_energy(tmp.path(), "intel-rapl:0", 10'000'000);
  // head twice: [10, 10.5) ms with +0.25 J, then [20, 21) ms with +0.75 J (package).
  g_now_ns = 10'000'000;
  tracker.on_invocation(id.head);
  set_energy(tmp.path(), "intel-rapl:0", 10'250'000);
  g_now_ns = 10'500'000;
  tracker.on_invocation_end(id.head);
  g_now_ns = 20'000'000;
  tracker.on_invocation(id.head);
  set_energy(tmp.path(), "intel-rapl:0", 11'000'000);
  g_now_ns = 21'000'000;
  tracker.on_invocation_end(id.head);
  // layer re-entered: [30, 34) ms holds an inner [31, 32) ms; two more invocations, 4 ms more.
  g_now_ns = 30'000'000;
  tracker.on_invocation(id.layer);
  g_now_ns = 31'000'000;
  tracker.on_invocation(id.layer);
  g_now_ns = 32'000'000;
  tracker.on_invocation_end(id.layer);
  g_now_ns = 34'000'000;
  tracker.on_invocation_end(id.layer);
  tracker.on_invocation(kNoComponent);  // events without a component are ignored
  tracker.on_invocation_end(kNoComponent);
  EXPECT_NO_THROW(tracker.check());

  const auto enc = tracker.result(id.enc);
  EXPECT_EQ(enc.invocations, 1u);
  EXPECT_DOUBLE_EQ(enc.busy_s, 5e-3);  // inclusive of the nested layer
  ASSERT_TRUE(enc.energy_measured);
  ASSERT_EQ(enc.energy_j.size(), 2u);  // package-0, package-0/dram
  EXPECT_DOUBLE_EQ(enc.energy_j[0], 2.0);
  EXPECT_DOUBLE_EQ(enc.energy_j[1], 0.5);
  EXPECT_DOUBLE_EQ(enc.total_energy_j, 2.5);  // package + dram are both in the total

  const auto head = tracker.result(id.head);
  EXPECT_EQ(head.invocations, 2u);
  EXPECT_DOUBLE_EQ(head.busy_s, 1.5e-3);
  EXPECT_DOUBLE_EQ(head.energy_j[0], 1.0);  // 0.25 + 0.75, not the 7 J between invocations
  EXPECT_DOUBLE_EQ(head.energy_j[1], 0.0);

  const auto layer = tracker.result(id.layer);
  EXPECT_EQ(layer.invocations, 3u);      // every begin counts, as the engines count
  EXPECT_DOUBLE_EQ(layer.busy_s, 7e-3);  // 3 ms + the outer 4 ms of the re-entered pair
  EXPECT_FALSE(layer.energy_measured);   // not chosen: no reads, no energy
  EXPECT_TRUE(layer.energy_j.empty());

  const auto never = tracker.result(id.never);
  EXPECT_EQ(never.invocations, 0u);
  EXPECT_DOUBLE_EQ(never.busy_s, 0.0);

  tracker.reset();
  EXPECT_EQ(tracker.result(id.enc).invocations, 0u);
  EXPECT_DOUBLE_EQ(tracker.result(id.enc).energy_j[0], 0.0);
  EXPECT_TRUE(tracker.result(id.enc).energy_measured);  // still chosen after a reset
}

// Without a source the tracker times everything; asking it to measure energy then is an error.
TEST(ComponentBusyTracker, TimeOnlyWithoutASource) {
  const Ids id;
  ComponentBusyTracker tracker(nullptr, {}, &test_clock);
  g_now_ns = 100;
  tracker.on_invocation(id.head);
  g_now_ns = 350;
  tracker.on_invocation_end(id.head);
  const auto head = tracker.result(id.head);
  EXPECT_EQ(head.invocations, 1u);
  EXPECT_DOUBLE_EQ(head.busy_s, 250e-9);
  EXPECT_FALSE(head.energy_measured);
  EXPECT_THROW(ComponentBusyTracker(nullptr, {id.head}), Error);

  // With the real clock, a busy interval is non-negative and counted.
  ComponentBusyTracker real;
  real.on_invocation(id.enc);
  real.on_invocation_end(id.enc);
  EXPECT_GE(real.result(id.enc).busy_s, 0.0);
  EXPECT_EQ(real.result(id.enc).invocations, 1u);
}

// Misuse and failures surface from check()/result(), never from the events (ends run in
// destructors).
TEST(ComponentBusyTracker, UnpairedEventsAndFailedReadsAreReportedAfterwards) {
  const Ids id;
  {
    ComponentBusyTracker tracker(nullptr, {}, &test_clock);
    EXPECT_NO_THROW(tracker.on_invocation_end(id.enc));
    EXPECT_THROW(tracker.check(), Error);
    EXPECT_THROW((void)tracker.result(id.enc), Error);
    tracker.reset();
    EXPECT_NO_THROW(tracker.check());
    tracker.on_invocation(id.enc);  // never ended
    try {
      tracker.check();
      FAIL() << "expected erg::Error";
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), "busy_test.enc");
    }
  }
  TempDir tmp;
  add_zone(tmp.path(), "intel-rapl:0", "package-0", 0);
  auto source = fake_source(tmp.path());
  ComponentBusyTracker tracker(source.get(), {id.head}, &test_clock);
  tracker.on_invocation(id.head);
  testing::write_file(tmp.path() / "intel-rapl:0/energy_uj", "12a4\n");  // garbage mid-run
  EXPECT_NO_THROW(tracker.on_invocation_end(id.head));
  try {
    tracker.check();
    FAIL() << "expected erg::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("reading energy at a component invocation failed"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace erg::profiler
