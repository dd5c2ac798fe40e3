#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include <nlohmann/json.hpp>

namespace erg::bindings {

// Converts nlohmann::json to plain Python objects (dict, list, str, int, float, bool, None).
pybind11::object to_python(const nlohmann::json& value);

// Converts plain Python objects (dict with str keys, list/tuple, str, int, float, bool, None,
// numpy scalars) to JSON. Anything else throws erg::Error naming `where` (a dotted key path).
nlohmann::json from_python(pybind11::handle value, const std::string& where = "value");

}  // namespace erg::bindings
