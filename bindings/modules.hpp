#pragma once

#include <pybind11/pybind11.h>

// One bind_<part>() per part, each in bind_<part>.cpp, called from module.cpp.
namespace erg::bindings {

void bind_core(pybind11::module_& m);
void bind_simulator(pybind11::module_& m);
void bind_models(pybind11::module_& m);
void bind_profiler(pybind11::module_& m);
void bind_sweep(pybind11::module_& m);
void bind_model_profile(pybind11::module_& m);  // erg.profile_model (sweep/model_profile.hpp)
void bind_reports(pybind11::module_& m);

}  // namespace erg::bindings
