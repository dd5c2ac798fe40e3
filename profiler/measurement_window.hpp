#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profiler/energy_source.hpp"
#include "profiler/idle_baseline.hpp"
#include "profiler/perf_counters.hpp"

namespace erg::profiler {

struct DomainEnergy {
  std::string name;
  bool in_total = false;
  double energy_j = 0;      // raw, as measured
  double power_w = 0;       // energy_j / time_s
  double net_energy_j = 0;  // energy_j minus idle power x time_s (equal to energy_j without one)
};

// What one window measured. Energy figures are present only when energy_available; otherwise
// energy_unavailable_reason says why (never a zero standing in for "unknown").
struct WindowResult {
  std::string name;
  double time_s = 0;
  bool energy_available = false;
  std::string energy_source;  // "powercap" or "perf"
  std::string energy_unavailable_reason;
  std::vector<DomainEnergy> domains;
  double total_energy_j = 0;  // over in_total domains (psys, or packages + dram)
  double total_power_w = 0;
  bool baseline_subtracted = false;
  double net_total_energy_j = 0;
  std::vector<CounterValue> counters;  // empty when the monitor counts nothing
};

// Zeus-style measurement windows: begin_window("x") ... end_window("x") returns time, energy
// per domain, average power and counter deltas. Windows may nest or overlap: each keeps its own
// snapshot of the monotonic energy and counter values. begin and end read the source and the
// counters once each and do not allocate once a slot exists.
class EnergyMonitor {
 public:
  // source and counters may be null (no energy here, or no counting); unavailable_reason
  // explains a null source in every result.
  EnergyMonitor(std::unique_ptr<EnergySource> source, std::string unavailable_reason = {},
                std::unique_ptr<CounterSet> counters = nullptr);

  void begin_window(std::string_view name);
  WindowResult end_window(std::string_view name);
  bool is_window_open(std::string_view name) const;

  EnergySource* source() const { return source_.get(); }
  CounterSet* counters() const { return counters_.get(); }
  const std::string& unavailable_reason() const { return unavailable_reason_; }
  // Idle power to subtract from later windows (idle_baseline.hpp measures one).
  void set_baseline(IdleBaseline baseline);
  const std::optional<IdleBaseline>& baseline() const { return baseline_; }

 private:
  struct Slot {
    bool open = false;
    std::string name;
    std::int64_t begin_ns = 0;
    std::vector<std::uint64_t> energy_uj;
    CounterSnapshot counters;
  };

  std::unique_ptr<EnergySource> source_;
  std::string unavailable_reason_;
  std::unique_ptr<CounterSet> counters_;
  std::optional<IdleBaseline> baseline_;
  std::vector<Slot> slots_;
  std::vector<std::uint64_t> end_energy_uj_;
  CounterSnapshot end_counters_;
  mutable std::mutex mutex_;
};

std::int64_t steady_now_ns();

}  // namespace erg::profiler
