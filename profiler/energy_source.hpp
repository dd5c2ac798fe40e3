#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "profiler/perf_syscalls.hpp"
#include "profiler/powercap_zones.hpp"

namespace erg::profiler {

// One energy domain, named coarse to fine: "package-0", "package-0/dram", "package-1/core",
// "psys". Domains overlap (psys >= package >= core, uncore), so reports sum only those marked
// in_total: psys when present, else every package plus every dram.
struct EnergyDomain {
  std::string name;
  std::string kind;  // package, core, uncore, dram, psys (the zone's or event's own name)
  bool in_total = false;
};

// A source of cumulative energy. Implementations: powercap sysfs (powercap_source.hpp) and the
// perf `power` PMU (perf_power_source.hpp), chosen by open_energy_source().
class EnergySource {
 public:
  virtual ~EnergySource() = default;
  virtual std::string_view kind() const = 0;  // "powercap" or "perf"
  virtual const std::vector<EnergyDomain>& domains() const = 0;
  // Energy per domain in uJ since the source was opened: monotonic and 64-bit, with counter
  // wraparound folded in. out.size() must equal domains().size(). Safe to call from several
  // threads. Throws erg::Error when a counter cannot be read.
  virtual void read_uj(std::span<std::uint64_t> out) = 0;
  // Conditions a report should mention (samples dropped across an unknown wrap, poll interval).
  virtual std::vector<std::string> warnings() const { return {}; }
};

enum class EnergySourceKind { kAuto, kPowercap, kPerf };

// "auto", "powercap" or "perf"; throws erg::Error naming the accepted values otherwise.
EnergySourceKind parse_energy_source_kind(std::string_view text);

struct EnergySourceOptions {
  EnergySourceKind kind = EnergySourceKind::kAuto;
  std::filesystem::path powercap_root = kDefaultPowercapRoot;
  std::filesystem::path sys_root = "/sys";  // perf power PMU and CPU topology live under here
  // Upper bound on any domain's power, for the powercap wrap-poll interval. Unset: each zone's
  // constraint_0_max_power_uw, else kDefaultMaxPowerW.
  std::optional<double> max_power_w;
  bool start_poller = true;          // powercap: background thread that never misses a wrap
  PerfSyscalls* syscalls = nullptr;  // perf: nullptr means the kernel
};

// Opens the requested source. kAuto takes the perf power PMU where perf_event_open permits it,
// else powercap. Throws UnavailableError (with the reasons) when the machine has neither, and
// erg::Error with the exact fix when one exists but may not be read.
std::unique_ptr<EnergySource> open_energy_source(const EnergySourceOptions& options = {});

// Marks in_total: psys alone when present, else every package and every dram domain.
void mark_total_domains(std::vector<EnergyDomain>& domains);

// The sum over in_total domains of a per-domain array.
double total_over_domains(std::span<const EnergyDomain> domains, std::span<const double> values);

}  // namespace erg::profiler
