#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace erg::profiler {

inline constexpr const char* kDefaultPowercapRoot = "/sys/class/powercap";

// One RAPL zone, identified by its `name` file (never by its index, which is not stable).
struct PowercapZone {
  std::string domain;  // "package-0", "package-0/dram", "psys": parent name + "/" + name
  std::string name;  // the zone's `name` file: package-N, package-N-die-M, core, uncore, dram, psys
  std::filesystem::path path;
  bool energy_readable = false;
  std::string energy_error;  // why energy_uj could not be read, with the fix
  std::optional<std::uint64_t> max_energy_range_uj;
};

struct PowercapScan {
  bool root_exists = false;
  std::string missing_reason;  // set when no usable zone was found
  std::vector<PowercapZone> zones;
};

// Scans intel-rapl:* zones under `root` (AMD uses the same control type on kernel >= 5.8).
// intel-rapl-mmio:* zones mirror the package zone and are skipped so energy is not counted twice.
PowercapScan scan_powercap(const std::filesystem::path& root = kDefaultPowercapRoot);

// The text telling a user how to make energy_uj readable without running erg as root.
std::string powercap_permission_hint(const std::filesystem::path& energy_file);

}  // namespace erg::profiler
