#include "reports/figure_data.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "reports/sweep_tables.hpp"
#include "sweep/experiment.hpp"
#include "sweep/pareto.hpp"

namespace erg::reports {
namespace {

using nlohmann::json;

double units_of(const json& row) {
  const auto& m = row["metrics"];
  const double per_unit_uj = m["energy_per_unit_uj"].get<double>();
  return per_unit_uj > 0 ? m.value("energy_pj", 0.0) / 1e6 / per_unit_uj : 1.0;
}

FigureData skipped(std::string name, std::string title, std::string reason) {
  return {std::move(name), std::move(title), nullptr, std::move(reason)};
}

json point(double energy_uj, double accuracy, const json& variant) {
  return {{"energy_uj", energy_uj},
          {"accuracy", accuracy},
          {"variant", variant.is_string() ? variant : json("")}};
}

json brief_point(const json& brief, const std::string& metric) {
  if (!brief.is_object() || !brief.contains(metric) || !brief[metric].is_number()) return nullptr;
  return point(brief["energy_per_unit_uj"].get<double>(), brief[metric].get<double>(),
               brief.value("variant", json("")));
}

std::vector<const json*> preset_rows(const SweepResults& sweep, const std::string& preset) {
  std::vector<const json*> out;
  for (const auto& r : sweep.rows)
    if (r["config"].value("preset", std::string()) == preset) out.push_back(&r);
  return out;
}

}  // namespace

FigureData energy_breakdown_data(const SweepResults& sweep) {
  const std::string name = "energy_breakdown",
                    title = "Energy by component and memory level, baseline vs best design";
  const auto shown = shown_components(sweep);
  json presets = json::array();
  for (const auto& p : sweep.summary["per_preset"]) {
    json designs = json::array();
    for (const char* role : {"baseline", "best"}) {
      if (!p.contains(role) || !p[role].contains("key")) continue;
      const auto* row = sweep.row_by_key(p[role]["key"].get<std::string>());
      if (row == nullptr || !(*row)["metrics"]["breakdown_pj"].is_object()) continue;
      const double units = units_of(*row);
      json comps = json::object();
      for (const auto& [c, levels] : (*row)["metrics"]["breakdown_pj"].items()) {
        auto& slot = comps[shown.at(c)];
        if (slot.is_null()) slot = json::object();
        for (const auto& [l, pj] : levels.items()) {
          if (l != "total") slot[l] = slot.value(l, 0.0) + pj.get<double>() / 1e6 / units;
        }
      }
      // Static energy (leakage, DRAM background, refresh) is not per component: it is its own
      // part, and the parts add up to the row's energy, the table's figure.
      const auto& m = (*row)["metrics"];
      designs.push_back({{"role", role},
                         {"key", (*row)["key"]},
                         {"variant", p[role].value("variant", "")},
                         {"components", comps},
                         {"static_uj", m.value("static_energy_pj", 0.0) / 1e6 / units},
                         {"total_uj", m["energy_per_unit_uj"]}});
    }
    if (!designs.empty()) presets.push_back({{"preset", p["preset"]}, {"designs", designs}});
  }
  if (presets.empty()) {
    return skipped(name, title, "the summary names no baseline or best row with a breakdown");
  }
  return {name,
          title,
          {{"energy_unit", sweep.energy_unit()},
           {"levels", breakdown_levels(sweep)},
           {"presets", presets}},
          ""};
}

FigureData pareto_data(const SweepResults& sweep) {
  const std::string name = "pareto", title = "Pareto frontier: energy vs accuracy";
  const auto metric = sweep.metric();
  if (metric.empty()) {
    return skipped(name, title, "this sweep has no accuracy metric (shape-only models have none)");
  }
  json presets = json::array();
  for (const auto& p : sweep.summary["per_preset"]) {
    const auto preset = p.value("preset", std::string());
    json points = json::array();
    std::vector<sweep::ParetoPoint> pts;
    for (const auto* r : preset_rows(sweep, preset)) {
      const auto a = sweep::accuracy_of(*r, metric);
      if (!a) continue;
      const double e = (*r)["metrics"]["energy_per_unit_uj"].get<double>();
      points.push_back(point(e, *a, (*r)["config"].value("variant", json(""))));
      pts.push_back({e, *a});
    }
    if (points.empty()) continue;
    json frontier = json::array();
    if (p.contains("pareto")) {
      for (const auto& b : p["pareto"])
        if (auto q = brief_point(b, metric); !q.is_null()) frontier.push_back(q);
    } else {
      for (auto i : sweep::pareto_front(pts))
        frontier.push_back(points[i]);
    }
    json uniform = json::array();
    if (p.contains("uniform"))
      for (const auto& b : p["uniform"])
        if (auto q = brief_point(b, metric); !q.is_null()) uniform.push_back(q);
    presets.push_back({{"preset", preset},
                       {"points", points},
                       {"frontier", frontier},
                       {"uniform", uniform},
                       {"chosen", brief_point(p.value("best", json()), metric)},
                       {"baseline", brief_point(p.value("baseline", json()), metric)}});
  }
  if (presets.empty()) return skipped(name, title, "no row carries the " + metric + " metric");
  return {name,
          title,
          {{"metric", metric},
           {"metric_label", metric == "wer" ? "WER (%)" : metric + " (lower is better)"},
           {"energy_unit", sweep.energy_unit()},
           {"presets", presets}},
          ""};
}

FigureData sensitivity_data(const SweepResults& sweep) {
  const std::string name = "sensitivity",
                    title = "Sensitivity ranking and the compression order found";
  json presets = json::array();
  for (const auto& p : sweep.summary["per_preset"]) {
    if (!p.contains("steps")) continue;
    json candidates = json::array();
    json path = json::array();
    if (p.contains("baseline"))
      path.push_back({{"label", "baseline"}, {"energy_uj", p["baseline"]["energy_per_unit_uj"]}});
    for (const auto& s : p["steps"]) {
      if (candidates.empty() && s.contains("candidates")) {
        std::vector<json> c(s["candidates"].begin(), s["candidates"].end());
        // The search's own ranking: the lowest sensitivity (metric lost per uJ saved) first;
        // summaries from before erg recorded it: lossless steps by energy saved, then uJ per
        // metric point.
        auto score = [](const json& x) {
          if (x.contains("sensitivity")) {
            return x["sensitivity"].is_object() ? -x["sensitivity"]["value"].get<double>() : -1e300;
          }
          return x["ratio_uj_per_metric"].is_number() ? x["ratio_uj_per_metric"].get<double>()
                                                      : 1e300 + x.value("energy_saved_uj", 0.0);
        };
        std::stable_sort(c.begin(), c.end(),
                         [&](const json& a, const json& b) { return score(a) > score(b); });
        for (const auto& x : c) {
          candidates.push_back({{"label", x["component"].get<std::string>() + " " +
                                              x.value("transform", std::string())},
                                {"energy_saved_uj", x.value("energy_saved_uj", 0.0)},
                                {"accuracy_delta", x.value("accuracy_delta", 0.0)},
                                {"ratio_uj_per_metric", x.value("ratio_uj_per_metric", json())},
                                {"sensitivity", x.value("sensitivity", json())},
                                {"feasible", x.value("feasible", false)}});
        }
      }
      const auto action = s.value("action", std::string());
      if ((action == "compress" || action == "pin") && s.contains("energy_per_unit_uj")) {
        path.push_back(
            {{"label", action + " " + s["component"].get<std::string>() +
                           (action == "compress" ? " " + s.value("transform", std::string())
                                                 : std::string())},
             {"energy_uj", s["energy_per_unit_uj"]}});
      }
    }
    if (candidates.empty()) continue;
    presets.push_back({{"preset", p["preset"]}, {"candidates", candidates}, {"path", path}});
  }
  if (presets.empty()) {
    return skipped(name, title, "this sweep did not run the sensitivity-guided search");
  }
  return {name,
          title,
          {{"metric", sweep.metric()}, {"energy_unit", sweep.energy_unit()}, {"presets", presets}},
          ""};
}

FigureData llm_heatmap_data(const SweepResults& sweep) {
  const std::string name = "llm_heatmap",
                    title =
                        "Self-speculative decoding over (E, d): acceptance, tokens/s and "
                        "energy per token";
  // The first variant with self-speculative rows; speed from its first preset's rows (measured
  // tokens/s is the host's, the same on every preset), energy per token on each preset; each
  // preset's "ar" row is the reference.
  std::string variant;
  bool found = false;
  std::vector<std::string> presets;
  std::map<std::string, std::map<std::pair<long, long>, const json*>> cells;  // preset -> (E, d)
  std::map<std::string, const json*> ar;                                      // preset -> row
  for (const auto& r : sweep.rows) {
    const auto& rt = r["config"]["runtime"];
    if (!rt.is_object() || rt.value("strategy", std::string()) != "selfspec" ||
        !rt.contains("exit_layer") || !rt.contains("speculations"))
      continue;
    if (!found) {
      variant = r["config"].value("variant", "");
      found = true;
    }
    if (r["config"].value("variant", "") != variant) continue;
    const std::string preset = r["config"]["preset"];
    if (!cells.contains(preset)) presets.push_back(preset);
    cells[preset][{rt["exit_layer"].get<long>(), rt["speculations"].get<long>()}] = &r;
  }
  if (cells.empty()) {
    return skipped(name, title,
                   "no LLM rows with runtime strategy \"selfspec\" over exit_layer and "
                   "speculations in this sweep");
  }
  for (const auto& r : sweep.rows) {
    const auto& rt = r["config"]["runtime"];
    const std::string preset = r["config"].value("preset", std::string());
    if (rt.is_object() && rt.value("strategy", std::string()) == "ar" &&
        r["config"].value("variant", "") == variant && cells.contains(preset) &&
        !ar.contains(preset))
      ar[preset] = &r;
  }
  const std::string& first = presets.front();
  const json* first_ar = ar.contains(first) ? ar[first] : nullptr;
  // Speed: measured tokens per second where the rows have it, else tokens per modeled second.
  const bool measured = first_ar && (*first_ar)["metrics"]["stats"].contains("tokens_per_s");
  auto speed = [&](const json& r) -> std::optional<double> {
    const auto& m = r["metrics"];
    if (measured) return m["stats"].value("tokens_per_s", 0.0);
    const double t = m.value("modeled_time_s", 0.0);
    if (t <= 0) return std::nullopt;
    return m.value("tokens", 0.0) / t;
  };
  auto energy = [](const json& r) -> json {
    const auto& m = r["metrics"];
    return m.contains("energy_per_unit_uj") ? m["energy_per_unit_uj"] : json();
  };
  std::vector<long> exits, specs;
  for (const auto& [_, by_cell] : cells) {
    for (const auto& [k, __] : by_cell) {
      if (std::find(exits.begin(), exits.end(), k.first) == exits.end()) exits.push_back(k.first);
      if (std::find(specs.begin(), specs.end(), k.second) == specs.end()) specs.push_back(k.second);
    }
  }
  std::sort(exits.begin(), exits.end());
  std::sort(specs.begin(), specs.end());
  // A matrix [exit layer][speculations] of f(row), null where the grid has no row.
  auto matrix = [&](const std::string& preset, auto&& f) {
    json out = json::array();
    for (long e : exits) {
      json row = json::array();
      for (long d : specs) {
        const auto it = cells[preset].find({e, d});
        row.push_back(it == cells[preset].end() ? json() : f(*it->second));
      }
      out.push_back(row);
    }
    return out;
  };
  const double base_speed = first_ar ? speed(*first_ar).value_or(0.0) : 0.0;
  const auto acceptance = matrix(first, [](const json& r) {
    const auto& stats = r["metrics"]["stats"];
    return stats.contains("acceptance_rate") ? stats["acceptance_rate"] : json();
  });
  const auto tokens_per_s = matrix(first, [&](const json& r) {
    const auto s = speed(r);
    return s ? json(*s) : json();
  });
  const auto speedup = matrix(first, [&](const json& r) {
    const auto s = speed(r);
    return s && base_speed > 0 ? json(*s / base_speed) : json();
  });
  json energy_panels = json::array();
  for (const auto& p : presets) {
    energy_panels.push_back({{"preset", p},
                             {"uj_per_token", matrix(p, energy)},
                             {"ar_uj_per_token", ar.contains(p) ? energy(*ar[p]) : json()}});
  }
  const std::string basis = measured ? "measured" : "modeled";
  return {name,
          title,
          {{"exit_layers", exits},
           {"speculations", specs},
           {"acceptance", acceptance},
           {"speedup", speedup},
           {"speedup_label", "speedup (x, " + basis + " tokens/s vs autoregressive)"},
           {"speedup_basis", basis},
           {"tokens_per_s", tokens_per_s},
           {"ar_tokens_per_s", first_ar && base_speed > 0 ? json(base_speed) : json()},
           {"tokens_per_s_label", measured ? "tokens/s (measured on the sweep's host)"
                                           : "tokens/s (modeled, roofline time on " + first + ")"},
           {"energy_unit", sweep.energy_unit()},
           {"energy", energy_panels},
           {"variant", variant},
           {"title", "Self-speculative decoding over (E, d) (" +
                         (variant.empty() ? std::string("uncompressed") : variant) + ")"}},
          ""};
}

FigureData power_timeline_data(const std::vector<ProfileRun>& profiles) {
  const std::string name = "power_timeline", title = "Power timeline";
  json runs = json::array();
  std::string reasons;
  for (const auto& p : profiles) {
    if (!p.energy_available) {
      reasons += (reasons.empty() ? "" : "; ") + p.dir.string() + ": energy unavailable (" +
                 p.energy_unavailable_reason + ")";
      continue;
    }
    json power = json::object();
    for (std::size_t d = 0; d < p.domains.size(); ++d)
      power[p.domains[d]] = p.power_w[d];
    runs.push_back(
        {{"label", p.dir.filename().string()}, {"time_s", p.time_s}, {"power_w", power}});
  }
  if (runs.empty()) {
    return skipped(name, title,
                   profiles.empty() ? "no profile run given (erg profile -o DIR)" : reasons);
  }
  return {name, title, {{"runs", runs}}, ""};
}

std::vector<FigureData> figure_data(const ReportInputs& inputs) {
  std::vector<FigureData> out;
  if (inputs.sweep) {
    out.push_back(energy_breakdown_data(*inputs.sweep));
    out.push_back(pareto_data(*inputs.sweep));
    out.push_back(sensitivity_data(*inputs.sweep));
    out.push_back(llm_heatmap_data(*inputs.sweep));
  }
  if (!inputs.profiles.empty()) out.push_back(power_timeline_data(inputs.profiles));
  return out;
}

}  // namespace erg::reports
