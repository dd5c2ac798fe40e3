#include "profiler/component_busy_time.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "core/component_registry.hpp"
#include "core/error.hpp"
#include "profiler/measurement_window.hpp"

namespace erg::profiler {

ComponentBusyTracker::ComponentBusyTracker(EnergySource* source, std::vector<ComponentId> measured,
                                           Clock clock)
    : source_(source), clock_(clock != nullptr ? clock : &steady_now_ns) {
  if (!measured.empty() && source_ == nullptr)
    throw Error("components to measure need an energy source", "ComponentBusyTracker");
  // Every id known now gets its slot here, so the run itself does not allocate.
  states_.resize(ComponentRegistry::global().size());
  const std::size_t domains = source_ != nullptr ? source_->domains().size() : 0;
  end_uj_.resize(domains);
  for (const ComponentId id : measured) {
    if (id == kNoComponent) throw Error("cannot measure kNoComponent", "ComponentBusyTracker");
    State& s = state(id);
    s.measured = true;
    s.begin_uj.assign(domains, 0);
    s.energy_uj.assign(domains, 0);
  }
}

ComponentBusyTracker::State& ComponentBusyTracker::state(ComponentId component) {
  if (component >= states_.size()) states_.resize(std::size_t(component) + 1);
  return states_[component];
}

void ComponentBusyTracker::on_invocation(ComponentId component) {
  if (component == kNoComponent) return;
  State& s = state(component);
  ++s.invocations;
  if (s.depth++ > 0) return;  // re-entered: the outermost invocation keeps the time
  // Energy first, then the clock: the component's time excludes its own reads.
  if (s.measured && energy_error_.empty()) {
    try {
      source_->read_uj(s.begin_uj);
    } catch (const std::exception& e) {
      energy_error_ = e.what();
    }
  }
  s.begin_ns = clock_();
}

void ComponentBusyTracker::on_invocation_end(ComponentId component) {
  if (component == kNoComponent) return;
  if (component >= states_.size() || states_[component].depth == 0) {
    ++unpaired_ends_;
    return;
  }
  State& s = states_[component];
  if (--s.depth > 0) return;
  s.busy_ns += clock_() - s.begin_ns;
  if (s.measured && energy_error_.empty()) {
    try {
      source_->read_uj(end_uj_);
      // Sources are monotonic (wraps folded in), so the difference is never negative.
      for (std::size_t d = 0; d < end_uj_.size(); ++d)
        s.energy_uj[d] += end_uj_[d] - s.begin_uj[d];
    } catch (const std::exception& e) {
      energy_error_ = e.what();
    }
  }
}

void ComponentBusyTracker::check() const {
  if (!energy_error_.empty())
    throw Error("reading energy at a component invocation failed: " + energy_error_,
                "ComponentBusyTracker");
  if (unpaired_ends_ > 0)
    throw Error(std::to_string(unpaired_ends_) + " invocation end(s) without a begin",
                "ComponentBusyTracker");
  for (std::size_t id = 0; id < states_.size(); ++id) {
    if (states_[id].depth > 0)
      throw Error("an invocation is still open", ComponentRegistry::global().name(ComponentId(id)));
  }
}

ComponentBusyTime ComponentBusyTracker::result(ComponentId component) const {
  check();
  ComponentBusyTime out;
  if (component >= states_.size()) return out;
  const State& s = states_[component];
  out.invocations = s.invocations;
  out.busy_s = double(s.busy_ns) * 1e-9;
  out.energy_measured = s.measured;
  if (s.measured) {
    out.energy_j.reserve(s.energy_uj.size());
    for (const auto uj : s.energy_uj)
      out.energy_j.push_back(double(uj) * 1e-6);
    out.total_energy_j = total_over_domains(source_->domains(), out.energy_j);
  }
  return out;
}

void ComponentBusyTracker::reset() {
  for (auto& s : states_) {
    s.depth = 0;
    s.invocations = 0;
    s.begin_ns = 0;
    s.busy_ns = 0;
    std::fill(s.energy_uj.begin(), s.energy_uj.end(), 0);
  }
  unpaired_ends_ = 0;
  energy_error_.clear();
}

}  // namespace erg::profiler
