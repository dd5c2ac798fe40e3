#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>

#include <toml++/toml.h>

#include "bindings/json_cast.hpp"
#include "bindings/modules.hpp"
#include "core/error.hpp"
#include "sweep/experiment.hpp"
#include "sweep/experiment_spec.hpp"
#include "sweep/pareto.hpp"
#include "sweep/result_store.hpp"

namespace py = pybind11;
namespace fs = std::filesystem;

namespace erg::bindings {
namespace {

void add_to_array(toml::array& array, const nlohmann::json& value, const std::string& where);

void add_to_table(toml::table& table, const std::string& key, const nlohmann::json& value,
                  const std::string& where) {
  switch (value.type()) {
    case nlohmann::json::value_t::boolean:
      table.insert(key, value.get<bool>());
      break;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      table.insert(key, value.get<std::int64_t>());
      break;
    case nlohmann::json::value_t::number_float:
      table.insert(key, value.get<double>());
      break;
    case nlohmann::json::value_t::string:
      table.insert(key, value.get<std::string>());
      break;
    case nlohmann::json::value_t::object: {
      toml::table sub;
      for (const auto& [k, v] : value.items())
        add_to_table(sub, k, v, where + "." + k);
      table.insert(key, std::move(sub));
      break;
    }
    case nlohmann::json::value_t::array: {
      toml::array arr;
      for (std::size_t i = 0; i < value.size(); ++i)
        add_to_array(arr, value[i], where + "[" + std::to_string(i) + "]");
      table.insert(key, std::move(arr));
      break;
    }
    default:
      throw Error("has no TOML form (None is not allowed in a spec)", where);
  }
}

void add_to_array(toml::array& array, const nlohmann::json& value, const std::string& where) {
  toml::table holder;
  add_to_table(holder, "v", value, where);
  array.push_back(std::move(*holder.get("v")));
}

// Writes a dict spec as TOML to <out_dir>/spec.toml and loads it through the same parser (and
// the same checks) as a spec file.
sweep::ExperimentSpec spec_from_dict(const nlohmann::json& spec, const fs::path& out_dir) {
  if (!spec.is_object()) throw Error("must be a dict", "spec");
  toml::table root;
  for (const auto& [k, v] : spec.items())
    add_to_table(root, k, v, "spec." + k);
  fs::create_directories(out_dir);
  const auto path = out_dir / "spec.toml";
  std::ostringstream text;
  text << "# Written by erg.sweep() from a Python dict.\n" << root << "\n";
  {
    std::ofstream out(path);
    out << text.str();
    if (!out) throw Error("cannot write the spec", path.string());
  }
  return sweep::load_experiment_spec(path);
}

// Runs the experiment on a worker thread while this (the main) thread keeps checking for
// Ctrl-C: PyErr_CheckSignals only runs signal handlers on the main thread. On an interrupt the
// cancel flag stops the sweep before its next job, the finished rows stay in results.jsonl, and
// KeyboardInterrupt propagates.
nlohmann::json run_interruptible(const sweep::ExperimentSpec& spec, const fs::path& out_dir,
                                 sweep::SweepOptions options) {
  std::atomic<bool> cancel{false};
  options.cancel = &cancel;
  auto result =
      std::async(std::launch::async, [&] { return sweep::run_experiment(spec, out_dir, options); });
  for (;;) {
    {
      py::gil_scoped_release release;
      if (result.wait_for(std::chrono::milliseconds(50)) == std::future_status::ready) break;
    }
    if (PyErr_CheckSignals() != 0) {
      cancel = true;
      {
        py::gil_scoped_release release;
        result.wait();
      }
      try {
        result.get();
      } catch (...) {
        // The sweep's own "cancelled" error gives way to the KeyboardInterrupt already set.
      }
      throw py::error_already_set();
    }
  }
  return result.get();
}

}  // namespace

void bind_sweep(py::module_& m) {
  m.def(
      "_run_experiment",
      [](const py::object& spec, const py::object& output_dir, std::size_t threads, bool progress) {
        const auto os = py::module_::import("os");
        const fs::path out = os.attr("fspath")(output_dir).cast<std::string>();
        if (threads == 0) throw Error("must be at least 1", "threads");
        sweep::ExperimentSpec parsed;
        if (py::isinstance<py::dict>(spec)) {
          parsed = spec_from_dict(from_python(spec, "spec"), out);
        } else {
          const fs::path path = os.attr("fspath")(spec).cast<std::string>();
          parsed = sweep::load_experiment_spec(path);
        }
        sweep::SweepOptions options;
        options.threads = threads;
        options.progress = progress;
        return to_python(run_interruptible(parsed, out, options));
      },
      py::arg("spec"), py::arg("output_dir"), py::arg("threads") = 1, py::arg("progress") = false,
      "Runs an experiment spec (path or dict) into output_dir and returns summary.json as a "
      "dict. Use erg.sweep(), which wraps this.");
  m.def(
      "read_results",
      [](const py::object& output_dir) {
        const fs::path dir =
            py::module_::import("os").attr("fspath")(output_dir).cast<std::string>();
        const auto path = dir / "results.jsonl";
        if (!fs::exists(path))
          throw Error("not a sweep directory (no results.jsonl)", dir.string());
        const sweep::ResultStore store(path);
        nlohmann::json rows = store.rows();
        return to_python(rows);
      },
      py::arg("output_dir"),
      "The rows of a sweep directory's results.jsonl as a list of dicts {key, config, "
      "metrics}.");
  m.def(
      "pareto_front",
      [](const std::vector<double>& x, const std::vector<double>& y) {
        if (x.size() != y.size())
          throw Error("x and y must have the same length (" + std::to_string(x.size()) + " vs " +
                          std::to_string(y.size()) + ")",
                      "pareto_front");
        std::vector<sweep::ParetoPoint> points;
        for (std::size_t i = 0; i < x.size(); ++i)
          points.push_back({x[i], y[i]});
        return sweep::pareto_front(points);
      },
      py::arg("x"), py::arg("y"),
      "Indices of the non-dominated points (both objectives minimized), sorted by x.");
}

}  // namespace erg::bindings
