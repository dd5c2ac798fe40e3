#include "profiler/perf_power_source.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>

#include "core/error.hpp"
#include "profiler/sysfs.hpp"

namespace erg::profiler {
namespace {

namespace fs = std::filesystem;

std::uint64_t parse_number(std::string_view text, const std::string& where) {
  std::uint64_t value = 0;
  int base = 10;
  if (text.starts_with("0x") || text.starts_with("0X")) {
    text.remove_prefix(2);
    base = 16;
  }
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    throw Error("malformed number '" + std::string(text) + "'", where);
  }
  return value;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto pos = text.find(sep, start);
    out.push_back(text.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

// Places `value` into config according to a format such as "config:0-7" or "config:0-3,8-11".
std::uint64_t apply_format(std::uint64_t config, std::uint64_t value, std::string_view format,
                           const std::string& where) {
  if (!format.starts_with("config:")) {
    throw Error("unsupported format '" + std::string(format) + "' (expected config:LO-HI)", where);
  }
  format.remove_prefix(7);
  for (auto range : split(format, ',')) {
    const auto dash = range.find('-');
    const auto lo = parse_number(range.substr(0, dash), where);
    const auto hi =
        dash == std::string_view::npos ? lo : parse_number(range.substr(dash + 1), where);
    if (hi < lo || hi > 63) throw Error("bad bit range '" + std::string(range) + "'", where);
    const auto width = hi - lo + 1;
    const auto mask = width == 64 ? ~0ULL : ((1ULL << width) - 1);
    config |= (value & mask) << lo;
    value = width == 64 ? 0 : value >> width;
  }
  return config;
}

std::string required(const fs::path& file) {
  auto read = read_sysfs(file);
  if (!read.value) {
    throw Error(std::string("cannot read: ") + std::strerror(read.error), file.string());
  }
  return *read.value;
}

// energy-pkg -> package, energy-cores -> core, energy-gpu -> uncore, energy-ram -> dram.
std::string domain_kind(std::string_view event) {
  if (event == "energy-pkg") return "package";
  if (event == "energy-cores") return "core";
  if (event == "energy-gpu") return "uncore";
  if (event == "energy-ram") return "dram";
  if (event == "energy-psys") return "psys";
  return std::string(event.substr(event.starts_with("energy-") ? 7 : 0));
}

int kind_order(const std::string& kind) {
  static const std::map<std::string, int> order{
      {"package", 0}, {"core", 1}, {"uncore", 2}, {"dram", 3}};
  auto it = order.find(kind);
  return it == order.end() ? 4 : it->second;
}

}  // namespace

std::vector<int> parse_cpu_list(std::string_view text, const std::string& where) {
  std::vector<int> cpus;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  if (text.empty()) throw Error("empty CPU list", where);
  for (auto part : split(text, ',')) {
    const auto dash = part.find('-');
    const auto lo = parse_number(part.substr(0, dash), where);
    const auto hi =
        dash == std::string_view::npos ? lo : parse_number(part.substr(dash + 1), where);
    if (hi < lo || hi > 1 << 20) throw Error("bad CPU range '" + std::string(part) + "'", where);
    for (auto cpu = lo; cpu <= hi; ++cpu)
      cpus.push_back(static_cast<int>(cpu));
  }
  return cpus;
}

PowerPmu read_power_pmu(const fs::path& sys_root) {
  const auto dir = sys_root / "bus/event_source/devices/power";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw UnavailableError("no " + dir.string() +
                           ": the kernel has no RAPL perf PMU (no RAPL on this CPU, or a virtual "
                           "machine)");
  }
  PowerPmu pmu;
  const auto type_file = (dir / "type").string();
  pmu.type = static_cast<std::uint32_t>(parse_number(required(dir / "type"), type_file));
  pmu.cpus = parse_cpu_list(required(dir / "cpumask"), (dir / "cpumask").string());
  std::map<std::string, std::string> formats;
  for (const auto& entry : fs::directory_iterator(dir / "format", ec)) {
    formats[entry.path().filename().string()] = required(entry.path());
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir / "events", ec))
    files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    const auto name = file.filename().string();
    if (name.find('.') != std::string::npos) continue;  // .scale and .unit belong to an event
    PowerPmuEvent event;
    event.name = name;
    const auto where = file.string();
    // Named: split's views point into it (a temporary in the range expression would be gone
    // before the loop body ran).
    const std::string terms = required(file);
    for (auto term : split(terms, ',')) {
      const auto eq = term.find('=');
      const auto key = std::string(term.substr(0, eq));
      const auto value =
          eq == std::string_view::npos ? 1 : parse_number(term.substr(eq + 1), where);
      auto format = formats.find(key);
      if (format == formats.end()) {
        throw Error("term '" + key + "' has no format file under " + (dir / "format").string(),
                    where);
      }
      event.config = apply_format(event.config, value, format->second, where);
    }
    if (auto scale = read_sysfs_string(fs::path(where + ".scale"))) {
      try {
        std::size_t used = 0;
        event.scale = std::stod(*scale, &used);
        if (used != scale->size() || !(event.scale > 0)) throw std::invalid_argument("scale");
      } catch (const std::exception&) {
        throw Error("malformed scale '" + *scale + "' (expected a positive number)",
                    where + ".scale");
      }
    }
    event.unit = read_sysfs_string(fs::path(where + ".unit")).value_or("");
    pmu.events.push_back(std::move(event));
  }
  if (pmu.events.empty()) throw UnavailableError("the power PMU lists no events", dir.string());
  return pmu;
}

PerfPowerSource::PerfPowerSource(const fs::path& sys_root, PerfSyscalls& syscalls)
    : syscalls_(syscalls) {
  const auto pmu = read_power_pmu(sys_root);
  struct Opened {
    EnergyDomain domain;
    int unit;  // position in the cpumask: one package or die
    Counter counter;
  };
  std::vector<Opened> opened;
  // Package ids name the domains; when the cpumask holds one CPU per die, dies share a package.
  std::vector<std::pair<int, int>> ids;  // (package, die) per cpumask entry
  for (std::size_t i = 0; i < pmu.cpus.size(); ++i) {
    const auto topo =
        sys_root / ("devices/system/cpu/cpu" + std::to_string(pmu.cpus[i])) / "topology";
    int package = static_cast<int>(i);
    int die = 0;
    if (auto text = read_sysfs_string(topo / "physical_package_id")) {
      package = static_cast<int>(parse_number(*text, (topo / "physical_package_id").string()));
    }
    if (auto text = read_sysfs_string(topo / "die_id")) {
      die = static_cast<int>(parse_number(*text, (topo / "die_id").string()));
    }
    ids.emplace_back(package, die);
  }
  auto shares_package = [&](std::size_t i) {
    return std::count_if(ids.begin(), ids.end(),
                         [&](const auto& id) { return id.first == ids[i].first; }) > 1;
  };
  try {
    for (std::size_t i = 0; i < pmu.cpus.size(); ++i) {
      std::string prefix = "package-" + std::to_string(ids[i].first);
      if (shares_package(i)) prefix += "-die-" + std::to_string(ids[i].second);
      for (const auto& event : pmu.events) {
        if (event.unit != "Joules") {
          warnings_.push_back("skipped power/" + event.name + "/: unit '" + event.unit +
                              "' is not Joules");
          continue;
        }
        perf_event_attr attr{};
        attr.size = sizeof(attr);
        attr.type = pmu.type;
        attr.config = event.config;
        // No exclude_* flags and no sampling: the RAPL PMU rejects both.
        const int fd = syscalls_.open(attr, -1, pmu.cpus[i], -1, PERF_FLAG_FD_CLOEXEC);
        if (fd < 0) {
          const int error = -fd;
          if (error == EACCES || error == EPERM) {
            throw Error("permission denied opening system-wide power/" + event.name +
                            "/: needs kernel.perf_event_paranoid <= 0 (run 'sudo sysctl "
                            "kernel.perf_event_paranoid=0') or CAP_PERFMON ('sudo setcap "
                            "cap_perfmon+ep $(which erg)')",
                        "cpu " + std::to_string(pmu.cpus[i]));
          }
          warnings_.push_back("power/" + event.name + "/ on cpu " + std::to_string(pmu.cpus[i]) +
                              " cannot be counted: " + std::strerror(error));
          continue;
        }
        const auto kind = domain_kind(event.name);
        std::string name = kind == "package" ? prefix : prefix + "/" + kind;
        if (kind == "psys") name = pmu.cpus.size() > 1 ? "psys-" + std::to_string(i) : "psys";
        Counter counter{fd, event.scale * 1e6, 0};
        opened.push_back({{name, kind, false}, static_cast<int>(i), counter});
        opened.back().counter.base_count = read_count(opened.back().counter);
      }
    }
  } catch (...) {
    for (auto& o : opened)
      syscalls_.close(o.counter.fd);
    throw;
  }
  if (opened.empty()) {
    throw UnavailableError("no power PMU event could be counted" +
                           (warnings_.empty() ? std::string() : ": " + warnings_.front()));
  }
  std::stable_sort(opened.begin(), opened.end(), [](const Opened& a, const Opened& b) {
    if ((a.domain.kind == "psys") != (b.domain.kind == "psys")) return b.domain.kind == "psys";
    if (a.unit != b.unit) return a.unit < b.unit;
    return kind_order(a.domain.kind) < kind_order(b.domain.kind);
  });
  for (auto& o : opened) {
    domains_.push_back(std::move(o.domain));
    counters_.push_back(o.counter);
  }
  mark_total_domains(domains_);
}

PerfPowerSource::~PerfPowerSource() {
  for (const auto& c : counters_)
    syscalls_.close(c.fd);
}

std::uint64_t PerfPowerSource::read_count(const Counter& counter) const {
  std::uint64_t count = 0;
  const auto n = syscalls_.read(counter.fd, &count, sizeof(count));
  if (n != static_cast<ssize_t>(sizeof(count))) {
    throw Error(std::string("reading a power PMU counter failed: ") +
                (n < 0 ? std::strerror(errno) : "short read"));
  }
  return count;
}

void PerfPowerSource::read_uj(std::span<std::uint64_t> out) {
  const auto n = std::min(out.size(), counters_.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto& c = counters_[i];
    const auto count = read_count(c) - c.base_count;
    out[i] = static_cast<std::uint64_t>(static_cast<double>(count) * c.uj_per_count);
  }
}

}  // namespace erg::profiler
