#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "bindings/json_cast.hpp"
#include "bindings/modules.hpp"
#include "bindings/preset_dict.hpp"
#include "bindings/simulation.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "simulator/energy_model.hpp"
#include "simulator/hierarchy.hpp"
#include "simulator/preset.hpp"
#include "simulator/stats_json.hpp"
#include "simulator/trace_reader.hpp"
#include "simulator/trace_replay.hpp"

namespace py = pybind11;

namespace erg::bindings {
namespace {

using simulator::Preset;
using AddressArray = py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>;
using OpArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

// Checked views of the (addresses, ops, sizes) arrays a trace is given as.
struct TraceArrays {
  AddressArray addresses;
  std::optional<OpArray> ops;
  std::optional<AddressArray> sizes;

  TraceArrays(const py::object& a, const py::object& o, const py::object& s) {
    addresses = AddressArray::ensure(a);
    if (!addresses || addresses.ndim() != 1)
      throw Error("must be a 1-D array of unsigned 64-bit addresses", "addresses");
    const auto n = addresses.size();
    if (!o.is_none()) {
      ops = OpArray::ensure(o);
      if (!*ops || ops->ndim() != 1 || ops->size() != n)
        throw Error("must be a 1-D array with one op (0 read, 1 write) per address (" +
                        std::to_string(n) + ")",
                    "ops");
      const auto* p = ops->data();
      for (py::ssize_t i = 0; i < n; ++i)
        if (p[i] != 0 && p[i] != 1)
          throw Error("must hold 0 (read) or 1 (write), got " + std::to_string(p[i]),
                      "ops[" + std::to_string(i) + "]");
    }
    if (!s.is_none()) {
      sizes = AddressArray::ensure(s);
      if (!*sizes || sizes->ndim() != 1 || sizes->size() != n)
        throw Error(
            "must be a 1-D array with one size in bytes per address (" + std::to_string(n) + ")",
            "sizes");
      const auto* p = sizes->data();
      for (py::ssize_t i = 0; i < n; ++i)
        if (p[i] == 0) throw Error("must be positive", "sizes[" + std::to_string(i) + "]");
    }
  }

  // Feeds every access to `sink`; call without the GIL.
  void feed(AccessSink& sink, std::uint64_t size_bytes, ComponentId component) const {
    const auto n = static_cast<std::size_t>(addresses.size());
    const std::uint64_t* a = addresses.data();
    const std::int64_t* o = ops ? ops->data() : nullptr;
    const std::uint64_t* s = sizes ? sizes->data() : nullptr;
    AccessEvent e;
    e.component = component;
    for (std::size_t i = 0; i < n; ++i) {
      e.address = a[i];
      e.bytes = s ? s[i] : size_bytes;
      e.op = o && o[i] == 1 ? AccessOp::kWrite : AccessOp::kRead;
      sink.on_access(e);
    }
  }
};

ComponentId component_id(const std::optional<std::string>& name) {
  return name ? ComponentRegistry::global().intern(*name) : kNoComponent;
}

// A Hierarchy plus the preset (energy table) that prices it.
class PyHierarchy {
 public:
  explicit PyHierarchy(Preset preset)
      : preset_(std::move(preset)),
        hierarchy_(std::make_unique<simulator::Hierarchy>(preset_.hierarchy)) {}

  void access(const py::object& addresses, const py::object& ops, const py::object& sizes,
              std::uint64_t size_bytes, const std::optional<std::string>& component) {
    if (size_bytes == 0) throw Error("must be positive", "size_bytes");
    const TraceArrays arrays(addresses, ops, sizes);
    const ComponentId id = component_id(component);
    py::gil_scoped_release release;
    arrays.feed(*hierarchy_, size_bytes, id);
  }

  nlohmann::json replay(const std::string& path, std::uint32_t din_size) {
    py::gil_scoped_release release;
    simulator::TraceReader reader(path, din_size);
    const auto s = simulator::replay_trace(reader, *hierarchy_);
    return {{"record_count", s.record_count},
            {"ignored_record_count", s.ignored_record_count},
            {"flush_count", s.flush_count},
            {"invalidate_count", s.invalidate_count}};
  }

  nlohmann::json stats(std::optional<double> time_s) {
    py::gil_scoped_release release;
    const auto stats = hierarchy_->stats();
    const auto energy = simulator::compute_energy(preset_.energy, stats, time_s);
    auto body = simulator::stats_to_json(stats, energy);
    body["preset"] = preset_.name;
    body["mode"] = "trace";
    return body;
  }

  py::dict level_counts() {
    simulator::HierarchyStats stats;
    {
      py::gil_scoped_release release;
      stats = hierarchy_->stats();
    }
    const std::size_t n = stats.level_names.size();
    py::dict out;
    out["name"] = stats.level_names;
    auto column = [&](const char* key, auto field) {
      py::array_t<std::uint64_t> a(static_cast<py::ssize_t>(n));
      auto* p = a.mutable_data();
      for (std::size_t i = 0; i < n; ++i)
        p[i] = field(stats.level_total(i));
      out[key] = a;
    };
    using C = simulator::LevelCounts;
    column("read_count", [](const C& c) { return c.read_count; });
    column("write_count", [](const C& c) { return c.write_count; });
    column("hit_count", [](const C& c) { return c.hit_count(); });
    column("miss_count", [](const C& c) { return c.miss_count(); });
    column("read_hit_count", [](const C& c) { return c.read_hit_count; });
    column("write_hit_count", [](const C& c) { return c.write_hit_count; });
    column("read_miss_count", [](const C& c) { return c.read_miss_count; });
    column("write_miss_count", [](const C& c) { return c.write_miss_count; });
    column("compulsory_miss_count", [](const C& c) { return c.compulsory_miss_count; });
    column("capacity_miss_count", [](const C& c) { return c.capacity_miss_count; });
    column("conflict_miss_count", [](const C& c) { return c.conflict_miss_count; });
    column("fill_count", [](const C& c) { return c.fill_count; });
    column("writeback_count", [](const C& c) { return c.writeback_count; });
    column("write_through_count", [](const C& c) { return c.write_through_count; });
    column("back_invalidation_count", [](const C& c) { return c.back_invalidation_count; });
    column("bytes_in_bytes", [](const C& c) { return c.bytes_in; });
    column("bytes_out_bytes", [](const C& c) { return c.bytes_out; });
    return out;
  }

  void reset() { hierarchy_ = std::make_unique<simulator::Hierarchy>(preset_.hierarchy); }
  simulator::Hierarchy& hierarchy() { return *hierarchy_; }
  const Preset& preset() const { return preset_; }

 private:
  Preset preset_;
  std::unique_ptr<simulator::Hierarchy> hierarchy_;
};

std::vector<std::string> list_presets() {
  std::vector<std::string> names;
  const auto dir = data_root() / "simulator" / "presets";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".toml") names.push_back(entry.path().stem().string());
  if (ec) throw Error("cannot list presets: " + ec.message(), dir.string());
  std::sort(names.begin(), names.end());
  return names;
}

// The analytic model over an explicit tensor table and use sequence.
nlohmann::json simulate_analytic(const Preset& preset, const py::list& tensors,
                                 const py::object& uses, const py::object& ops,
                                 const py::object& sizes, std::optional<double> time_s) {
  std::vector<TensorInfo> infos;
  std::map<std::uint64_t, std::size_t> by_id;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const std::string where = "tensors[" + std::to_string(i) + "]";
    const auto t = from_python(tensors[i], where);
    if (!t.is_object()) throw Error("must be a dict with id, address and bytes", where);
    TensorInfo info;
    for (const char* key : {"id", "address", "bytes"})
      if (!t.contains(key) || !t[key].is_number_unsigned())
        throw Error(std::string("is required (a non-negative integer)"), where + "." + key);
    for (const auto& [key, value] : t.items())
      if (key != "id" && key != "address" && key != "bytes" && key != "name" &&
          key != "component" && key != "pinned")
        throw Error("is not a known key (expected id, name, component, address, bytes, pinned)",
                    where + "." + key);
    info.id = t["id"].get<TensorId>();
    info.address = t["address"].get<std::uint64_t>();
    info.bytes = t["bytes"].get<std::uint64_t>();
    info.name = t.value("name", "tensor" + std::to_string(info.id));
    if (t.contains("component")) info.component = component_id(t["component"].get<std::string>());
    info.pinned = t.value("pinned", false);
    if (by_id.count(info.id)) throw Error("repeats tensor id " + std::to_string(info.id), where);
    by_id[info.id] = infos.size();
    infos.push_back(info);
  }
  // The use sequence arrives as tensor ids in `uses`; TraceArrays checks ops and sizes.
  const TraceArrays arrays(uses, ops, sizes);
  const auto n = static_cast<std::size_t>(arrays.addresses.size());
  const std::uint64_t* ids = arrays.addresses.data();
  for (std::size_t i = 0; i < n; ++i)
    if (!by_id.count(ids[i]))
      throw Error("names tensor " + std::to_string(ids[i]) + ", which is not in tensors",
                  "uses[" + std::to_string(i) + "]");
  py::gil_scoped_release release;
  return simulate_with(
      preset, SimMode::kAnalytic,
      [&](AccessSink& sink) {
        for (const auto& t : infos)
          sink.on_tensor(t);
        const std::int64_t* o = arrays.ops ? arrays.ops->data() : nullptr;
        const std::uint64_t* s = arrays.sizes ? arrays.sizes->data() : nullptr;
        for (std::size_t i = 0; i < n; ++i) {
          const auto& t = infos[by_id.at(ids[i])];
          AccessEvent e;
          e.address = t.address;
          e.bytes = s ? s[i] : t.bytes;
          e.op = o && o[i] == 1 ? AccessOp::kWrite : AccessOp::kRead;
          e.component = t.component;
          e.tensor = t.id;
          sink.on_access(e);
        }
      },
      time_s);
}

}  // namespace

void bind_simulator(py::module_& m) {
  py::class_<Preset>(m, "Preset",
                     "A technology preset: cache levels, scratchpad, DRAM and the energy table "
                     "that prices them. Get one with erg.load_preset() or erg.custom_preset().")
      .def_readonly("name", &Preset::name)
      .def_readonly("description", &Preset::description)
      .def_property_readonly(
          "file", [](const Preset& p) { return p.file.string(); },
          "The TOML file it was loaded from ('' for a dict built from scratch).")
      .def_property_readonly(
          "levels", [](const Preset& p) { return to_python(preset_to_json(p)["levels"]); },
          "The cache levels, nearest the processor first, as dicts (organisation and energy).")
      .def_property_readonly(
          "level_names",
          [](const Preset& p) {
            std::vector<std::string> names;
            for (const auto& l : p.hierarchy.levels)
              names.push_back(l.name);
            return names;
          },
          "The cache level names, nearest the processor first.")
      .def_property_readonly(
          "scratchpad_bytes", [](const Preset& p) { return p.hierarchy.scratchpad.size_bytes; },
          "Scratchpad (local SRAM) capacity in bytes; 0 when the preset has none.")
      .def_property_readonly(
          "inclusive", [](const Preset& p) { return p.hierarchy.inclusive; },
          "True for an inclusive hierarchy with back-invalidation.")
      .def_property_readonly(
          "dram", [](const Preset& p) { return to_python(preset_to_json(p)["dram"]); },
          "DRAM organisation, energy and bandwidth as a dict.")
      .def_property_readonly(
          "energy", [](const Preset& p) { return to_python(energy_table_to_json(p)); },
          "The energy table as dicts: levels, scratchpad, dram, mac_energy_pj.")
      .def(
          "to_dict", [](const Preset& p) { return to_python(preset_to_json(p)); },
          "The whole preset as a dict; erg.custom_preset(d) rebuilds it.")
      .def("__repr__", [](const Preset& p) {
        std::string levels;
        for (const auto& l : p.hierarchy.levels)
          levels += (levels.empty() ? "" : ", ") + l.name;
        return "<erg.Preset '" + p.name + "' levels=[" + levels +
               "] scratchpad_bytes=" + std::to_string(p.hierarchy.scratchpad.size_bytes) + ">";
      });

  m.def("load_preset", &simulator::load_named_preset, py::arg("name_or_path"),
        "Loads a technology preset by name (simulator/presets/<name>.toml under ERG_HOME) or "
        "from a .toml path, like `erg simulate --preset`. Raises erg.Error naming the file, "
        "line and key on anything malformed.");
  m.def("list_presets", &list_presets, "Names of the shipped technology presets.");
  m.def(
      "custom_preset",
      [](const py::dict& spec, const py::object& base) {
        if (base.is_none()) return preset_from_json(from_python(spec, "preset"), nullptr);
        const Preset b = preset_from_arg(base);
        return preset_from_json(from_python(spec, "preset"), &b);
      },
      py::arg("spec"), py::arg("base") = py::none(),
      "Builds a custom hierarchy from a dict of Preset.to_dict()'s schema. Keys left out are "
      "taken from `base` (a Preset, name or path; level i from base level i); without a base "
      "every required key must be given. Sizes may be ints or strings such as '32KiB'.");

  py::class_<PyHierarchy>(m, "Hierarchy",
                          "A trace-driven memory hierarchy (scratchpad, cache levels, DRAM) "
                          "priced by its preset's energy table. Feed it accesses, then read "
                          "stats().")
      .def(py::init([](const py::object& preset) {
             return std::make_unique<PyHierarchy>(preset_from_arg(preset));
           }),
           py::arg("preset"),
           "preset: an erg.Preset, a preset name or path, or a dict (see erg.custom_preset; "
           "add 'base': name to start from a shipped preset).")
      .def("access", &PyHierarchy::access, py::arg("addresses"), py::arg("ops") = py::none(),
           py::arg("sizes") = py::none(), py::arg("size_bytes") = 4,
           py::arg("component") = py::none(),
           "Feeds accesses: `addresses` a 1-D uint64 array, `ops` 0 (read) / 1 (write) per "
           "address (default all reads), `sizes` bytes per access (default size_bytes each), "
           "`component` an optional dotted name to attribute them to. Runs without the GIL.")
      .def(
          "pin",
          [](PyHierarchy& h, std::uint64_t address, std::uint64_t bytes, const std::string& what) {
            h.hierarchy().pin(address, bytes, what);
          },
          py::arg("address"), py::arg("bytes"), py::arg("what") = "pinned range",
          "Serves [address, address + bytes) from the scratchpad from now on.")
      .def(
          "flush", [](PyHierarchy& h) { h.hierarchy().flush(); },
          "Writes every dirty line back, down to DRAM (DineroIV's copy-back record).")
      .def(
          "invalidate_all", [](PyHierarchy& h) { h.hierarchy().invalidate_all(); },
          "Drops every cached line without writing back.")
      .def("reset", &PyHierarchy::reset, "Starts over with empty caches and zero counts.")
      .def(
          "replay",
          [](PyHierarchy& h, const py::object& path, std::uint32_t din_size) {
            const auto p = py::module_::import("os").attr("fspath")(path).cast<std::string>();
            return to_python(h.replay(p, din_size));
          },
          py::arg("path"), py::arg("din_size") = 4,
          "Replays a trace file (DineroIV din text or erg binary) into the hierarchy and "
          "returns the record counts. Runs without the GIL.")
      .def(
          "stats",
          [](PyHierarchy& h, std::optional<double> time_s) { return to_python(h.stats(time_s)); },
          py::arg("time_s") = py::none(),
          "Counts and energy as the dict `erg simulate --json` reports (levels, scratchpad, "
          "dram, macs, totals, components). time_s overrides the roofline time for static "
          "energy.")
      .def("level_counts", &PyHierarchy::level_counts,
           "Per-level counts as numpy uint64 arrays (one entry per level) keyed by count name, "
           "plus 'name': the level names.")
      .def_property_readonly(
          "preset", [](const PyHierarchy& h) { return h.preset(); }, "The preset it models.");

  m.def(
      "simulate_trace",
      [](const py::object& preset, const py::object& addresses, const py::object& ops,
         const py::object& sizes, std::uint64_t size_bytes, std::optional<double> time_s) {
        PyHierarchy h(preset_from_arg(preset));
        h.access(addresses, ops, sizes, size_bytes, std::nullopt);
        return to_python(h.stats(time_s));
      },
      py::arg("preset"), py::arg("addresses"), py::arg("ops") = py::none(),
      py::arg("sizes") = py::none(), py::arg("size_bytes") = 4, py::arg("time_s") = py::none(),
      "One-shot trace mode: a fresh Hierarchy for `preset`, the accesses fed in, its stats() "
      "returned.");
  m.def(
      "simulate_trace_file",
      [](const py::object& preset, const py::object& path, std::uint32_t din_size,
         std::optional<double> time_s) {
        PyHierarchy h(preset_from_arg(preset));
        const auto p = py::module_::import("os").attr("fspath")(path).cast<std::string>();
        auto summary = h.replay(p, din_size);
        auto body = h.stats(time_s);
        body["trace"] = p;
        body["replay"] = summary;
        return to_python(body);
      },
      py::arg("preset"), py::arg("path"), py::arg("din_size") = 4, py::arg("time_s") = py::none(),
      "Like `erg simulate --preset P --trace F --json`: replays a trace file through a fresh "
      "hierarchy and returns the stats dict.");
  m.def(
      "simulate_analytic",
      [](const py::object& preset, const py::list& tensors, const py::object& uses,
         const py::object& ops, const py::object& sizes, std::optional<double> time_s) {
        return to_python(
            simulate_analytic(preset_from_arg(preset), tensors, uses, ops, sizes, time_s));
      },
      py::arg("preset"), py::arg("tensors"), py::arg("uses"), py::arg("ops") = py::none(),
      py::arg("sizes") = py::none(), py::arg("time_s") = py::none(),
      "The analytic (reuse-distance) mode: `tensors` a list of dicts {id, address, bytes, "
      "name?, component?, pinned?}, `uses` the sequence of tensor ids used (each use touches "
      "the tensor from its start; `sizes` overrides the bytes per use), `ops` 0/1 per use. "
      "Returns the same stats dict as trace mode.");
}

}  // namespace erg::bindings
