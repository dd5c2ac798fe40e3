// powercap and perf sysfs text (profiler/): a fake tree of intel-rapl zones and of the RAPL
// perf PMU is written from the input, then scanned and read as erg profile does. Each file's
// contents are one length-prefixed string of the input (FuzzedDataProvider), so the fuzzer
// mutates them independently.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "profiler/perf_power_source.hpp"
#include "profiler/powercap_source.hpp"
#include "profiler/powercap_zones.hpp"
#include "profiler/sysfs.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxFileBytes = 64;

void write(FuzzedDataProvider& in, const fs::path& path) {
  fs::create_directories(path.parent_path());
  erg::fuzz::write_file(path, in.ConsumeRandomLengthString(kMaxFileBytes));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const auto root = erg::fuzz::scratch_dir() / "tree";
  std::error_code ec;
  fs::remove_all(root, ec);

  // The perf PMU: type, cpumask, a format and three events with their scale and unit.
  const auto pmu = root / "sys/bus/event_source/devices/power";
  write(in, pmu / "type");
  write(in, pmu / "cpumask");
  write(in, pmu / "format/event");
  for (const char* event : {"energy-pkg", "energy-ram", "energy-cores"}) {
    write(in, pmu / "events" / event);
    write(in, pmu / "events" / (std::string(event) + ".scale"));
    write(in, pmu / "events" / (std::string(event) + ".unit"));
  }
  // Powercap: a package zone and a dram subzone.
  const auto powercap = root / "powercap";
  const std::array<fs::path, 2> zones{powercap / "intel-rapl:0", powercap / "intel-rapl:0:0"};
  for (const auto& zone : zones) {
    for (const char* file :
         {"name", "energy_uj", "max_energy_range_uj", "constraint_0_max_power_uw"})
      write(in, zone / file);
  }
  const auto cpu_list = in.ConsumeRandomLengthString(kMaxFileBytes);
  const auto later_energy = in.ConsumeRandomLengthString(kMaxFileBytes);

  try {
    (void)erg::profiler::parse_cpu_list(cpu_list, "cpumask");
  } catch (const erg::Error&) {
  }
  try {
    (void)erg::profiler::read_power_pmu(root / "sys");
  } catch (const erg::Error&) {
  }
  (void)erg::profiler::scan_powercap(powercap);
  for (const auto& zone : zones) {
    try {
      (void)erg::profiler::read_sysfs_u64(zone / "max_energy_range_uj");
    } catch (const erg::Error&) {
    }
  }
  try {
    erg::profiler::PowercapSource source({powercap, std::nullopt, false});
    std::vector<std::uint64_t> uj(source.domains().size());
    source.read_uj(uj);
    erg::fuzz::write_file(zones[0] / "energy_uj", later_energy);
    source.poll();
    source.read_uj(uj);
    (void)source.poll_interval_s();
  } catch (const erg::Error&) {
  }
  return 0;
}
