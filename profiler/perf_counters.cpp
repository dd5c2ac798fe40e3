#include "profiler/perf_counters.hpp"

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace erg::profiler {
namespace {

constexpr std::uint64_t kReadFormat = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
                                      PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID;

// 0: generic hardware, 1: hardware cache (LLC), 2: software.
int group_of(const PerfEventSpec& spec) {
  if (spec.type == PERF_TYPE_HW_CACHE) return 1;
  return spec.hardware ? 0 : 2;
}

std::vector<std::string_view> catalog_names() {
  std::vector<std::string_view> out;
  for (const auto& spec : perf_event_catalog())
    out.push_back(spec.name);
  return out;
}

}  // namespace

CounterSet::CounterSet(const CounterTarget& target, int paranoid, PerfSyscalls& syscalls)
    : CounterSet(catalog_names(), target, paranoid, syscalls) {}

CounterSet::CounterSet(std::span<const std::string_view> events, const CounterTarget& target,
                       int paranoid, PerfSyscalls& syscalls)
    : syscalls_(syscalls) {
  for (auto name : events) {
    const auto* spec = find_perf_event(name);
    if (spec == nullptr) {
      std::string known;
      for (const auto& s : perf_event_catalog())
        known += (known.empty() ? "" : ", ") + std::string(s.name);
      throw Error("unknown perf event '" + std::string(name) + "' (expected one of " + known + ")",
                  "events");
    }
    events_.push_back({spec, -1, 0, {}});
  }
  try {
    for (int group = 0; group < 3; ++group) {
      std::vector<std::size_t> indices;
      for (std::size_t i = 0; i < events_.size(); ++i) {
        if (group_of(*events_[i].spec) == group) indices.push_back(i);
      }
      if (!indices.empty()) open_group(indices, target, paranoid);
    }
  } catch (...) {
    for (auto& e : events_) {
      if (e.fd >= 0) syscalls_.close(e.fd);
    }
    throw;
  }
  std::size_t most = 0;
  for (const auto& g : groups_)
    most = std::max(most, g.members.size());
  buffer_.resize(3 + 2 * most);
}

void CounterSet::open_group(std::span<const std::size_t> indices, const CounterTarget& target,
                            int paranoid) {
  Group group;
  for (const auto index : indices) {
    auto& event = events_[index];
    auto attr = make_counting_attr(*event.spec, paranoid);
    attr.read_format = kReadFormat;
    attr.inherit = target.inherit ? 1 : 0;
    const bool leader = group.leader_fd < 0;
    // Only the leader starts disabled; members follow it. enable_on_exec applies to the leader.
    attr.disabled = leader ? 1 : 0;
    attr.enable_on_exec = leader && target.enable_on_exec ? 1 : 0;
    const int fd =
        syscalls_.open(attr, target.pid, target.cpu, group.leader_fd, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
      event.reason = describe_perf_open_error(-fd, *event.spec, paranoid);
      continue;
    }
    event.fd = fd;
    if (syscalls_.ioctl(fd, PERF_EVENT_IOC_ID, reinterpret_cast<unsigned long>(&event.id)) != 0) {
      throw Error(std::string("PERF_EVENT_IOC_ID failed: ") + std::strerror(errno),
                  std::string(event.spec->name));
    }
    if (leader) group.leader_fd = fd;
    group.members.push_back(index);
  }
  if (group.leader_fd >= 0) groups_.push_back(std::move(group));
}

CounterSet::~CounterSet() {
  // Members before leaders, so no member outlives its group.
  for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
    if (it->fd >= 0) syscalls_.close(it->fd);
  }
}

void CounterSet::ioctl_all(unsigned long request, const char* what) {
  for (const auto& g : groups_) {
    if (syscalls_.ioctl(g.leader_fd, request, PERF_IOC_FLAG_GROUP) != 0) {
      throw Error(std::string(what) + " failed: " + std::strerror(errno), "perf_event group");
    }
  }
}

void CounterSet::reset() {
  ioctl_all(PERF_EVENT_IOC_RESET, "PERF_EVENT_IOC_RESET");
}
void CounterSet::enable() {
  ioctl_all(PERF_EVENT_IOC_ENABLE, "PERF_EVENT_IOC_ENABLE");
}
void CounterSet::disable() {
  ioctl_all(PERF_EVENT_IOC_DISABLE, "PERF_EVENT_IOC_DISABLE");
}

std::size_t CounterSet::supported_count() const {
  std::size_t n = 0;
  for (const auto& e : events_)
    n += e.fd >= 0 ? 1 : 0;
  return n;
}

void CounterSet::read(CounterSnapshot& out) const {
  out.raw.assign(events_.size(), 0);
  out.enabled_ns.assign(events_.size(), 0);
  out.running_ns.assign(events_.size(), 0);
  for (const auto& g : groups_) {
    const auto bytes = buffer_.size() * sizeof(std::uint64_t);
    const auto n = syscalls_.read(g.leader_fd, buffer_.data(), bytes);
    // Layout: nr, time_enabled, time_running, {value, id} x nr.
    if (n < static_cast<ssize_t>(3 * sizeof(std::uint64_t))) {
      throw Error(std::string("reading a perf_event group failed: ") +
                      (n < 0 ? std::strerror(errno) : "short read"),
                  std::string(events_[g.members.front()].spec->name));
    }
    const auto nr = buffer_[0];
    if (nr > g.members.size() || static_cast<std::size_t>(n) < (3 + 2 * nr) * 8) {
      throw Error("perf_event group read returned " + std::to_string(nr) + " values for " +
                  std::to_string(g.members.size()) + " events");
    }
    for (std::uint64_t k = 0; k < nr; ++k) {
      const auto value = buffer_[3 + 2 * k];
      const auto id = buffer_[4 + 2 * k];
      for (const auto index : g.members) {
        if (events_[index].id != id) continue;
        out.raw[index] = value;
        out.enabled_ns[index] = buffer_[1];
        out.running_ns[index] = buffer_[2];
      }
    }
  }
}

CounterSnapshot CounterSet::read() const {
  CounterSnapshot out;
  read(out);
  return out;
}

std::vector<CounterValue> CounterSet::values(const CounterSnapshot& begin,
                                             const CounterSnapshot& end) const {
  std::vector<CounterValue> out;
  out.reserve(events_.size());
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const auto& e = events_[i];
    CounterValue v;
    v.name = std::string(e.spec->name);
    v.hardware = e.spec->hardware;
    v.supported = e.fd >= 0;
    v.reason = e.reason;
    if (v.supported && i < begin.raw.size() && i < end.raw.size()) {
      const auto enabled = end.enabled_ns[i] - begin.enabled_ns[i];
      const auto running = end.running_ns[i] - begin.running_ns[i];
      v.raw = end.raw[i] - begin.raw[i];
      v.counted = running > 0;
      if (v.counted) {
        v.running_fraction = static_cast<double>(running) / static_cast<double>(enabled);
        v.scaled = static_cast<double>(v.raw) * static_cast<double>(enabled) /
                   static_cast<double>(running);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<CounterValue> CounterSet::values() const {
  CounterSnapshot zero;
  zero.raw.assign(events_.size(), 0);
  zero.enabled_ns.assign(events_.size(), 0);
  zero.running_ns.assign(events_.size(), 0);
  return values(zero, read());
}

}  // namespace erg::profiler
