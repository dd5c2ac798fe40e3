#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/access_sink.hpp"
#include "profiler/energy_source.hpp"

namespace erg::profiler {

// What one component cost over the invocations a ComponentBusyTracker saw.
struct ComponentBusyTime {
  std::uint64_t invocations = 0;
  double busy_s = 0;  // summed over its invocations, each from begin to end (inclusive)
  bool energy_measured = false;
  // Only when energy_measured: energy per domain of the source (in its domains() order) summed
  // over the same invocations, each from a read just before its begin to one just after its end.
  std::vector<double> energy_j;
  double total_energy_j = 0;  // over the in_total domains
};

// An AccessSink that times component invocations (on_invocation .. on_invocation_end) and, for
// a chosen set of components, reads an energy source at each of their begins and ends, so a
// component's energy is measured over its own busy intervals inside a real run.
//
// Nesting: a component's time is inclusive. "asr.encoder" covers its layers' invocations too,
// and each layer also keeps its own time. If a component is re-entered, only the outermost
// invocation is timed, but every begin counts as an invocation, as the engines count them.
// Measured components should not nest inside one another: the inner one's reads would land in
// the outer one's interval.
//
// The engines call it on their thread; it is not synchronized. Memory traffic events are
// ignored. A begin allocates only for an id it has never seen; ends never allocate or throw
// (they run in destructors): a failed energy read or an unpaired end is recorded, and check()
// or result() reports it afterwards.
class ComponentBusyTracker final : public AccessSink {
 public:
  using Clock = std::int64_t (*)();  // nanoseconds on a monotonic clock

  // `source` may be null when `measured` is empty. `clock` defaults to steady_now_ns; tests pass
  // their own.
  explicit ComponentBusyTracker(EnergySource* source = nullptr,
                                std::vector<ComponentId> measured = {}, Clock clock = nullptr);

  void on_invocation(ComponentId component) override;
  void on_invocation_end(ComponentId component) override;
  void on_access(const AccessEvent&) override {}
  void on_compute(const ComputeEvent&) override {}

  // Throws erg::Error for an invocation still open, an end without a begin, or an energy read
  // that failed.
  void check() const;
  // The component's figures (zeros for one never seen); check()s first.
  ComponentBusyTime result(ComponentId component) const;
  // Forgets all times, counts and energy (measured components stay measured).
  void reset();

 private:
  struct State {
    std::uint32_t depth = 0;
    std::uint64_t invocations = 0;
    std::int64_t begin_ns = 0;
    std::int64_t busy_ns = 0;
    bool measured = false;
    std::vector<std::uint64_t> begin_uj, energy_uj;
  };

  State& state(ComponentId component);

  EnergySource* source_;
  Clock clock_;
  std::vector<State> states_;  // indexed by ComponentId
  std::vector<std::uint64_t> end_uj_;
  std::uint64_t unpaired_ends_ = 0;
  std::string energy_error_;
};

}  // namespace erg::profiler
