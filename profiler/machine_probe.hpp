#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "profiler/perf_syscalls.hpp"
#include "profiler/powercap_zones.hpp"

namespace erg::profiler {

struct CacheInfo {
  int level = 0;
  std::string type;  // Data, Instruction, Unified
  std::uint64_t size_bytes = 0;
  int ways = 0;
  int line_bytes = 0;
  std::string shared_cpu_list;
};

struct PerfPowerPmu {
  bool present = false;
  std::optional<int> type;  // dynamic PMU id
  std::vector<std::string> events;
  std::string reason;  // why it is absent
};

struct PerfEventStatus {
  std::string name;
  bool hardware = false;
  bool supported = false;
  std::string reason;
};

struct MachineInfo {
  std::string cpu_model;
  int logical_cpus = 0;
  bool hypervisor = false;
  std::vector<CacheInfo> caches;  // as seen from cpu0
  PowercapScan powercap;
  PerfPowerPmu perf_power;
  // What `erg profile --source auto` would read: the source kind and its domains, or why none.
  std::string energy_source;  // "perf", "powercap" or "" when none
  std::vector<std::string> energy_domains;
  std::string energy_source_reason;
  std::optional<int> perf_event_paranoid;
  std::vector<PerfEventStatus> perf_events;
};

// Where the probe looks; tests point these at fake trees.
struct ProbeRoots {
  std::filesystem::path sys = "/sys";
  std::filesystem::path proc = "/proc";
};

MachineInfo probe_machine(const ProbeRoots& roots = {},
                          PerfSyscalls& syscalls = kernel_perf_syscalls());

nlohmann::json to_json(const MachineInfo& info);
// The human-readable report `erg info` prints.
std::string to_text(const MachineInfo& info);

}  // namespace erg::profiler
