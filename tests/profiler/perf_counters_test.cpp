#include "profiler/perf_counters.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>

#include "core/error.hpp"
#include "tests/profiler/fake_trees.hpp"

namespace erg::profiler {
namespace {

using testing::FakePerfSyscalls;

const CounterValue& find(const std::vector<CounterValue>& values, std::string_view name) {
  auto it = std::find_if(values.begin(), values.end(),
                         [&](const CounterValue& v) { return v.name == name; });
  if (it == values.end()) throw std::runtime_error("no counter " + std::string(name));
  return *it;
}

// Real software events on this machine: writing to 64 fresh anonymous pages faults each page
// in once, so page-faults counts at least 64.
TEST(CounterSet, CountsRealSoftwareEvents) {
  const std::string_view names[] = {"task-clock", "page-faults", "context-switches"};
  CounterSet counters(names, CounterTarget{}, 2);
  ASSERT_EQ(counters.supported_count(), 3u) << counters.values()[0].reason;
  counters.reset();
  counters.enable();
  const std::size_t pages = 64;
  const long page = ::sysconf(_SC_PAGESIZE);
  void* mem =
      ::mmap(nullptr, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  for (std::size_t i = 0; i < pages; ++i)
    static_cast<volatile char*>(mem)[i * page] = 1;
  counters.disable();
  ::munmap(mem, pages * page);
  const auto values = counters.values();
  EXPECT_GE(find(values, "page-faults").raw, pages);
  EXPECT_GT(find(values, "task-clock").raw, 0u);  // nanoseconds on the CPU
  for (const auto& v : values) {
    EXPECT_TRUE(v.counted) << v.name;
    EXPECT_DOUBLE_EQ(v.running_fraction, 1.0) << v.name;  // software events never multiplex
  }
}

// Every catalog event is either counted or says why not (a VM lacks the hardware ones).
TEST(CounterSet, CatalogEventsAreSupportedOrExplained) {
  CounterSet counters(CounterTarget{}, 2);
  counters.enable();
  for (const auto& v : counters.values()) {
    if (v.supported) {
      EXPECT_TRUE(v.reason.empty()) << v.name;
    } else {
      EXPECT_FALSE(v.reason.empty()) << v.name;
      EXPECT_TRUE(v.hardware) << v.name << ": " << v.reason;
    }
  }
  const std::string_view bogus[] = {"cycles", "bogus"};
  EXPECT_THROW(CounterSet(bogus, CounterTarget{}, 2), Error);
}

// Hardware paths through the fake layer: three groups, each with a disabled leader; members
// join the leader's fd; read_format asks for group, times and ids.
TEST(CounterSet, OpensGroupsWithLeadersAndReadFormat) {
  FakePerfSyscalls fake;
  CounterSet counters(CounterTarget{}, 2, fake);
  ASSERT_EQ(fake.opened.size(), 10u);
  const int hw_leader = FakePerfSyscalls::kFirstFd;  // cycles
  for (const auto& o : fake.opened) {
    EXPECT_EQ(o.attr.read_format,
              static_cast<std::uint64_t>(PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
                                         PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID));
    EXPECT_EQ(o.attr.exclude_kernel, 1u);  // paranoid 2
    EXPECT_EQ(o.flags, static_cast<unsigned long>(PERF_FLAG_FD_CLOEXEC));
  }
  // Catalog order: 4 generic hw, 2 LLC, branch-misses, 3 software. Groups: hw (cycles leads,
  // branch-misses joins it), LLC (LLC-loads leads), software (task-clock leads).
  EXPECT_EQ(fake.opened[0].group_fd, -1);
  EXPECT_EQ(fake.opened[0].attr.disabled, 1u);
  EXPECT_EQ(fake.opened[1].group_fd, hw_leader);
  EXPECT_EQ(fake.opened[1].attr.disabled, 0u);
  EXPECT_EQ(fake.opened[4].group_fd, hw_leader);  // branch-misses
  EXPECT_EQ(fake.opened[5].group_fd, -1);         // LLC-loads
  EXPECT_EQ(fake.opened[5].attr.config, 0x2u);    // LL | READ << 8 | ACCESS << 16
  EXPECT_EQ(fake.opened[6].attr.config, 0x10002u);
  EXPECT_EQ(fake.opened[6].group_fd, FakePerfSyscalls::kFirstFd + 5);
  EXPECT_EQ(fake.opened[7].group_fd, -1);  // task-clock
  counters.enable();
  std::size_t group_enables = 0;
  for (const auto& [fd, request] : fake.ioctls)
    group_enables += request == PERF_EVENT_IOC_ENABLE ? 1 : 0;
  EXPECT_EQ(group_enables, 3u);
  FakePerfSyscalls fake_paranoid1;
  CounterSet privileged(CounterTarget{}, 1, fake_paranoid1);
  EXPECT_EQ(fake_paranoid1.opened[0].attr.exclude_kernel, 0u);
}

// Multiplexing: 100 counts while running 250 of 1000 ns enabled estimate 100 x 1000/250 = 400.
TEST(CounterSet, ScalesMultiplexedCountsAndFlagsNeverCounted) {
  FakePerfSyscalls fake;
  const std::string_view names[] = {"cycles", "instructions"};
  CounterSet counters(names, CounterTarget{}, 2, fake);
  const auto begin = counters.read();
  fake.counts[FakePerfSyscalls::kFirstFd] = 100;
  fake.counts[FakePerfSyscalls::kFirstFd + 1] = 300;
  fake.time_enabled_ns = 1000 + 1000;  // begin saw 1000/1000
  fake.time_running_ns = 1000 + 250;
  const auto end = counters.read();
  const auto values = counters.values(begin, end);
  EXPECT_EQ(values[0].raw, 100u);
  EXPECT_DOUBLE_EQ(values[0].scaled, 400.0);
  EXPECT_DOUBLE_EQ(values[0].running_fraction, 0.25);
  EXPECT_DOUBLE_EQ(values[1].scaled, 1200.0);
  // A group that never got onto the PMU (time_running unchanged) is "not counted", not zero.
  fake.time_enabled_ns += 500;
  const auto later = counters.values(end, counters.read());
  EXPECT_FALSE(later[0].counted);
  EXPECT_TRUE(later[0].supported);
}

// A PMU without LLC events (AMD) and without branch-misses: those are unsupported with a
// reason; if the first event cannot lead, the next one does.
TEST(CounterSet, UnsupportedEventsAreReportedAndLeadershipMovesOn) {
  FakePerfSyscalls fake;
  fake.refuse = [](const perf_event_attr& attr, pid_t, int) {
    if (attr.type == PERF_TYPE_HW_CACHE) return ENOENT;
    if (attr.type == PERF_TYPE_HARDWARE && attr.config == PERF_COUNT_HW_CPU_CYCLES) return EINVAL;
    return 0;
  };
  CounterSet counters(CounterTarget{}, 2, fake);
  const auto values = counters.values();
  EXPECT_FALSE(find(values, "cycles").supported);
  EXPECT_NE(find(values, "cycles").reason.find("not supported"), std::string::npos);
  EXPECT_FALSE(find(values, "LLC-loads").supported);
  EXPECT_TRUE(find(values, "instructions").supported);
  EXPECT_EQ(fake.opened[0].attr.config, PERF_COUNT_HW_INSTRUCTIONS);
  EXPECT_EQ(fake.opened[0].group_fd, -1);  // instructions leads the hardware group
  EXPECT_EQ(fake.opened[1].group_fd, FakePerfSyscalls::kFirstFd);
  EXPECT_EQ(counters.supported_count(), 7u);
}

TEST(CounterSet, ChildTargetUsesEnableOnExecAndInherit) {
  FakePerfSyscalls fake;
  const std::string_view names[] = {"task-clock", "page-faults"};
  CounterSet counters(names, CounterTarget{4242, -1, true, true}, 2, fake);
  EXPECT_EQ(fake.opened[0].pid, 4242);
  EXPECT_EQ(fake.opened[0].attr.enable_on_exec, 1u);
  EXPECT_EQ(fake.opened[0].attr.inherit, 1u);
  EXPECT_EQ(fake.opened[1].attr.enable_on_exec, 0u);  // members follow the leader
  EXPECT_EQ(fake.opened[1].attr.inherit, 1u);
}

TEST(CounterSet, ClosesEveryFd) {
  FakePerfSyscalls fake;
  { CounterSet counters(CounterTarget{}, 2, fake); }
  EXPECT_EQ(fake.open_count(), 0);
}

}  // namespace
}  // namespace erg::profiler
