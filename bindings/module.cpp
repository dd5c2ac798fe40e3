#include <pybind11/pybind11.h>

#include "bindings/modules.hpp"
#include "core/version.hpp"

PYBIND11_MODULE(_erg, m) {
  m.doc() = "erg: measure, simulate and reduce the energy of on-device ML inference";
  m.attr("__version__") = std::string(erg::kVersion);
  erg::bindings::bind_core(m);
  erg::bindings::bind_simulator(m);
  erg::bindings::bind_models(m);
  erg::bindings::bind_profiler(m);
  erg::bindings::bind_sweep(m);
  erg::bindings::bind_model_profile(m);
  erg::bindings::bind_reports(m);
}
