#include "models/runtime/variant.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <sstream>

#include "core/component_registry.hpp"
#include "core/error.hpp"

namespace erg::models::runtime {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

}  // namespace

Variant Variant::parse(std::string_view spec) {
  Variant v;
  int index = 0;
  for (auto raw : split(spec, ';')) {
    ++index;
    const auto rule_text = trim(raw);
    if (rule_text.empty()) continue;
    const std::string where =
        "variant rule " + std::to_string(index) + " '" + std::string(rule_text) + "'";
    const auto colon = rule_text.find(':');
    if (colon == std::string_view::npos) throw Error("expected 'component:key=value,...'", where);
    VariantRule rule;
    rule.prefix = std::string(trim(rule_text.substr(0, colon)));
    if (!ComponentRegistry::is_valid_name(rule.prefix))
      throw Error("invalid component name '" + rule.prefix + "' (dotted [a-z0-9_] segments)",
                  where);
    for (auto item_raw : split(rule_text.substr(colon + 1), ',')) {
      const auto item = trim(item_raw);
      if (item.empty()) continue;
      const auto eq = item.find('=');
      const auto key = trim(item.substr(0, eq));
      const auto value =
          eq == std::string_view::npos ? std::string_view{} : trim(item.substr(eq + 1));
      auto number = [&](double& out) {
        std::istringstream in{std::string(value)};
        if (value.empty() || !(in >> out) || !in.eof())
          throw Error(
              "key '" + std::string(key) + "' needs a number, got '" + std::string(value) + "'",
              where);
      };
      if (key == "prune") {
        double r = 0;
        number(r);
        if (!(r >= 0.0 && r < 1.0))
          throw Error("prune ratio " + std::string(value) + " outside [0, 1)", where);
        rule.transform.prune_ratio = r;
      } else if (key == "rows" || key == "structured") {
        rule.transform.prune_kind = PruneKind::kRows;
      } else if (key == "magnitude" || key == "unstructured") {
        rule.transform.prune_kind = PruneKind::kMagnitude;
      } else if (key == "bits" || key == "precision") {
        if (value == "32" || value == "fp32")
          rule.transform.precision = Precision::kFp32;
        else if (value == "8" || value == "int8")
          rule.transform.precision = Precision::kInt8;
        else if (value == "4" || value == "int4")
          rule.transform.precision = Precision::kInt4;
        else
          throw Error(
              "bits must be 32, 8 or 4 (fp32, int8, int4), got '" + std::string(value) + "'",
              where);
      } else if (key == "group") {
        double g = 0;
        number(g);
        if (g < 1 || g != double(std::size_t(g)))
          throw Error("group must be a positive integer, got '" + std::string(value) + "'", where);
        rule.transform.group_size = std::size_t(g);
      } else if (key == "pin") {
        rule.transform.pin = true;
      } else {
        throw Error("unknown key '" + std::string(key) +
                        "', expected prune, rows, magnitude, bits, group or pin",
                    where);
      }
    }
    if (rule.transform.group_size != 0 && rule.transform.precision != Precision::kInt4)
      throw Error("group applies to bits=4 only", where);
    v.rules_.push_back(std::move(rule));
  }
  return v;
}

Transform Variant::for_component(std::string_view component) const {
  const VariantRule* best = nullptr;
  for (const auto& r : rules_)
    if (ComponentRegistry::is_under(component, r.prefix) &&
        (best == nullptr || r.prefix.size() >= best->prefix.size()))
      best = &r;
  return best ? best->transform : Transform{};
}

std::string Variant::to_string() const {
  std::string out;
  for (const auto& r : rules_) {
    if (!out.empty()) out += ';';
    out += r.prefix + ':';
    std::string items;
    auto item = [&](const std::string& s) { items += (items.empty() ? "" : ",") + s; };
    const auto& t = r.transform;
    if (t.prune_ratio > 0) {
      std::ostringstream ratio;
      ratio << t.prune_ratio;
      item("prune=" + ratio.str());
      if (t.prune_kind == PruneKind::kRows) item("rows");
    }
    item("bits=" + std::to_string(bits_of(t.precision)));
    if (t.group_size) item("group=" + std::to_string(t.group_size));
    if (t.pin) item("pin");
    out += items;
  }
  return out;
}

void check_components(const Variant& variant, const std::vector<std::string>& components,
                      std::string_view model) {
  for (const auto& rule : variant.rules()) {
    const bool known = std::any_of(components.begin(), components.end(), [&](const auto& c) {
      return ComponentRegistry::is_under(c, rule.prefix);
    });
    if (!known)
      throw Error("unknown component '" + rule.prefix + "' for model " + std::string(model) +
                      " (expected one of: " + component_choices(components) + ")",
                  "variant rule '" + rule.prefix + "'");
  }
}

std::string component_choices(const std::vector<std::string>& components) {
  std::set<std::string> names;
  for (const auto& c : components)
    for (std::string_view n = c; !n.empty(); n = ComponentRegistry::parent(n))
      names.emplace(n);
  // Numbered siblings (llm.layer.0 ... llm.layer.31) fold into runs, listed where the first was.
  std::vector<std::string> out;
  std::map<std::string, std::vector<long>> numbered;
  std::map<std::string, std::size_t> slot;
  for (const auto& n : names) {
    const std::string parent(ComponentRegistry::parent(n));
    const std::string last = parent.empty() ? n : n.substr(parent.size() + 1);
    const bool digits =
        !parent.empty() && !last.empty() && last.size() < 10 &&
        std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) {
      out.push_back(n);
      continue;
    }
    if (!slot.count(parent)) {
      slot[parent] = out.size();
      out.emplace_back();
    }
    numbered[parent].push_back(std::stol(last));
  }
  for (auto& [parent, indices] : numbered) {
    std::sort(indices.begin(), indices.end());
    std::string text;
    for (std::size_t i = 0; i < indices.size();) {
      std::size_t j = i;
      while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1)
        ++j;
      text += (text.empty() ? "" : ", ") + parent + "." + std::to_string(indices[i]);
      if (j > i) text += " to " + parent + "." + std::to_string(indices[j]);
      i = j + 1;
    }
    out[slot[parent]] = text;
  }
  std::string joined;
  for (const auto& o : out)
    joined += (joined.empty() ? "" : ", ") + o;
  return joined;
}

Weight apply_transform(const Transform& t, Weight w) {
  if (t.prune_ratio > 0.0)
    w = t.prune_kind == PruneKind::kRows ? prune_rows(w, t.prune_ratio)
                                         : prune_magnitude(w, t.prune_ratio);
  return quantize(w, t.precision, t.group_size);
}

}  // namespace erg::models::runtime
