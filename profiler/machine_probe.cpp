#include "profiler/machine_probe.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/units.hpp"
#include "profiler/energy_source.hpp"
#include "profiler/perf_event_catalog.hpp"
#include "profiler/sysfs.hpp"

namespace erg::profiler {
namespace {

namespace fs = std::filesystem;

void probe_cpuinfo(const fs::path& proc, MachineInfo& info) {
  std::ifstream in(proc / "cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto key = line.substr(0, colon);
    key.erase(key.find_last_not_of(" \t") + 1);
    const auto value = colon + 2 <= line.size() ? line.substr(colon + 2) : std::string{};
    if (key == "processor") ++info.logical_cpus;
    if (key == "model name" && info.cpu_model.empty()) info.cpu_model = value;
    if (key == "flags" && value.find("hypervisor") != std::string::npos) info.hypervisor = true;
  }
  if (info.cpu_model.empty()) info.cpu_model = "unknown (no 'model name' in /proc/cpuinfo)";
}

void probe_caches(const fs::path& sys, MachineInfo& info) {
  const auto dir = sys / "devices/system/cpu/cpu0/cache";
  std::error_code ec;
  std::vector<fs::path> indices;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().rfind("index", 0) == 0) indices.push_back(entry.path());
  }
  std::sort(indices.begin(), indices.end());
  for (const auto& index : indices) {
    CacheInfo cache;
    cache.level = std::stoi(read_sysfs_string(index / "level").value_or("0"));
    cache.type = read_sysfs_string(index / "type").value_or("unknown");
    if (auto size = read_sysfs_string(index / "size")) {
      try {
        cache.size_bytes = units::parse_bytes(*size);
      } catch (const std::exception&) {
        cache.size_bytes = 0;
      }
    }
    cache.ways = std::stoi(read_sysfs_string(index / "ways_of_associativity").value_or("0"));
    cache.line_bytes = std::stoi(read_sysfs_string(index / "coherency_line_size").value_or("0"));
    cache.shared_cpu_list = read_sysfs_string(index / "shared_cpu_list").value_or("");
    info.caches.push_back(cache);
  }
}

void probe_power_pmu(const fs::path& sys, MachineInfo& info) {
  const auto dir = sys / "bus/event_source/devices/power";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    info.perf_power.reason = "no " + dir.string() +
                             ": the kernel has no RAPL perf PMU (no RAPL on this CPU, or a "
                             "virtual machine)";
    return;
  }
  info.perf_power.present = true;
  if (auto type = read_sysfs_string(dir / "type")) info.perf_power.type = std::stoi(*type);
  for (const auto& entry : fs::directory_iterator(dir / "events", ec)) {
    const auto name = entry.path().filename().string();
    if (name.find('.') == std::string::npos) info.perf_power.events.push_back(name);
  }
  std::sort(info.perf_power.events.begin(), info.perf_power.events.end());
}

}  // namespace

MachineInfo probe_machine(const ProbeRoots& roots, PerfSyscalls& syscalls) {
  MachineInfo info;
  probe_cpuinfo(roots.proc, info);
  probe_caches(roots.sys, info);
  info.powercap = scan_powercap(roots.sys / "class/powercap");
  probe_power_pmu(roots.sys, info);
  try {
    EnergySourceOptions options;
    options.powercap_root = roots.sys / "class/powercap";
    options.sys_root = roots.sys;
    options.start_poller = false;
    options.syscalls = &syscalls;
    const auto source = open_energy_source(options);
    info.energy_source = std::string(source->kind());
    for (const auto& d : source->domains())
      info.energy_domains.push_back(d.name);
  } catch (const Error& e) {
    info.energy_source_reason = e.what();
  }
  info.perf_event_paranoid = read_perf_event_paranoid(roots.proc.string());
  for (const auto& spec : perf_event_catalog()) {
    PerfEventStatus status{std::string(spec.name), spec.hardware, false, {}};
    if (!info.perf_event_paranoid) {
      status.reason = "perf_event_open is unavailable: no perf_event_paranoid in /proc";
    } else {
      auto availability = probe_perf_event(spec, *info.perf_event_paranoid, syscalls);
      status.supported = availability.supported;
      status.reason = availability.reason;
    }
    info.perf_events.push_back(std::move(status));
  }
  return info;
}

nlohmann::json to_json(const MachineInfo& info) {
  nlohmann::json caches = nlohmann::json::array();
  for (const auto& c : info.caches) {
    caches.push_back({{"level", c.level},
                      {"type", c.type},
                      {"size_bytes", c.size_bytes},
                      {"ways", c.ways},
                      {"line_bytes", c.line_bytes},
                      {"shared_cpu_list", c.shared_cpu_list}});
  }
  nlohmann::json zones = nlohmann::json::array();
  for (const auto& z : info.powercap.zones) {
    nlohmann::json zone{{"domain", z.domain},
                        {"name", z.name},
                        {"path", z.path.string()},
                        {"energy_readable", z.energy_readable}};
    if (!z.energy_error.empty()) zone["reason"] = z.energy_error;
    if (z.max_energy_range_uj) zone["max_energy_range_uj"] = *z.max_energy_range_uj;
    zones.push_back(zone);
  }
  nlohmann::json rapl{{"powercap_present", info.powercap.root_exists}, {"zones", zones}};
  if (!info.powercap.missing_reason.empty()) rapl["reason"] = info.powercap.missing_reason;
  nlohmann::json pmu{{"present", info.perf_power.present}, {"events", info.perf_power.events}};
  if (info.perf_power.type) pmu["type"] = *info.perf_power.type;
  if (!info.perf_power.reason.empty()) pmu["reason"] = info.perf_power.reason;
  rapl["perf_power_pmu"] = pmu;
  nlohmann::json selected{{"source", nullptr}, {"domains", info.energy_domains}};
  if (!info.energy_source.empty()) selected["source"] = info.energy_source;
  if (!info.energy_source_reason.empty()) selected["reason"] = info.energy_source_reason;
  rapl["auto_source"] = selected;
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : info.perf_events) {
    nlohmann::json ev{{"name", e.name},
                      {"kind", e.hardware ? "hardware" : "software"},
                      {"supported", e.supported}};
    if (!e.reason.empty()) ev["reason"] = e.reason;
    events.push_back(ev);
  }
  nlohmann::json out{{"cpu",
                      {{"model", info.cpu_model},
                       {"logical_cpus", info.logical_cpus},
                       {"hypervisor", info.hypervisor},
                       {"caches", caches}}},
                     {"rapl", rapl},
                     {"perf_event_paranoid", nullptr},
                     {"perf_events", events}};
  if (info.perf_event_paranoid) out["perf_event_paranoid"] = *info.perf_event_paranoid;
  return out;
}

std::string to_text(const MachineInfo& info) {
  std::ostringstream out;
  out << "CPU\n  model: " << info.cpu_model << "\n  logical CPUs: " << info.logical_cpus
      << (info.hypervisor ? "  (running under a hypervisor)" : "") << "\n  caches (cpu0):\n";
  if (info.caches.empty()) out << "    none listed under /sys/devices/system/cpu/cpu0/cache\n";
  for (const auto& c : info.caches) {
    out << "    L" << c.level << " " << c.type << ": " << units::format_bytes(c.size_bytes) << ", "
        << c.ways << "-way, " << c.line_bytes << " B lines, shared by CPUs " << c.shared_cpu_list
        << "\n";
  }
  out << "\nEnergy (RAPL)\n  powercap: ";
  if (info.powercap.zones.empty()) {
    out << "unavailable: " << info.powercap.missing_reason << "\n";
  } else {
    out << info.powercap.zones.size() << " zones\n";
    for (const auto& z : info.powercap.zones) {
      out << "    " << z.domain << " (" << z.path.filename().string() << "): "
          << (z.energy_readable ? "energy_uj readable"
                                : "energy_uj NOT readable: " + z.energy_error)
          << "\n";
    }
  }
  out << "  perf power PMU: ";
  if (info.perf_power.present) {
    out << "present";
    if (info.perf_power.type) out << " (type " << *info.perf_power.type << ")";
    out << ", events:";
    for (const auto& e : info.perf_power.events)
      out << " " << e;
    out << "\n";
  } else {
    out << "unavailable: " << info.perf_power.reason << "\n";
  }
  out << "  erg profile (--source auto) reads: ";
  if (info.energy_source.empty() && info.powercap.zones.empty() && !info.perf_power.present) {
    out << "nothing (neither interface exists here)\n";
  } else if (info.energy_source.empty()) {
    out << "nothing: " << info.energy_source_reason << "\n";
  } else {
    out << info.energy_source << " (";
    for (std::size_t i = 0; i < info.energy_domains.size(); ++i)
      out << (i ? ", " : "") << info.energy_domains[i];
    out << ")\n";
  }
  out << "\nperf_event\n  perf_event_paranoid: ";
  if (info.perf_event_paranoid) {
    out << *info.perf_event_paranoid << "\n";
  } else {
    out << "unavailable (no /proc/sys/kernel/perf_event_paranoid)\n";
  }
  for (const bool hardware : {true, false}) {
    out << "  " << (hardware ? "hardware" : "software") << " events:\n";
    for (const auto& e : info.perf_events) {
      if (e.hardware != hardware) continue;
      out << "    " << e.name << ": " << (e.supported ? "supported" : e.reason) << "\n";
    }
  }
  return out.str();
}

}  // namespace erg::profiler
