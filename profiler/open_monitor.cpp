#include "profiler/open_monitor.hpp"

#include <utility>

#include "core/error.hpp"
#include "profiler/perf_counters.hpp"
#include "profiler/perf_event_catalog.hpp"

namespace erg::profiler {
namespace {

// Counters follow the calling thread: the engines run on it.
std::unique_ptr<CounterSet> open_counters(std::string& reason) {
  const auto paranoid = read_perf_event_paranoid();
  if (!paranoid) {
    reason = "perf_event_open is unavailable: no /proc/sys/kernel/perf_event_paranoid";
    return nullptr;
  }
  try {
    return std::make_unique<CounterSet>(CounterTarget{0, -1, false, false}, *paranoid);
  } catch (const Error& e) {
    reason = e.what();
    return nullptr;
  }
}

}  // namespace

std::unique_ptr<EnergyMonitor> open_monitor(const EnergySourceOptions& options,
                                            bool explicit_source, std::string* counters_reason) {
  std::unique_ptr<EnergySource> source;
  std::string reason;
  try {
    source = open_energy_source(options);
  } catch (const UnavailableError& e) {
    reason = e.what();
  } catch (const Error& e) {
    if (explicit_source) throw;
    reason = e.what();
  }
  std::unique_ptr<CounterSet> counters;
  if (counters_reason != nullptr) counters = open_counters(*counters_reason);
  return std::make_unique<EnergyMonitor>(std::move(source), reason, std::move(counters));
}

void require_energy(const EnergyMonitor& monitor) {
  if (monitor.source() == nullptr)
    throw UnavailableError("energy unavailable: " + monitor.unavailable_reason());
}

}  // namespace erg::profiler
