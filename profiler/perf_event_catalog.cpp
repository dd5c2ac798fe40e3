#include "profiler/perf_event_catalog.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include "profiler/sysfs.hpp"

namespace erg::profiler {
namespace {

constexpr std::uint64_t cache_config(std::uint64_t cache, std::uint64_t op, std::uint64_t result) {
  return cache | (op << 8) | (result << 16);
}

constexpr std::array<PerfEventSpec, 10> kCatalog{{
    {"cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, true},
    {"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, true},
    {"cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES, true},
    {"cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, true},
    {"LLC-loads", PERF_TYPE_HW_CACHE,
     cache_config(PERF_COUNT_HW_CACHE_LL, PERF_COUNT_HW_CACHE_OP_READ,
                  PERF_COUNT_HW_CACHE_RESULT_ACCESS),
     true},
    {"LLC-load-misses", PERF_TYPE_HW_CACHE,
     cache_config(PERF_COUNT_HW_CACHE_LL, PERF_COUNT_HW_CACHE_OP_READ,
                  PERF_COUNT_HW_CACHE_RESULT_MISS),
     true},
    {"branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, true},
    {"task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, false},
    {"page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, false},
    {"context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, false},
}};

}  // namespace

std::span<const PerfEventSpec> perf_event_catalog() {
  return kCatalog;
}

const PerfEventSpec* find_perf_event(std::string_view name) {
  for (const auto& spec : kCatalog) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::optional<int> read_perf_event_paranoid(const std::string& proc_root) {
  auto text =
      read_sysfs_string(std::filesystem::path(proc_root) / "sys/kernel/perf_event_paranoid");
  if (!text) return std::nullopt;
  try {
    return std::stoi(*text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

perf_event_attr make_counting_attr(const PerfEventSpec& spec, int paranoid) {
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = spec.type;
  attr.config = spec.config;
  attr.disabled = 1;
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  if (paranoid >= 2) {
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
  }
  return attr;
}

std::string describe_perf_open_error(int error, const PerfEventSpec& spec, int paranoid) {
  switch (error) {
    case ENOENT:
    case EOPNOTSUPP:
    case EINVAL:
      if (spec.hardware) {
        return "not supported: the CPU's PMU does not expose this hardware event (usual on a "
               "virtual machine without a virtual PMU)";
      }
      return std::string("not supported by this kernel (") + std::strerror(error) + ")";
    case ENODEV:
      return "not supported: no PMU for this event on this CPU";
    case EACCES:
    case EPERM:
      return "permission denied: kernel.perf_event_paranoid is " + std::to_string(paranoid) +
             "; run 'sudo sysctl kernel.perf_event_paranoid=2' (own-process counting) or grant "
             "CAP_PERFMON";
    case ENOSYS:
      return "perf_event_open is unavailable (kernel without perf events, or blocked by seccomp)";
    case EMFILE:
      return "too many open files";
    default:
      return std::string("perf_event_open failed: ") + std::strerror(error);
  }
}

EventAvailability probe_perf_event(const PerfEventSpec& spec, int paranoid,
                                   PerfSyscalls& syscalls) {
  auto attr = make_counting_attr(spec, paranoid);
  const int fd = syscalls.open(attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) return {false, describe_perf_open_error(-fd, spec, paranoid)};
  syscalls.close(fd);
  return {true, {}};
}

}  // namespace erg::profiler
