#pragma once

#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>

namespace erg::bindings {

// Converts nlohmann::json to plain Python objects (dict, list, str, int, float, bool, None).
pybind11::object to_python(const nlohmann::json& value);

}  // namespace erg::bindings
