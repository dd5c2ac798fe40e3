#include "profiler/idle_baseline.hpp"

#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "profiler/measurement_window.hpp"

namespace erg::profiler {

IdleBaseline measure_idle_baseline(EnergySource& source, double duration_s) {
  if (!(duration_s > 0)) {
    throw Error("baseline duration must be positive, got " + std::to_string(duration_s) + " s",
                "baseline");
  }
  const auto& domains = source.domains();
  std::vector<std::uint64_t> before(domains.size()), after(domains.size());
  const auto t0 = steady_now_ns();
  source.read_uj(before);
  std::this_thread::sleep_for(std::chrono::duration<double>(duration_s));
  source.read_uj(after);
  const double elapsed_s = (steady_now_ns() - t0) * 1e-9;
  IdleBaseline baseline;
  baseline.duration_s = elapsed_s;
  for (std::size_t i = 0; i < domains.size(); ++i) {
    baseline.domains.push_back(domains[i].name);
    baseline.power_w.push_back((after[i] - before[i]) * 1e-6 / elapsed_s);
  }
  return baseline;
}

}  // namespace erg::profiler
