#pragma once

#include <pybind11/pybind11.h>

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/access_sink.hpp"
#include "simulator/preset.hpp"

namespace erg::bindings {

// How a workload is priced: "analytic" (reuse-distance model over the tensor use sequence) or
// "trace" (every access through the cache hierarchy).
enum class SimMode { kAnalytic, kTrace };
SimMode parse_sim_mode(const std::string& text);

// A preset argument as Python passes it: an erg.Preset, a name or path (str or os.PathLike),
// or a dict of the preset_dict.hpp schema (a custom hierarchy).
simulator::Preset preset_from_arg(pybind11::handle arg);

// Runs `drive(sink)` with the simulator as the sink and returns the simulate report body
// (stats_to_json) plus "preset" and "mode". Called without the GIL.
nlohmann::json simulate_with(const simulator::Preset& preset, SimMode mode,
                             const std::function<void(AccessSink&)>& drive,
                             std::optional<double> time_s);

}  // namespace erg::bindings
