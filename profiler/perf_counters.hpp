#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "profiler/perf_event_catalog.hpp"
#include "profiler/perf_syscalls.hpp"

namespace erg::profiler {

// Whom the counters follow.
struct CounterTarget {
  pid_t pid = 0;                // 0: the calling thread; a child's pid for `erg profile`
  int cpu = -1;                 // any CPU
  bool inherit = false;         // also count threads and children created later
  bool enable_on_exec = false;  // start counting when the target calls exec (perf stat style)
};

// One counter's value over an interval.
struct CounterValue {
  std::string name;
  bool hardware = false;
  bool supported = false;
  std::string reason;    // why it is unsupported (with what to do), when it is
  bool counted = false;  // false when the group never got onto the PMU (time_running == 0)
  std::uint64_t raw = 0;
  double scaled = 0;            // raw x time_enabled / time_running (multiplexing estimate)
  double running_fraction = 0;  // time_running / time_enabled: 1 when never multiplexed
};

// A snapshot of every counter, for window deltas; sized once, reused without allocating.
struct CounterSnapshot {
  std::vector<std::uint64_t> raw;
  std::vector<std::uint64_t> enabled_ns;
  std::vector<std::uint64_t> running_ns;
};

// perf_event counters in groups: each group has a leader (opened disabled, group_fd -1) and
// members that the PMU schedules with it all-or-nothing. Generic hardware events, the LLC cache
// events and the software events form three groups, so a PMU that lacks the LLC events (AMD) or
// all hardware events (most VMs) still counts the rest. read_format asks for
// TOTAL_TIME_ENABLED and TOTAL_TIME_RUNNING, so multiplexed counts are scaled. With
// perf_event_paranoid >= 2 the events exclude the kernel, which unprivileged counting requires.
// Events that cannot be opened are kept and reported as unsupported, with the reason.
class CounterSet {
 public:
  CounterSet(std::span<const std::string_view> events, const CounterTarget& target, int paranoid,
             PerfSyscalls& syscalls = kernel_perf_syscalls());
  // Every event in perf_event_catalog().
  explicit CounterSet(const CounterTarget& target, int paranoid,
                      PerfSyscalls& syscalls = kernel_perf_syscalls());
  ~CounterSet();
  CounterSet(const CounterSet&) = delete;
  CounterSet& operator=(const CounterSet&) = delete;

  void reset();
  void enable();
  void disable();

  std::size_t size() const { return events_.size(); }
  std::size_t supported_count() const;
  // Reads every group leader once. Throws erg::Error when a read fails.
  void read(CounterSnapshot& out) const;
  CounterSnapshot read() const;
  // Values over [begin, end], scaled for multiplexing.
  std::vector<CounterValue> values(const CounterSnapshot& begin, const CounterSnapshot& end) const;
  // Values since the counters were opened (or last reset).
  std::vector<CounterValue> values() const;

 private:
  struct Event {
    const PerfEventSpec* spec;
    int fd = -1;
    std::uint64_t id = 0;
    std::string reason;
  };
  struct Group {
    int leader_fd = -1;
    std::vector<std::size_t> members;  // indices into events_
  };
  void open_group(std::span<const std::size_t> indices, const CounterTarget& target, int paranoid);
  void ioctl_all(unsigned long request, const char* what);

  PerfSyscalls& syscalls_;
  std::vector<Event> events_;
  std::vector<Group> groups_;
  mutable std::vector<std::uint64_t> buffer_;
};

}  // namespace erg::profiler
