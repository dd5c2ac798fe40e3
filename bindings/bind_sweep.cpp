#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <toml++/toml.h>

#include "bindings/json_cast.hpp"
#include "bindings/modules.hpp"
#include "core/error.hpp"
#include "sweep/config_hash.hpp"
#include "sweep/experiment.hpp"
#include "sweep/experiment_spec.hpp"
#include "sweep/pareto.hpp"
#include "sweep/point_evaluator.hpp"
#include "sweep/progress_bar.hpp"
#include "sweep/remote_sweep.hpp"
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
  // Parsed from text, not written first: run_experiment writes DIR/spec.toml from the text only
  // after checking that DIR holds no other spec's sweep.
  std::ostringstream text;
  text << "# Written by erg.sweep() from a Python dict.\n" << root << "\n";
  return sweep::parse_experiment_spec(text.str(), out_dir / "spec.toml");
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

sweep::ExperimentSpec spec_from_python(const py::object& spec, const fs::path& out_dir) {
  if (py::isinstance<py::dict>(spec)) return spec_from_dict(from_python(spec, "spec"), out_dir);
  const fs::path path = py::module_::import("os").attr("fspath")(spec).cast<std::string>();
  return sweep::load_experiment_spec(path);
}

fs::path path_from_python(const py::object& path) {
  return py::module_::import("os").attr("fspath")(path).cast<std::string>();
}

// The pieces erg.sweep.run() puts together on a Dask cluster: the client side (RemoteSweep, its
// progress bar) and the worker side (PointEvaluator). Rows and configs cross as JSON text, so
// what a worker computed is stored byte for byte as the local runner would store it.
void bind_remote_sweep(py::module_& m) {
  py::class_<sweep::PointEvaluator>(
      m, "_PointEvaluator", "Evaluates design points of one spec on a worker; see erg.sweep.run().")
      .def(py::init([](const std::string& spec_text, const std::string& origin) {
             return std::make_unique<sweep::PointEvaluator>(
                 sweep::parse_experiment_spec(spec_text, origin));
           }),
           py::arg("spec_text"), py::arg("origin"), py::call_guard<py::gil_scoped_release>())
      .def(
          "evaluate",
          [](sweep::PointEvaluator& self, const std::string& config_json) {
            const auto config = nlohmann::json::parse(config_json);
            py::gil_scoped_release release;
            return self.evaluate(config).dump();
          },
          py::arg("config_json"),
          "The store row (JSON text) of one design point's config (JSON text).");

  py::class_<sweep::RemoteSweep>(
      m, "_RemoteSweep",
      "A sweep whose evaluations run elsewhere, into the directory `erg sweep` writes; see "
      "erg.sweep.run().")
      .def(py::init([](const py::object& spec, const py::object& output_dir, bool force_new) {
             const auto out = path_from_python(output_dir);
             auto parsed = spec_from_python(spec, out);
             py::gil_scoped_release release;
             return std::make_unique<sweep::RemoteSweep>(std::move(parsed), out, force_new);
           }),
           py::arg("spec"), py::arg("output_dir"), py::arg("force_new") = false)
      .def(
          "next_batch",
          [](sweep::RemoteSweep& self) {
            std::vector<nlohmann::json> batch;
            {
              py::gil_scoped_release release;
              batch = self.next_batch();
            }
            py::list out;
            for (const auto& config : batch)
              out.append(py::make_tuple(sweep::config_key(config), config.dump()));
            return out;
          },
          "The next step's design points the store lacks, as (key, config JSON) pairs; empty "
          "when the strategy needs nothing more.")
      .def(
          "add_row",
          [](sweep::RemoteSweep& self, const std::string& row_json) {
            const auto row = nlohmann::json::parse(row_json);
            py::gil_scoped_release release;
            return self.add_row(row);
          },
          py::arg("row_json"), "Appends a worker's row (fsync'd); False when already stored.")
      .def(
          "add_failure",
          [](sweep::RemoteSweep& self, const std::string& config_json, const std::string& message) {
            self.add_failure(nlohmann::json::parse(config_json), message);
          },
          py::arg("config_json"), py::arg("message"))
      .def(
          "finish",
          [](sweep::RemoteSweep& self) {
            nlohmann::json summary;
            {
              py::gil_scoped_release release;
              summary = self.finish();
            }
            return to_python(summary);
          },
          "Writes results.csv and summary.json and returns the summary.")
      .def_property_readonly("spec_text", &sweep::RemoteSweep::spec_text)
      .def_property_readonly(
          "spec_origin", [](const sweep::RemoteSweep& self) { return self.spec().file.string(); })
      .def_property_readonly("stored", &sweep::RemoteSweep::stored)
      .def_property_readonly("evaluated_now", &sweep::RemoteSweep::evaluated_now)
      .def_property_readonly("discarded_torn_line", &sweep::RemoteSweep::discarded_torn_line);

  py::class_<sweep::ProgressBar>(m, "_ProgressBar",
                                 "The progress bar (rate, ETA) of `erg sweep`, on stderr.")
      .def(py::init([](std::size_t total) {
             return std::make_unique<sweep::ProgressBar>(total, std::cerr,
                                                         ::isatty(STDERR_FILENO) != 0);
           }),
           py::arg("total"))
      .def("advance", &sweep::ProgressBar::advance, py::arg("n") = 1)
      .def("finish", &sweep::ProgressBar::finish);
}

}  // namespace

void bind_sweep(py::module_& m) {
  // A spec or directory that cannot be used as given (another spec's sweep in the directory,
  // --shard with a sensitivity search): erg.UsageError, a subclass of erg.Error, so that
  // `python3 -m erg.sweep` exits 2 where `erg sweep` does. Registered after bind_core's
  // translator, so it is tried first.
  static py::exception<UsageError> usage_type(m, "UsageError", m.attr("Error").ptr());
  usage_type.attr("__module__") = "erg";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const UsageError& e) {
      PyErr_SetString(usage_type.ptr(), e.what());
    }
  });
  bind_remote_sweep(m);
  m.def(
      "_run_experiment",
      [](const py::object& spec, const py::object& output_dir, std::size_t threads, bool progress,
         bool force_new) {
        const auto os = py::module_::import("os");
        const fs::path out = os.attr("fspath")(output_dir).cast<std::string>();
        if (threads == 0) throw Error("must be at least 1", "threads");
        const auto parsed = spec_from_python(spec, out);
        sweep::SweepOptions options;
        options.threads = threads;
        options.progress = progress;
        options.force_new = force_new;
        return to_python(run_interruptible(parsed, out, options));
      },
      py::arg("spec"), py::arg("output_dir"), py::arg("threads") = 1, py::arg("progress") = false,
      py::arg("force_new") = false,
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
        // Read-only, as erg report reads it: a torn last line (kill -9 mid-write) is left out
        // with a warning and the file is not touched.
        const auto contents = sweep::read_result_store(path);
        if (contents.torn_last_line &&
            PyErr_WarnEx(PyExc_RuntimeWarning,
                         (path.string() + ":" + std::to_string(contents.torn_line_number) +
                          ": torn last line (an interrupted write) left out")
                             .c_str(),
                         1) < 0)
          throw py::error_already_set();
        nlohmann::json rows = contents.rows;
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
