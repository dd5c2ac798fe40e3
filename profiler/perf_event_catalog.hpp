#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "profiler/perf_syscalls.hpp"

namespace erg::profiler {

// A named perf event: the generic hardware, cache and software events erg counts.
struct PerfEventSpec {
  std::string_view name;  // perf's spelling: "cycles", "LLC-load-misses", "task-clock"
  std::uint32_t type;     // PERF_TYPE_*
  std::uint64_t config;
  bool hardware;  // needs a hardware PMU (false for software events)
};

std::span<const PerfEventSpec> perf_event_catalog();
const PerfEventSpec* find_perf_event(std::string_view name);

struct EventAvailability {
  bool supported = false;
  std::string reason;  // why not, in plain words, with what to do about it
};

// Reads /proc/sys/kernel/perf_event_paranoid (nullopt when absent: no perf support at all).
std::optional<int> read_perf_event_paranoid(const std::string& proc_root = "/proc");

// The perf_event_attr erg uses to count `spec` for the calling thread: exclude_kernel and
// exclude_hv are set when paranoid >= 2, which unprivileged counting then requires.
perf_event_attr make_counting_attr(const PerfEventSpec& spec, int paranoid);

// Opens and immediately closes the event for the calling thread to see whether it can count.
EventAvailability probe_perf_event(const PerfEventSpec& spec, int paranoid,
                                   PerfSyscalls& syscalls = kernel_perf_syscalls());

// Turns a perf_event_open errno into a plain reason.
std::string describe_perf_open_error(int error, const PerfEventSpec& spec, int paranoid);

}  // namespace erg::profiler
