#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "profiler/energy_source.hpp"
#include "profiler/perf_syscalls.hpp"
#include "profiler/unique_fd.hpp"

namespace erg::profiler {

// One event of the perf `power` PMU as sysfs describes it.
struct PowerPmuEvent {
  std::string name;  // "energy-pkg"
  std::uint64_t config = 0;
  double scale = 1.0;  // from <event>.scale: joules per count (2^-32 on x86)
  std::string unit;    // from <event>.unit: "Joules"
};

struct PowerPmu {
  std::uint32_t type = 0;  // dynamic PMU id, read at run time
  std::vector<int> cpus;   // cpumask: one CPU per package (or die)
  std::vector<PowerPmuEvent> events;
};

// Reads /sys/bus/event_source/devices/power under sys_root. Throws UnavailableError when the PMU
// is absent and erg::Error naming the file for malformed contents.
PowerPmu read_power_pmu(const std::filesystem::path& sys_root);

// Parses a sysfs CPU list such as "0", "0,36" or "0-3,8".
std::vector<int> parse_cpu_list(std::string_view text, const std::string& where);

// Energy from the RAPL perf PMU: one system-wide counter (pid -1) per event per cpumask CPU,
// opened without exclude flags (the PMU rejects them). The kernel folds the 32-bit MSR into a
// 64-bit count, so no wrap logic is needed here.
class PerfPowerSource final : public EnergySource {
 public:
  explicit PerfPowerSource(const std::filesystem::path& sys_root = "/sys",
                           PerfSyscalls& syscalls = kernel_perf_syscalls());
  ~PerfPowerSource() override;
  PerfPowerSource(const PerfPowerSource&) = delete;
  PerfPowerSource& operator=(const PerfPowerSource&) = delete;

  std::string_view kind() const override { return "perf"; }
  const std::vector<EnergyDomain>& domains() const override { return domains_; }
  void read_uj(std::span<std::uint64_t> out) override;
  std::vector<std::string> warnings() const override { return warnings_; }

 private:
  struct Counter {
    int fd = -1;
    double uj_per_count = 0;
    std::uint64_t base_count = 0;
  };
  std::uint64_t read_count(const Counter& counter) const;

  PerfSyscalls& syscalls_;
  std::vector<EnergyDomain> domains_;
  std::vector<Counter> counters_;
  std::vector<std::string> warnings_;
};

}  // namespace erg::profiler
