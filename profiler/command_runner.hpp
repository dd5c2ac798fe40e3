#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "profiler/measurement_window.hpp"
#include "profiler/perf_syscalls.hpp"

namespace erg::profiler {

struct CommandOptions {
  bool count = true;                 // open perf counters on the child
  std::vector<std::string> events;   // empty: every catalog event
  PerfSyscalls* syscalls = nullptr;  // nullptr: the kernel
  std::string proc_root = "/proc";   // where perf_event_paranoid is read
};

struct CommandResult {
  int exit_status = 0;  // the command's exit code, or 128 + signal
  bool signaled = false;
  WindowResult window;  // time and energy from the monitor; counters of the command
  std::string counters_unavailable_reason;
};

// Runs argv like `perf stat`: forks, opens counter groups on the child with enable_on_exec and
// inherit (so they count exactly the exec'd command and its threads and children), measures a
// window in `monitor` around it, and waits. Throws erg::Error when the command cannot be run.
CommandResult run_measured_command(std::span<const std::string> argv, EnergyMonitor& monitor,
                                   std::string_view window_name = "command",
                                   const CommandOptions& options = {});

}  // namespace erg::profiler
