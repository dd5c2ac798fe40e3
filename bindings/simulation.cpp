#include "bindings/simulation.hpp"

#include "bindings/json_cast.hpp"
#include "bindings/preset_dict.hpp"
#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "simulator/analytic_model.hpp"
#include "simulator/energy_model.hpp"
#include "simulator/hierarchy.hpp"
#include "simulator/stats_json.hpp"

namespace py = pybind11;

namespace erg::bindings {

SimMode parse_sim_mode(const std::string& text) {
  if (text == "analytic") return SimMode::kAnalytic;
  if (text == "trace") return SimMode::kTrace;
  throw Error("mode must be \"analytic\" or \"trace\", got \"" + text + "\"", "mode");
}

simulator::Preset preset_from_arg(py::handle arg) {
  if (py::isinstance<simulator::Preset>(arg)) return arg.cast<simulator::Preset>();
  if (py::isinstance<py::dict>(arg)) {
    const auto spec = from_python(arg, "preset");
    if (const auto it = spec.find("base"); it != spec.end()) {
      if (!it->is_string()) throw Error("base must be a preset name or path", "preset dict");
      const auto base = simulator::load_named_preset(it->get<std::string>());
      auto rest = spec;
      rest.erase("base");
      return preset_from_json(rest, &base);
    }
    return preset_from_json(spec, nullptr);
  }
  const auto os = py::module_::import("os");
  if (py::isinstance<py::str>(arg) || py::hasattr(arg, "__fspath__"))
    return simulator::load_named_preset(os.attr("fspath")(arg).cast<std::string>());
  throw Error("expected an erg.Preset, a preset name or path, or a dict, got " +
                  std::string(py::str(py::type::of(arg).attr("__name__"))),
              "preset");
}

nlohmann::json simulate_with(const simulator::Preset& preset, SimMode mode,
                             const std::function<void(AccessSink&)>& drive,
                             std::optional<double> time_s) {
  simulator::HierarchyStats stats;
  if (mode == SimMode::kTrace) {
    simulator::Hierarchy hierarchy(preset.hierarchy);
    drive(hierarchy);
    stats = hierarchy.stats();
  } else {
    CountingSink sink(true);
    drive(sink);
    stats = simulator::simulate_analytic(preset.hierarchy, sink);
  }
  const auto energy = simulator::compute_energy(preset.energy, stats, time_s);
  auto body = simulator::stats_to_json(stats, energy);
  body["preset"] = preset.name;
  body["mode"] = mode == SimMode::kTrace ? "trace" : "analytic";
  return body;
}

}  // namespace erg::bindings
