#pragma once

#include <string>
#include <vector>

#include "profiler/energy_source.hpp"

namespace erg::profiler {

// Idle power per domain, measured while erg sleeps; windows subtract idle power x duration to
// report net (workload-attributable) energy beside the raw figure.
struct IdleBaseline {
  double duration_s = 0;
  std::vector<std::string> domains;
  std::vector<double> power_w;  // per domain, in the source's domain order
};

// Sleeps for duration_s (> 0) and returns the average power of each domain over it.
IdleBaseline measure_idle_baseline(EnergySource& source, double duration_s);

}  // namespace erg::profiler
