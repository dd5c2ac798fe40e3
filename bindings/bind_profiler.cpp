#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "bindings/json_cast.hpp"
#include "bindings/modules.hpp"
#include "core/error.hpp"
#include "profiler/energy_source.hpp"
#include "profiler/machine_probe.hpp"
#include "profiler/measurement_window.hpp"
#include "profiler/power_sampler.hpp"
#include "profiler/powercap_zones.hpp"
#include "profiler/profile_json.hpp"

namespace py = pybind11;

namespace erg::bindings {
namespace {

// Where energy comes from; the defaults read this machine.
struct SourceChoice {
  std::string kind = "auto";
  std::optional<std::string> powercap_root;
  std::string sys = "/sys";

  profiler::EnergySourceOptions options() const {
    profiler::EnergySourceOptions o;
    o.kind = profiler::parse_energy_source_kind(kind);
    o.sys_root = sys;
    if (powercap_root) {
      o.powercap_root = *powercap_root;
      // A powercap tree named explicitly is what the caller wants read (as in `erg profile`).
      if (kind == "auto") o.kind = profiler::EnergySourceKind::kPowercap;
    }
    return o;
  }
};

// The process-wide monitor behind begin_window/end_window, opened on first use. Without an
// energy source its windows report the reason instead of a number.
class Monitor {
 public:
  profiler::EnergyMonitor& get() {
    std::lock_guard lock(mutex_);
    if (!monitor_) open(SourceChoice{}, false);
    return *monitor_;
  }
  void configure(const SourceChoice& choice) {
    std::lock_guard lock(mutex_);
    open(choice, choice.kind != "auto" || choice.powercap_root.has_value());
  }

 private:
  void open(const SourceChoice& choice, bool explicit_choice) {
    std::unique_ptr<profiler::EnergySource> source;
    std::string reason;
    try {
      source = profiler::open_energy_source(choice.options());
    } catch (const UnavailableError& e) {
      if (explicit_choice) throw;
      reason = e.what();
    } catch (const Error& e) {
      if (explicit_choice) throw;  // the caller asked for this source: its fix is the answer
      reason = e.what();
    }
    monitor_ = std::make_unique<profiler::EnergyMonitor>(std::move(source), reason);
  }

  std::mutex mutex_;
  std::unique_ptr<profiler::EnergyMonitor> monitor_;
};

Monitor& monitor() {
  static Monitor m;
  return m;
}

// A sampler that owns its energy source.
class Sampler {
 public:
  Sampler(double interval_s, std::size_t capacity, const SourceChoice& choice) {
    if (!(interval_s > 0)) throw Error("must be positive", "interval_s");
    if (capacity == 0) throw Error("must be positive", "capacity");
    source_ = profiler::open_energy_source(choice.options());
    profiler::SamplerOptions o;
    o.interval_s = interval_s;
    o.capacity = capacity;
    sampler_ = std::make_unique<profiler::PowerSampler>(*source_, o);
  }
  profiler::PowerSampler& sampler() { return *sampler_; }

  py::dict timeline() const {
    const auto samples = sampler_->samples();
    const auto& domains = sampler_->domains();
    const auto n = static_cast<py::ssize_t>(samples.size());
    const auto d = static_cast<py::ssize_t>(domains.size());
    py::array_t<double> time_s(n);
    py::array_t<double> power_w({n, d});
    auto t = time_s.mutable_unchecked<1>();
    auto p = power_w.mutable_unchecked<2>();
    for (py::ssize_t i = 0; i < n; ++i) {
      t(i) = samples[std::size_t(i)].time_s;
      for (py::ssize_t j = 0; j < d; ++j)
        p(i, j) = samples[std::size_t(i)].power_w.at(std::size_t(j));
    }
    std::vector<std::string> names;
    for (const auto& dom : domains)
      names.push_back(dom.name);
    py::dict out;
    out["domains"] = names;
    out["time_s"] = time_s;
    out["power_w"] = power_w;
    return out;
  }

 private:
  std::unique_ptr<profiler::EnergySource> source_;
  std::unique_ptr<profiler::PowerSampler> sampler_;
};

}  // namespace

void bind_profiler(py::module_& m) {
  m.def(
      "info",
      [](const std::string& sys, const std::string& proc) {
        profiler::ProbeRoots roots{sys, proc};
        return to_python(profiler::to_json(profiler::probe_machine(roots)));
      },
      py::arg("sys") = "/sys", py::arg("proc") = "/proc",
      "Probes this machine like `erg info --json` and returns the same dict: CPU and caches, RAPL "
      "zones, the perf power PMU, perf_event_paranoid and per-event availability with reasons.");

  m.def(
      "configure_profiler",
      [](const std::string& source, const std::optional<std::string>& powercap_root,
         const std::string& sys) {
        monitor().configure(SourceChoice{source, powercap_root, sys});
      },
      py::arg("source") = "auto", py::arg("powercap_root") = py::none(), py::arg("sys") = "/sys",
      "Reopens the energy source behind begin_window/end_window: 'auto', 'powercap' or 'perf', "
      "optionally from another powercap tree or /sys root. Open windows are dropped. An "
      "explicit source that cannot be read raises erg.Error with the fix; 'auto' without one "
      "makes windows report why energy is unavailable.");
  m.def(
      "begin_window", [](const std::string& name) { monitor().get().begin_window(name); },
      py::arg("name"),
      "Opens a named measurement window (Zeus-style). Windows may nest or overlap.");
  m.def(
      "end_window",
      [](const std::string& name) {
        return to_python(profiler::to_json(monitor().get().end_window(name)));
      },
      py::arg("name"),
      "Closes a window and returns {name, time_s, energy: {available, ...}, counters}. Without "
      "RAPL, energy is {'available': False, 'reason': why} - never a number. Raises erg.Error "
      "for a window that is not open.");
  m.def(
      "is_window_open",
      [](const std::string& name) { return monitor().get().is_window_open(name); }, py::arg("name"),
      "True while the named window is open.");
  m.def(
      "energy_unavailable_reason",
      [](void) -> py::object {
        auto& mon = monitor().get();
        if (mon.source()) return py::none();
        return py::str(mon.unavailable_reason());
      },
      "None when windows measure energy, else why they cannot (no RAPL, permissions...).");

  py::class_<Sampler>(m, "PowerSampler",
                      "A background thread that samples power per energy domain at a fixed "
                      "interval into a bounded ring. Raises erg.UnavailableError (with the "
                      "reason) on a machine without RAPL. Usable as a context manager.")
      .def(py::init([](double interval_s, std::size_t capacity, const std::string& source,
                       const std::optional<std::string>& powercap_root, const std::string& sys) {
             return std::make_unique<Sampler>(interval_s, capacity,
                                              SourceChoice{source, powercap_root, sys});
           }),
           py::arg("interval_s") = 0.01, py::arg("capacity") = 1 << 16, py::arg("source") = "auto",
           py::arg("powercap_root") = py::none(), py::arg("sys") = "/sys")
      .def(
          "start", [](Sampler& s) { s.sampler().start(); }, "Starts sampling.")
      .def(
          "stop",
          [](Sampler& s) {
            py::gil_scoped_release release;
            s.sampler().stop();
          },
          "Stops sampling (idempotent).")
      .def("__enter__",
           [](Sampler& s) -> Sampler& {
             s.sampler().start();
             return s;
           })
      .def("__exit__",
           [](Sampler& s, const py::object&, const py::object&, const py::object&) {
             py::gil_scoped_release release;
             s.sampler().stop();
             return false;
           })
      .def("timeline", &Sampler::timeline,
           "The samples held, oldest first: {'domains': names, 'time_s': float64 [n], "
           "'power_w': float64 [n, domains]}.")
      .def_property_readonly("taken", [](Sampler& s) { return s.sampler().taken(); })
      .def_property_readonly("overwritten", [](Sampler& s) { return s.sampler().overwritten(); })
      .def_property_readonly("interval_s", [](Sampler& s) { return s.sampler().interval_s(); })
      .def_property_readonly(
          "cpu_time_s", [](Sampler& s) { return s.sampler().cpu_time_s(); },
          "CPU time the sampling thread has used.")
      .def(
          "to_dict", [](Sampler& s) { return to_python(s.sampler().to_json()); },
          "The timeline as the JSON dict `erg profile` writes.");
}

}  // namespace erg::bindings
