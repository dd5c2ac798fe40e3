#include "sweep/experiment_spec.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/toml_reader.hpp"
#include "models/runtime/variant.hpp"
#include "sweep/config_hash.hpp"
#include "sweep/spec_keys.hpp"

namespace erg::sweep {
namespace {

nlohmann::json to_json(const toml::node& node) {
  if (node.is_table()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : *node.as_table())
      out[std::string(k.str())] = to_json(v);
    return out;
  }
  if (node.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : *node.as_array())
      out.push_back(to_json(v));
    return out;
  }
  if (node.is_string()) return node.as_string()->get();
  if (node.is_integer()) return node.as_integer()->get();
  if (node.is_floating_point()) return node.as_floating_point()->get();
  if (node.is_boolean()) return node.as_boolean()->get();
  return nullptr;
}

std::string location(const std::filesystem::path& origin, const toml::node* node) {
  if (node == nullptr || node->source().begin.line == 0) return origin.string();
  return origin.string() + ":" + std::to_string(node->source().begin.line) + ":" +
         std::to_string(node->source().begin.column);
}

// [workload] or [runtime]: every key is one the model kind takes, of its type and in range.
void check_knobs(const TomlReader& r, const toml::table& t, const std::string& table,
                 const std::string& kind, ExperimentSpec& spec) {
  const bool runtime = table == "runtime";
  for (const auto& [k, node] : t) {
    const std::string name(k.str());
    const std::string key = table + "." + name;
    spec.locations[key] = location(spec.file, &node);
    const KnobRule* rule = find_knob(kind, runtime, name);
    if (rule == nullptr) {
      std::string hint;
      if (find_knob(kind, !runtime, name) != nullptr)
        hint = "; " + name + " belongs in [" + (runtime ? "workload" : "runtime") + "]";
      r.fail(key,
             "is not a known key for model kind '" + kind +
                 "' (expected one of: " + knob_names(kind, runtime) + ")" + hint,
             &node);
    }
    if (runtime && node.is_array()) {
      for (const auto& item : *node.as_array())
        check_knob(r, key, item, *rule);
    } else {
      check_knob(r, key, node, *rule);
    }
  }
}

ExperimentSpec read(const toml::table& doc, const std::filesystem::path& origin) {
  const TomlReader r(origin.string());
  r.reject_unknown(doc, "",
                   {"name", "description", "model", "workload", "hardware", "evaluator", "search",
                    "axes", "runtime", "constraints", "metrics", "hypothesis"});
  ExperimentSpec spec;
  spec.file = origin;
  spec.content_hash = config_key(to_json(doc));
  spec.name = r.string(doc, "", "name");
  spec.description = r.string(doc, "", "description", std::string{});

  const auto& model = *r.table(doc, "", "model", true);
  r.reject_unknown(model, "model", {"kind", "name"});
  spec.model_kind = r.string(model, "model", "kind");
  if (spec.model_kind != "asr" && spec.model_kind != "llm" && spec.model_kind != "shape") {
    r.fail("model.kind", "is '" + spec.model_kind + "' (expected asr, llm or shape)",
           model.get("kind"));
  }
  spec.model = r.string(model, "model", "name");
  if (const auto* w = r.table(doc, "", "workload", false)) {
    check_knobs(r, *w, "workload", spec.model_kind, spec);
    spec.workload = to_json(*w);
  }

  const auto& hw = *r.table(doc, "", "hardware", true);
  r.reject_unknown(hw, "hardware", {"presets"});
  spec.presets = r.strings(hw, "hardware", "presets");
  if (spec.presets.empty()) r.fail("hardware.presets", "is empty (expected a preset name)", &hw);

  if (const auto* ev = r.table(doc, "", "evaluator", false)) {
    r.reject_unknown(*ev, "evaluator", {"kind"});
    spec.evaluator = r.string(*ev, "evaluator", "kind", std::string("analytic"));
    if (spec.evaluator != "analytic" && spec.evaluator != "trace" && spec.evaluator != "rapl") {
      r.fail("evaluator.kind", "is '" + spec.evaluator + "' (expected analytic, trace or rapl)",
             ev->get("kind"));
    }
  }

  if (const auto* s = r.table(doc, "", "search", false)) {
    r.reject_unknown(*s, "search",
                     {"strategy", "components", "ladder", "pin", "samples", "seed", "max_steps"});
    spec.strategy = r.string(*s, "search", "strategy", std::string("grid"));
    if (spec.strategy != "grid" && spec.strategy != "random" && spec.strategy != "sensitivity") {
      r.fail("search.strategy", "is '" + spec.strategy + "' (expected grid, random or sensitivity)",
             s->get("strategy"));
    }
    spec.components = r.strings(*s, "search", "components", std::vector<std::string>{});
    spec.locations["search.components"] = location(origin, s->get("components"));
    spec.ladder = r.strings(*s, "search", "ladder", std::vector<std::string>{});
    spec.pin = r.boolean(*s, "search", "pin", true);
    spec.samples = static_cast<std::size_t>(r.integer(*s, "search", "samples", 16, 1, 1000000));
    spec.seed = static_cast<std::uint64_t>(r.integer(*s, "search", "seed", 1, 0));
    spec.max_steps = static_cast<std::size_t>(r.integer(*s, "search", "max_steps", 32, 1, 1000));
    for (const auto& level : spec.ladder) {
      try {
        (void)models::runtime::Variant::parse("x:" + level);
      } catch (const Error& e) {
        r.fail("search.ladder", "has an invalid level '" + level + "': " + e.what_text(),
               s->get("ladder"));
      }
    }
  }
  if (spec.strategy == "sensitivity" && spec.ladder.empty()) {
    r.fail("search.ladder", "is missing (the sensitivity strategy needs a compression ladder)",
           &doc);
  }

  if (const auto* axes = r.table(doc, "", "axes", false)) {
    for (const auto& [key, node] : *axes) {
      const std::string component(key.str());
      spec.locations["axes." + component] = location(origin, &node);
      auto values = r.strings(*axes, "axes", component);
      for (const auto& v : values) {
        if (v.empty()) continue;
        try {
          (void)models::runtime::Variant::parse(component + ":" + v);
        } catch (const Error& e) {
          r.fail("axes." + component, "has an invalid transform '" + v + "': " + e.what_text(),
                 &node);
        }
      }
      spec.axes[component] = std::move(values);
    }
  }
  if (const auto* rt = r.table(doc, "", "runtime", false)) {
    check_knobs(r, *rt, "runtime", spec.model_kind, spec);
    for (const auto& [key, node] : *rt) {
      auto value = to_json(node);
      if (!value.is_array()) value = nlohmann::json::array({value});
      if (value.empty()) r.fail("runtime." + std::string(key.str()), "is an empty list", &node);
      spec.runtime_axes[std::string(key.str())] =
          std::vector<nlohmann::json>(value.begin(), value.end());
    }
  }
  if (const auto* c = r.table(doc, "", "constraints", false)) {
    for (const auto& [key, node] : *c) {
      const std::string name(key.str());
      spec.locations["constraints." + name] = location(origin, &node);
      if (name.size() < 5 || name.substr(name.size() - 4) != "_max") {
        r.fail("constraints." + name, "is not a constraint (expected <metric>_max)", &node);
      }
      std::string text;
      if (node.is_string()) {
        text = node.as_string()->get();
      } else if (node.is_number()) {
        text = std::to_string(r.number(*c, "constraints", name));
      } else {
        r.fail("constraints." + name,
               "must be a number or a string such as \"base + 0.5\", got " +
                   TomlReader::type_name(node),
               &node);
      }
      try {
        spec.constraints.push_back(Constraint::parse(name.substr(0, name.size() - 4), text));
      } catch (const Error& e) {
        r.fail("constraints." + name, e.what_text(), &node);
      }
    }
  }
  if (const auto* m = r.table(doc, "", "metrics", false)) {
    r.reject_unknown(*m, "metrics", {"energy_per"});
    spec.energy_unit = r.string(*m, "metrics", "energy_per", std::string{});
    spec.locations["metrics.energy_per"] = location(origin, m->get("energy_per"));
    if (!spec.energy_unit.empty() && spec.energy_unit != "audio_second" &&
        spec.energy_unit != "token") {
      r.fail("metrics.energy_per", "is '" + spec.energy_unit + "' (expected audio_second or token)",
             m->get("energy_per"));
    }
  }
  if (const auto* h = r.table(doc, "", "hypothesis", false)) {
    r.reject_unknown(*h, "hypothesis", {"first", "statement", "source"});
    spec.hypothesis_first = r.string(*h, "hypothesis", "first");
    spec.locations["hypothesis.first"] = location(origin, h->get("first"));
    spec.hypothesis_statement =
        r.string(*h, "hypothesis", "statement", "compress " + spec.hypothesis_first + " first");
    spec.hypothesis_source = r.string(*h, "hypothesis", "source", std::string{});
  }
  return spec;
}

}  // namespace

Constraint Constraint::parse(const std::string& metric, const std::string& text) {
  Constraint c;
  c.metric = metric;
  std::string t;
  for (char ch : text) {
    if (ch != ' ') t += ch;
  }
  const auto number = [&](const std::string& s) {
    try {
      std::size_t used = 0;
      const double v = std::stod(s, &used);
      if (used == s.size() && std::isfinite(v)) return v;
    } catch (const std::exception&) {
    }
    throw Error("invalid constraint '" + text +
                "' (expected a number, \"base + X\" or \"base * X\")");
  };
  if (t.rfind("base+", 0) == 0) {
    c.kind = Kind::kPlus;
    c.value = number(t.substr(5));
  } else if (t.rfind("base*", 0) == 0) {
    c.kind = Kind::kTimes;
    c.value = number(t.substr(5));
    if (c.value <= 0)
      throw Error("invalid constraint '" + text +
                  "' (the factor of \"base * X\" must be positive)");
  } else {
    c.value = number(t);
  }
  return c;
}

double Constraint::limit(double baseline) const {
  switch (kind) {
    case Kind::kPlus:
      return baseline + value;
    case Kind::kTimes:
      return baseline * value;
    case Kind::kAbsolute:
      return value;
  }
  return value;
}

std::string Constraint::to_string() const {
  std::ostringstream out;
  out << metric << " <= ";
  if (kind == Kind::kPlus) out << "base + ";
  if (kind == Kind::kTimes) out << "base * ";
  out << value;
  return out.str();
}

std::string ExperimentSpec::where(const std::string& key) const {
  const auto it = locations.find(key);
  return it != locations.end() ? it->second : file.string();
}

ExperimentSpec load_experiment_spec(const std::filesystem::path& path) {
  auto spec = read(TomlReader::parse_file(path), path);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  spec.text = text.str();
  return spec;
}

ExperimentSpec parse_experiment_spec(const std::string& text, const std::filesystem::path& origin) {
  auto spec = read(TomlReader::parse_text(text, origin.string()), origin);
  spec.text = text;
  return spec;
}

}  // namespace erg::sweep
