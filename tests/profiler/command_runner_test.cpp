#include "profiler/command_runner.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace erg::profiler {
namespace {

const CounterValue* find(const WindowResult& w, std::string_view name) {
  for (const auto& c : w.counters) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// perf stat semantics: the exit code comes back, the counters follow the exec'd command
// (software events count here; hardware ones are supported or explained).
TEST(CommandRunner, RunsTheCommandAndCountsIt) {
  EnergyMonitor monitor(nullptr, "no energy in this test");
  const std::vector<std::string> argv{"/bin/sh", "-c", "head -c 4000000 /dev/zero | wc -c; exit 3"};
  const auto result = run_measured_command(argv, monitor);
  EXPECT_EQ(result.exit_status, 3);
  EXPECT_FALSE(result.signaled);
  EXPECT_GT(result.window.time_s, 0.0);
  EXPECT_FALSE(result.window.energy_available);
  const auto* task_clock = find(result.window, "task-clock");
  ASSERT_NE(task_clock, nullptr);
  ASSERT_TRUE(task_clock->supported) << task_clock->reason;
  EXPECT_TRUE(task_clock->counted);
  EXPECT_GT(task_clock->raw, 0u);
  const auto* faults = find(result.window, "page-faults");
  ASSERT_NE(faults, nullptr);
  // A shell, a pipe and two children (inherit) fault in at least their stacks and code.
  EXPECT_GT(faults->raw, 10u);
  for (const auto& c : result.window.counters)
    EXPECT_TRUE(c.supported || !c.reason.empty()) << c.name;
}

TEST(CommandRunner, ReportsSignalsAndMissingCommands) {
  EnergyMonitor monitor(nullptr, "none");
  const std::vector<std::string> killed{"/bin/sh", "-c", "kill -TERM $$"};
  const auto result = run_measured_command(killed, monitor);
  EXPECT_TRUE(result.signaled);
  EXPECT_EQ(result.exit_status, 128 + 15);
  const std::vector<std::string> missing{"/no/such/program"};
  try {
    run_measured_command(missing, monitor);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
    EXPECT_EQ(e.where(), "/no/such/program");
  }
  EXPECT_FALSE(monitor.is_window_open("command"));
  EXPECT_THROW(run_measured_command({}, monitor), UsageError);
}

}  // namespace
}  // namespace erg::profiler
