#include "profiler/measurement_window.hpp"

#include <time.h>

#include "core/error.hpp"

namespace erg::profiler {

std::int64_t steady_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

EnergyMonitor::EnergyMonitor(std::unique_ptr<EnergySource> source, std::string unavailable_reason,
                             std::unique_ptr<CounterSet> counters)
    : source_(std::move(source)),
      unavailable_reason_(std::move(unavailable_reason)),
      counters_(std::move(counters)) {
  if (!source_ && unavailable_reason_.empty()) unavailable_reason_ = "no energy source was given";
  if (source_) end_energy_uj_.resize(source_->domains().size());
  if (counters_) {
    counters_->reset();
    counters_->enable();
  }
}

void EnergyMonitor::set_baseline(IdleBaseline baseline) {
  std::lock_guard lock(mutex_);
  if (!source_ || baseline.power_w.size() != source_->domains().size()) {
    throw Error("the idle baseline does not match this monitor's energy domains", "baseline");
  }
  baseline_ = std::move(baseline);
}

bool EnergyMonitor::is_window_open(std::string_view name) const {
  std::lock_guard lock(mutex_);
  for (const auto& s : slots_) {
    if (s.open && s.name == name) return true;
  }
  return false;
}

void EnergyMonitor::begin_window(std::string_view name) {
  std::lock_guard lock(mutex_);
  Slot* free_slot = nullptr;
  for (auto& s : slots_) {
    if (s.open && s.name == name) {
      throw Error("window '" + std::string(name) + "' is already open", "begin_window");
    }
    if (!s.open && free_slot == nullptr) free_slot = &s;
  }
  if (free_slot == nullptr) {
    free_slot = &slots_.emplace_back();
    if (source_) free_slot->energy_uj.resize(source_->domains().size());
  }
  free_slot->name.assign(name);
  free_slot->open = true;
  if (counters_) counters_->read(free_slot->counters);
  // The energy reading is dated at the middle of the read, so a preemption during it biases
  // power by half its length instead of all of it.
  const auto before_ns = steady_now_ns();
  if (source_) source_->read_uj(free_slot->energy_uj);
  free_slot->begin_ns = before_ns + (steady_now_ns() - before_ns) / 2;
}

WindowResult EnergyMonitor::end_window(std::string_view name) {
  std::lock_guard lock(mutex_);
  Slot* slot = nullptr;
  for (auto& s : slots_) {
    if (s.open && s.name == name) slot = &s;
  }
  if (slot == nullptr) {
    throw Error("window '" + std::string(name) + "' was never begun (or already ended)",
                "end_window");
  }
  slot->open = false;  // a failed read below still ends the window
  const auto before_ns = steady_now_ns();
  if (source_) source_->read_uj(end_energy_uj_);
  const auto end_ns = before_ns + (steady_now_ns() - before_ns) / 2;
  if (counters_) counters_->read(end_counters_);

  WindowResult result;
  result.name.assign(name);
  result.time_s = (end_ns - slot->begin_ns) * 1e-9;
  if (counters_) result.counters = counters_->values(slot->counters, end_counters_);
  if (!source_) {
    result.energy_unavailable_reason = unavailable_reason_;
    return result;
  }
  result.energy_available = true;
  result.energy_source = std::string(source_->kind());
  result.baseline_subtracted = baseline_.has_value();
  const auto& domains = source_->domains();
  result.domains.reserve(domains.size());
  for (std::size_t i = 0; i < domains.size(); ++i) {
    DomainEnergy d;
    d.name = domains[i].name;
    d.in_total = domains[i].in_total;
    d.energy_j = (end_energy_uj_[i] - slot->energy_uj[i]) * 1e-6;
    d.power_w = result.time_s > 0 ? d.energy_j / result.time_s : 0;
    d.net_energy_j = d.energy_j - (baseline_ ? baseline_->power_w[i] * result.time_s : 0.0);
    if (d.in_total) {
      result.total_energy_j += d.energy_j;
      result.net_total_energy_j += d.net_energy_j;
    }
    result.domains.push_back(std::move(d));
  }
  result.total_power_w = result.time_s > 0 ? result.total_energy_j / result.time_s : 0;
  return result;
}

}  // namespace erg::profiler
