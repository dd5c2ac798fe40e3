#include "profiler/energy_source.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "profiler/perf_power_source.hpp"
#include "profiler/powercap_source.hpp"

namespace erg::profiler {

EnergySourceKind parse_energy_source_kind(std::string_view text) {
  if (text == "auto") return EnergySourceKind::kAuto;
  if (text == "powercap") return EnergySourceKind::kPowercap;
  if (text == "perf") return EnergySourceKind::kPerf;
  throw Error("unknown energy source '" + std::string(text) + "' (expected auto, powercap or perf)",
              "source");
}

void mark_total_domains(std::vector<EnergyDomain>& domains) {
  const bool has_psys = std::any_of(domains.begin(), domains.end(),
                                    [](const EnergyDomain& d) { return d.kind == "psys"; });
  for (auto& d : domains) {
    const bool package = d.kind.rfind("package", 0) == 0;
    d.in_total = has_psys ? d.kind == "psys" : (package || d.kind == "dram");
  }
}

double total_over_domains(std::span<const EnergyDomain> domains, std::span<const double> values) {
  double total = 0;
  for (std::size_t i = 0; i < domains.size() && i < values.size(); ++i) {
    if (domains[i].in_total) total += values[i];
  }
  return total;
}

namespace {

std::unique_ptr<EnergySource> open_powercap(const EnergySourceOptions& options) {
  PowercapOptions pc;
  pc.root = options.powercap_root;
  pc.max_power_w = options.max_power_w;
  pc.start_poller = options.start_poller;
  return std::make_unique<PowercapSource>(pc);
}

std::unique_ptr<EnergySource> open_perf(const EnergySourceOptions& options) {
  return std::make_unique<PerfPowerSource>(
      options.sys_root, options.syscalls ? *options.syscalls : kernel_perf_syscalls());
}

}  // namespace

std::unique_ptr<EnergySource> open_energy_source(const EnergySourceOptions& options) {
  switch (options.kind) {
    case EnergySourceKind::kPowercap:
      return open_powercap(options);
    case EnergySourceKind::kPerf:
      return open_perf(options);
    case EnergySourceKind::kAuto:
      break;
  }
  std::string perf_reason;
  bool perf_present = true;
  try {
    return open_perf(options);
  } catch (const UnavailableError& e) {
    perf_reason = e.what();
    perf_present = false;
  } catch (const Error& e) {
    perf_reason = e.what();  // present but not permitted: powercap may still be readable
  }
  try {
    return open_powercap(options);
  } catch (const UnavailableError& e) {
    if (perf_present) throw Error("perf power PMU: " + perf_reason + "; powercap: " + e.what());
    throw UnavailableError("no RAPL energy interface: powercap: " + std::string(e.what()) +
                           "; perf: " + perf_reason);
  } catch (const Error& e) {
    if (perf_present) throw Error("perf power PMU: " + perf_reason + "; powercap: " + e.what());
    throw;
  }
}

}  // namespace erg::profiler
