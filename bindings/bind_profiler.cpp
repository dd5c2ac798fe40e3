#include <pybind11/pybind11.h>

#include "bindings/json_cast.hpp"
#include "bindings/modules.hpp"
#include "profiler/machine_probe.hpp"

namespace py = pybind11;

namespace erg::bindings {

void bind_profiler(py::module_& m) {
  m.def(
      "info",
      [](const std::string& sys, const std::string& proc) {
        profiler::ProbeRoots roots{sys, proc};
        return to_python(profiler::to_json(profiler::probe_machine(roots)));
      },
      py::arg("sys") = "/sys", py::arg("proc") = "/proc",
      "Probes this machine like `erg info --json` and returns the same dict: CPU and caches, RAPL "
      "zones, the perf power PMU, perf_event_paranoid and per-event availability with reasons.");
}

}  // namespace erg::bindings
