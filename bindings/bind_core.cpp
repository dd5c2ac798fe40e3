#include <pybind11/pybind11.h>

#include "bindings/modules.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "core/units.hpp"

namespace py = pybind11;

namespace erg::bindings {

void bind_core(py::module_& m) {
  // erg::Error surfaces as erg.Error with the same message the CLI prints after "erg: error: ";
  // UnavailableError (no RAPL, no counters) as its subclass erg.UnavailableError.
  static py::exception<Error> error_type(m, "Error", PyExc_RuntimeError);
  static py::exception<UnavailableError> unavailable_type(m, "UnavailableError", error_type.ptr());
  error_type.attr("__module__") = "erg";
  unavailable_type.attr("__module__") = "erg";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const UnavailableError& e) {
      PyErr_SetString(unavailable_type.ptr(), e.what());
    } catch (const Error& e) {
      PyErr_SetString(error_type.ptr(), e.what());
    }
  });
  m.def("format_energy", &units::format_energy, py::arg("energy_j"),
        "Formats an energy in joules with an SI prefix, e.g. '3.10 uJ'.");
  m.def("parse_bytes", &units::parse_bytes, py::arg("text"),
        "Parses a byte size such as '32KiB' or '1 MiB' into bytes.");
  m.def(
      "data_root", [] { return data_root().string(); },
      "Where erg finds its shipped data (presets, weights, configs): $ERG_HOME, else the source "
      "tree it was built from.");
}

}  // namespace erg::bindings
