#include <pybind11/pybind11.h>

#include "bindings/modules.hpp"
#include "core/error.hpp"
#include "core/units.hpp"

namespace py = pybind11;

namespace erg::bindings {

void bind_core(py::module_& m) {
  // erg::Error surfaces as erg.Error with the same message the CLI prints.
  static py::exception<Error> error_type(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyErr_SetString(error_type.ptr(), e.what());
    }
  });
  m.def("format_energy", &units::format_energy, py::arg("energy_j"),
        "Formats an energy in joules with an SI prefix, e.g. '3.10 uJ'.");
  m.def("parse_bytes", &units::parse_bytes, py::arg("text"),
        "Parses a byte size such as '32KiB' or '1 MiB' into bytes.");
}

}  // namespace erg::bindings
