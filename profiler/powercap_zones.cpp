#include "profiler/powercap_zones.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "profiler/sysfs.hpp"

namespace erg::profiler {
namespace {

bool is_rapl_zone_dir(const std::string& entry) {
  // "intel-rapl:0" and "intel-rapl:0:1" are zones; "intel-rapl" is the control type and
  // "intel-rapl-mmio:0" duplicates the package zone through MMIO.
  return entry.rfind("intel-rapl:", 0) == 0;
}

}  // namespace

std::string powercap_permission_hint(const std::filesystem::path& energy_file) {
  return "energy_uj is readable only by root since Linux 5.10 (CVE-2020-8694). Grant read access "
         "once with 'sudo chmod a+r " +
         energy_file.string() +
         "', or permanently with a udev rule: echo 'SUBSYSTEM==\"powercap\", ACTION==\"add\", "
         "RUN+=\"/bin/chmod a+r /sys%p/energy_uj /sys%p/max_energy_range_uj\"' | sudo tee "
         "/etc/udev/rules.d/99-erg-rapl.rules && sudo udevadm trigger "
         "--subsystem-match=powercap --action=add; or let erg read the perf power PMU instead "
         "with 'sudo sysctl kernel.perf_event_paranoid=0' (see README.md, 'Energy without "
         "root')";
}

PowercapScan scan_powercap(const std::filesystem::path& root) {
  PowercapScan scan;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    scan.missing_reason = "no " + root.string() +
                          ": the kernel exposes no powercap (RAPL) interface. This is usual on a "
                          "virtual machine; on bare metal load it with 'sudo modprobe "
                          "intel_rapl_msr'";
    return scan;
  }
  scan.root_exists = true;
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const auto name = entry.path().filename().string();
    if (is_rapl_zone_dir(name)) entries.push_back(name);
  }
  // "intel-rapl:0" sorts before "intel-rapl:0:0", so a parent is always seen before its children.
  std::sort(entries.begin(), entries.end());
  for (const auto& entry : entries) {
    const auto path = root / entry;
    PowercapZone zone;
    zone.path = path;
    zone.name = read_sysfs_string(path / "name").value_or("");
    if (zone.name.empty()) continue;  // not a zone we can identify
    zone.domain = zone.name;
    const auto colon = entry.rfind(':');
    if (colon != std::string::npos && colon > std::strlen("intel-rapl")) {
      const auto parent_entry = entry.substr(0, colon);
      for (const auto& z : scan.zones) {
        if (z.path.filename() == parent_entry) zone.domain = z.domain + "/" + zone.name;
      }
    }
    const auto energy = read_sysfs(path / "energy_uj");
    if (energy.value) {
      zone.energy_readable = true;
    } else if (energy.error == EACCES || energy.error == EPERM) {
      zone.energy_error = powercap_permission_hint(path / "energy_uj");
    } else {
      zone.energy_error =
          "cannot read " + (path / "energy_uj").string() + ": " + std::strerror(energy.error);
    }
    try {
      zone.max_energy_range_uj = read_sysfs_u64(path / "max_energy_range_uj");
    } catch (const Error&) {
      zone.max_energy_range_uj.reset();
    }
    scan.zones.push_back(std::move(zone));
  }
  if (scan.zones.empty()) {
    scan.missing_reason = root.string() + " has no intel-rapl zones (no RAPL driver loaded)";
  }
  return scan;
}

}  // namespace erg::profiler
