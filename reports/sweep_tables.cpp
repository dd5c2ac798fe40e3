#include "reports/sweep_tables.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "sweep/experiment.hpp"
#include "sweep/metric_delta.hpp"

namespace erg::reports {
namespace {

using nlohmann::json;

// Energy per unit of work (audio second, token): the row's energy_pj divides by this.
double units_of(const json& row) {
  const auto& m = row["metrics"];
  const double pj = m.value("energy_pj", 0.0);
  const double per_unit_uj = m["energy_per_unit_uj"].get<double>();
  return per_unit_uj > 0 ? pj / 1e6 / per_unit_uj : 1.0;
}

std::string runtime_text(const json& runtime) {
  std::string out;
  if (!runtime.is_object()) return out;
  for (const auto& [k, v] : runtime.items())
    out += (out.empty() ? "" : " ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

// Why a step whose point estimate looks harmless was refused: its paired CI, and the CI's
// upper end against the limit (the search accepts on the upper end, not the estimate).
std::string refusal_interval(const json& candidate, const json& preset_summary) {
  const auto* delta = candidate.contains("wer_delta") ? &candidate["wer_delta"] : nullptr;
  if (delta == nullptr || !delta->contains("ci95") || !(*delta)["ci95"].is_array() ||
      (*delta)["ci95"].size() != 2 || !(*delta)["ci95"][0].is_number() ||
      !(*delta)["ci95"][1].is_number())
    return {};
  std::string out = " (95% CI [" + format_readable((*delta)["ci95"][0].get<double>()) + ", " +
                    format_readable((*delta)["ci95"][1].get<double>()) + "]";
  if (candidate.contains("wer_upper_bound") && candidate["wer_upper_bound"].is_number() &&
      preset_summary.contains("accuracy_limit") && preset_summary["accuracy_limit"].is_number())
    out += "; its upper end puts WER at " +
           format_readable(candidate["wer_upper_bound"].get<double>()) + ", above the limit " +
           format_readable(preset_summary["accuracy_limit"].get<double>());
  return out + ")";
}

std::string variant_text(const json& v) {
  const auto s = v.is_string() ? v.get<std::string>() : std::string();
  return s.empty() ? "uncompressed" : s;
}

std::string fmt(const char* format, double v) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string ordinal(std::size_t i) {
  static const char* kWords[] = {"first", "second", "third", "fourth", "fifth"};
  return i < 5 ? kWords[i] : "next";
}

std::optional<double> number_at(const json& j, const std::string& key) {
  if (j.is_object() && j.contains(key) && j[key].is_number()) return j[key].get<double>();
  return std::nullopt;
}

}  // namespace

std::string level_column(const std::string& component, const std::string& level,
                         const std::string& energy_unit) {
  return component + "." + level + "_uj_per_" + energy_unit;
}

std::string metric_column(const std::string& metric) {
  return metric == "wer" ? "wer_percent" : metric;
}

std::map<std::string, std::string> shown_components(const SweepResults& sweep) {
  std::map<std::string, std::string> out;
  for (const auto& row : sweep.rows)
    if (row["metrics"]["breakdown_pj"].is_object())
      for (const auto& [c, _] : row["metrics"]["breakdown_pj"].items())
        out[c] = c;
  if (out.size() > kMaxShownComponents) {
    for (auto& [name, shown] : out) {
      const auto first = name.find('.');
      const auto second = first == std::string::npos ? first : name.find('.', first + 1);
      shown = second == std::string::npos ? name : name.substr(0, second);
    }
  }
  return out;
}

std::vector<std::string> breakdown_levels(const SweepResults& sweep) {
  static const std::vector<std::string> kOrder{"l1",  "l2",         "l3",   "slc",
                                               "llc", "scratchpad", "dram", "mac"};
  std::set<std::string> seen;
  for (const auto& row : sweep.rows) {
    const auto& b = row["metrics"]["breakdown_pj"];
    if (!b.is_object()) continue;
    for (const auto& [comp, levels] : b.items())
      for (const auto& [level, pj] : levels.items())
        if (level != "total" && pj.is_number() && pj.get<double>() != 0.0) seen.insert(level);
  }
  std::vector<std::string> out;
  for (const auto& l : kOrder)
    if (seen.erase(l)) out.push_back(l);
  out.insert(out.end(), seen.begin(), seen.end());
  return out;
}

Table variant_table(const SweepResults& sweep) {
  const auto unit = sweep.energy_unit();
  const auto metric = sweep.metric();
  const auto levels = breakdown_levels(sweep);
  const auto shown = shown_components(sweep);
  std::set<std::string> components;
  for (const auto& [_, c] : shown)
    components.insert(c);
  bool any_rtf = false, any_tps = false, any_acceptance = false, any_modeled = false;
  for (const auto& row : sweep.rows) {
    const auto& m = row["metrics"];
    any_rtf |= m.value("host_time_s", 0.0) > 0 && m.value("audio_seconds", 0.0) > 0;
    any_tps |= number_at(m["stats"], "tokens_per_s").has_value();
    any_acceptance |= number_at(m["stats"], "acceptance_rate").has_value();
    any_modeled |= number_at(m, "modeled_time_s").has_value();
  }
  Table t;
  t.name = "variants";
  t.title = "Variants (energy in uJ per " + unit + ")";
  t.header = {"key", "preset", "variant", "runtime", "energy_source", "energy_uj_per_" + unit};
  for (const auto& c : components)
    for (const auto& l : levels)
      t.header.push_back(level_column(c, l, unit));
  t.header.push_back("static_uj_per_" + unit);
  if (!metric.empty()) t.header.push_back(metric_column(metric));
  if (any_rtf) t.header.push_back("rtf");
  if (any_modeled) t.header.push_back("modeled_time_s");
  if (any_tps) t.header.push_back("tokens_per_s");
  if (any_acceptance) t.header.push_back("acceptance_rate");
  for (const auto& row : sweep.rows) {
    const auto& cfg = row["config"];
    const auto& m = row["metrics"];
    const double units = units_of(row);
    std::vector<Cell> r{Cell::of(row["key"].get<std::string>()),
                        Cell::of(cfg.value("preset", std::string())),
                        Cell::of(variant_text(cfg.value("variant", json()))),
                        Cell::of(runtime_text(cfg.value("runtime", json()))),
                        Cell::of(m.value("energy_source", std::string())),
                        Cell::of(m["energy_per_unit_uj"].get<double>())};
    std::map<std::string, std::map<std::string, double>> pj;  // shown component -> level
    if (m["breakdown_pj"].is_object())
      for (const auto& [c, by_level] : m["breakdown_pj"].items())
        for (const auto& [l, v] : by_level.items())
          if (v.is_number()) pj[shown.at(c)][l] += v.get<double>();
    for (const auto& c : components) {
      for (const auto& l : levels) {
        const auto it = pj.find(c);
        const bool has = it != pj.end() && it->second.count(l);
        r.push_back(has ? Cell::of(it->second.at(l) / 1e6 / units) : Cell{});
      }
    }
    const auto static_pj = number_at(m, "static_energy_pj");
    r.push_back(static_pj ? Cell::of(*static_pj / 1e6 / units) : Cell{});
    if (!metric.empty()) {
      const auto a = sweep::accuracy_of(row, metric);
      r.push_back(a ? Cell::of(*a) : Cell{});
    }
    if (any_rtf) {
      r.push_back(m.value("host_time_s", 0.0) > 0 ? Cell::of(m.value("rtf", 0.0)) : Cell{});
    }
    if (any_modeled) {
      const auto v = number_at(m, "modeled_time_s");
      r.push_back(v ? Cell::of(*v) : Cell{});
    }
    if (any_tps) {
      const auto v = number_at(m["stats"], "tokens_per_s");
      r.push_back(v ? Cell::of(*v) : Cell{});
    }
    if (any_acceptance) {
      const auto v = number_at(m["stats"], "acceptance_rate");
      r.push_back(v ? Cell::of(*v) : Cell{});
    }
    t.rows.push_back(std::move(r));
  }
  return t;
}

Table preset_table(const SweepResults& sweep) {
  const auto unit = sweep.energy_unit();
  const auto metric = sweep.metric();
  Table t;
  t.name = "presets";
  t.title = "Per preset: baseline, best design, best uniform compression";
  t.header = {"preset", "baseline_uj_per_" + unit, "best_uj_per_" + unit, "best_variant",
              "energy_saved_percent"};
  if (!metric.empty()) {
    t.header.push_back("baseline_" + metric_column(metric));
    t.header.push_back("best_" + metric_column(metric));
  }
  t.header.insert(t.header.end(), {"uniform_best_uj_per_" + unit, "uniform_best_variant",
                                   "saved_vs_uniform_percent", "compression_order", "pinned",
                                   "baseline_static_percent", "best_static_percent"});
  for (const auto& p : sweep.summary["per_preset"]) {
    auto energy = [](const json& d) {
      const auto v = number_at(d, "energy_per_unit_uj");
      return v ? Cell::of(*v) : Cell{};
    };
    auto percent = [&](const char* key) {
      const auto v = number_at(p, key);
      return v ? Cell::of(100.0 * *v) : Cell{};
    };
    auto list = [&](const char* key) {
      std::string s;
      if (p.contains(key))
        for (const auto& c : p[key])
          s += (s.empty() ? "" : " ") + c.get<std::string>();
      return Cell::of(s);
    };
    const json none = json::object();
    const auto& base = p.contains("baseline") ? p["baseline"] : none;
    const auto& best = p.contains("best") ? p["best"] : none;
    const auto& uni = p.contains("uniform_best") ? p["uniform_best"] : none;
    std::vector<Cell> r{Cell::of(p.value("preset", std::string())), energy(base), energy(best),
                        best.contains("variant") ? Cell::of(variant_text(best["variant"])) : Cell{},
                        percent("energy_saved_fraction")};
    if (!metric.empty()) {
      for (const auto* d : {&base, &best}) {
        const auto v = number_at(*d, metric);
        r.push_back(v ? Cell::of(*v) : Cell{});
      }
    }
    r.push_back(energy(uni));
    r.push_back(uni.contains("variant") ? Cell::of(variant_text(uni["variant"])) : Cell{});
    r.push_back(percent("saved_vs_uniform_fraction"));
    r.push_back(list("order"));
    r.push_back(list("pinned"));
    for (const auto* d : {&base, &best}) {
      const auto* row =
          d->contains("key") ? sweep.row_by_key((*d)["key"].get<std::string>()) : nullptr;
      const auto share = row ? static_share(*row) : std::nullopt;
      r.push_back(share ? Cell::of(100 * *share) : Cell{});
    }
    t.rows.push_back(std::move(r));
  }
  return t;
}

std::optional<double> static_share(const json& row) {
  const auto& m = row["metrics"];
  const auto static_pj = number_at(m, "static_energy_pj"), total_pj = number_at(m, "energy_pj");
  if (!static_pj || !total_pj || *total_pj <= 0) return std::nullopt;
  return *static_pj / *total_pj;
}

std::vector<std::string> static_energy_notes(const SweepResults& sweep) {
  struct PresetShares {
    std::size_t rows = 0, over_half = 0;
    double low = 1, high = 0;
  };
  std::vector<std::string> order;
  std::map<std::string, PresetShares> by_preset;
  for (const auto& row : sweep.rows) {
    const auto share = static_share(row);
    if (!share) continue;
    const auto preset = row["config"].value("preset", std::string());
    if (!by_preset.contains(preset)) order.push_back(preset);
    auto& p = by_preset[preset];
    ++p.rows;
    if (*share <= 0.5) continue;
    ++p.over_half;
    p.low = std::min(p.low, *share);
    p.high = std::max(p.high, *share);
  }
  // The headline rows of a search, by preset.
  std::map<std::string, std::vector<std::pair<std::string, double>>> named;
  if (sweep.summary.contains("per_preset") && sweep.summary["per_preset"].is_array()) {
    for (const auto& p : sweep.summary["per_preset"]) {
      for (const char* which : {"baseline", "best"}) {
        if (!p.contains(which) || !p[which].contains("key")) continue;
        const auto* row = sweep.row_by_key(p[which]["key"].get<std::string>());
        if (row == nullptr) continue;
        if (const auto share = static_share(*row); share && *share > 0.5)
          named[p.value("preset", std::string())].emplace_back(which, *share);
      }
    }
  }
  auto percent = [](double f) { return fmt("%.0f%%", 100 * f); };
  std::vector<std::string> out;
  for (const auto& preset : order) {
    const auto& p = by_preset[preset];
    if (p.over_half == 0) continue;
    std::string s =
        "Static energy (leakage, DRAM background and refresh: power x modeled time) " +
        std::string("is more than half of ") + std::to_string(p.over_half) + " of " +
        std::to_string(p.rows) + " results on " + preset + " (" +
        (p.low == p.high ? percent(p.high) : percent(p.low) + " to " + percent(p.high)) + ")";
    const auto it = named.find(preset);
    if (it != named.end()) {
      s += ", among them the ";
      for (std::size_t i = 0; i < it->second.size(); ++i)
        s += (i == 0 ? "" : " and the ") + it->second[i].first + " (" +
             percent(it->second[i].second) + ")";
    }
    out.push_back(s + ": there, energy follows modeled time more than memory traffic.");
  }
  return out;
}

std::vector<std::string> design_principles(const SweepResults& sweep) {
  const auto unit = sweep.energy_unit();
  const auto metric = sweep.metric();
  const std::string metric_unit = metric == "wer" ? " WER point" : " " + metric;
  std::vector<std::string> out;
  for (const auto& p : sweep.summary["per_preset"]) {
    const auto preset = p.value("preset", std::string());
    // 0 when the summary has no baseline (a plain double: GCC misreads optionals here).
    const double base_e =
        p.contains("baseline") ? number_at(p["baseline"], "energy_per_unit_uj").value_or(0.0) : 0.0;
    // Where the baseline's energy goes: the largest component and the largest memory level.
    if (p.contains("baseline") && p["baseline"].contains("key")) {
      if (const auto* row = sweep.row_by_key(p["baseline"]["key"].get<std::string>())) {
        const auto shares = sweep::energy_shares(*row);
        std::string top;
        double top_share = -1;
        for (const auto& [c, s] : shares.items())
          if (s.get<double>() > top_share) top = c, top_share = s.get<double>();
        std::map<std::string, double> by_level;
        double total = 0;
        for (const auto& [c, levels] : (*row)["metrics"]["breakdown_pj"].items())
          for (const auto& [l, pj] : levels.items())
            if (l != "total") by_level[l] += pj.get<double>(), total += pj.get<double>();
        auto lv =
            std::max_element(by_level.begin(), by_level.end(),
                             [](const auto& a, const auto& b) { return a.second < b.second; });
        if (!top.empty() && lv != by_level.end() && total > 0) {
          out.push_back("On " + preset + ", " + top + " takes " + fmt("%.0f", 100 * top_share) +
                        "% of the baseline's component energy, and " + lv->first + " accesses " +
                        fmt("%.0f", 100 * lv->second / total) + "% of it: attack " + top + "'s " +
                        lv->first + " traffic first.");
        }
      }
    }
    // The search path: compressions in order, then pins.
    double previous = base_e;
    std::size_t compress_index = 0;
    if (p.contains("steps")) {
      for (const auto& s : p["steps"]) {
        const auto action = s.value("action", std::string());
        const auto energy = number_at(s, "energy_per_unit_uj");
        if (action == "compress" && energy) {
          const auto comp = s["component"].get<std::string>();
          double delta = 0;
          for (const auto& c : s["candidates"])
            if (c["component"] == comp) delta = c.value("accuracy_delta", 0.0);
          const double saved = previous - *energy;
          std::string sentence = "Compress " + comp + " " + ordinal(compress_index++) + " (" +
                                 s.value("transform", std::string()) + ") on " + preset + ": " +
                                 format_readable(saved) + " uJ per " + unit + " saved";
          if (delta > 0) {
            sentence += " per " + format_readable(delta) + metric_unit + " lost (" +
                        format_readable(saved / delta) + " uJ per" + metric_unit + ")";
          } else {
            sentence += " at no " + metric + " cost";
          }
          out.push_back(sentence + ".");
          previous = *energy;
        } else if (action == "pin" && energy) {
          const double saved = s.value("energy_saved_uj", previous - *energy);
          out.push_back(
              "Pin " + s["component"].get<std::string>() + " (" +
              fmt("%.0f", s.value("weight_bytes", 0.0) / 1024.0) + " KiB) in local memory on " +
              preset + ": saves " + format_readable(saved) + " uJ per " + unit +
              (base_e > 0 ? " (" + fmt("%.1f", 100 * saved / base_e) + "% of the baseline)"
                          : std::string()) +
              ".");
          previous = *energy;
        } else if (action == "stop" && s.contains("candidates") && !s["candidates"].empty()) {
          const json* best = nullptr;
          for (const auto& c : s["candidates"])
            if (best == nullptr ||
                c.value("energy_saved_uj", 0.0) > (*best).value("energy_saved_uj", 0.0))
              best = &c;
          out.push_back("Stop on " + preset + " (" + p.value("stop_reason", std::string("stop")) +
                        "): the largest remaining saving, " +
                        (*best)["component"].get<std::string>() + " " +
                        (*best).value("transform", std::string()) + " (" +
                        format_readable((*best).value("energy_saved_uj", 0.0)) + " uJ per " + unit +
                        "), would cost " + format_readable((*best).value("accuracy_delta", 0.0)) +
                        metric_unit + refusal_interval(*best, p) + ".");
        }
      }
    }
    if (const auto saved = number_at(p, "energy_saved_fraction");
        saved && *saved >= 0.0005 && p.contains("best")) {
      out.push_back("On " + preset + ", the best design (" + variant_text(p["best"]["variant"]) +
                    ") uses " + fmt("%.1f", 100 * *saved) + "% less energy than the baseline.");
    }
    if (const auto vs = number_at(p, "saved_vs_uniform_fraction");
        vs && p.contains("uniform_best")) {
      const auto uni = variant_text(p["uniform_best"]["variant"]);
      if (*vs >= 0) {
        out.push_back("On " + preset + ", the searched design uses " + fmt("%.1f", 100 * *vs) +
                      "% less energy than the best uniform compression (" + uni + ").");
      } else {
        out.push_back("On " + preset + ", the best uniform compression (" + uni + ") needs " +
                      fmt("%.1f", 100 * (1 - 1 / (1 - *vs))) +
                      "% less energy than the searched design: check its " + metric +
                      " before preferring the search.");
      }
    }
  }
  return out;
}

}  // namespace erg::reports

namespace erg::reports {
namespace {

std::string percent_text(const json& v) {
  return v.is_number() ? fmt("%.1f", 100 * v.get<double>()) + " %" : std::string("n/a");
}

std::string interval_text(const json& s) {
  if (!s.is_object() || !s["value"].is_number()) return "n/a";
  std::string out = format_readable(s["value"].get<double>());
  if (s["ci95"].is_array() && s["ci95"].size() == 2 && s["ci95"][0].is_number() &&
      s["ci95"][1].is_number()) {
    out += " [" + format_readable(s["ci95"][0].get<double>()) + ", " +
           format_readable(s["ci95"][1].get<double>()) + "]";
  }
  return out;
}

std::string joined(const json& list, const std::string& sep) {
  std::string out;
  if (list.is_array())
    for (const auto& x : list)
      out += (out.empty() ? "" : sep) + (x.is_string() ? x.get<std::string>() : x.dump());
  return out;
}

}  // namespace

Table component_table(const SweepResults& sweep) {
  const auto unit = sweep.energy_unit();
  const auto metric = sweep.metric();
  const auto model = sweep.summary.value("model", std::string());
  const auto s_unit = sweep::sensitivity_unit(metric, unit);
  Table t;
  t.name = "components";
  t.title =
      "Components per model and preset: shares of the baseline, sensitivity (95 % CI) "
      "and each compression step";
  t.header = {"model",
              "preset",
              "component",
              "parameter_share_percent",
              "invocation_share_percent",
              "energy_share_percent",
              "energy_uj_per_" + unit};
  if (!metric.empty()) {
    t.header.insert(t.header.end(),
                    {"sensitivity_" + s_unit, "sensitivity_ci95_low", "sensitivity_ci95_high",
                     "steps", "energy_saved_uj_per_" + unit + "_per_step",
                     metric + "_delta_per_step_ci95", "final_transform"});
  }
  for (const auto& p : sweep.summary["per_preset"]) {
    if (!p.contains("components") || !p["components"].is_object()) continue;
    for (const auto& [c, o] : p["components"].items()) {
      auto pct = [&](const char* key) {
        const auto v = number_at(o, key);
        return v ? Cell::of(100 * *v) : Cell{};
      };
      std::vector<Cell> r{Cell::of(model),
                          Cell::of(p.value("preset", std::string())),
                          Cell::of(c),
                          pct("parameter_share"),
                          pct("invocation_share"),
                          pct("energy_share")};
      const auto e = number_at(o, "energy_uj_per_unit");
      r.push_back(e ? Cell::of(*e) : Cell{});
      if (!metric.empty()) {
        const auto s = sweep::sensitivity_from_json(o.value("sensitivity", json()));
        r.push_back(s ? Cell::of(s->value) : Cell{});
        r.push_back(s ? Cell::of(s->low) : Cell{});
        r.push_back(s ? Cell::of(s->high) : Cell{});
        r.push_back(Cell::of(joined(o.value("transforms", json()), " -> ")));
        std::string saved;
        for (const auto& x : o.value("energy_saved_uj_per_step", json::array()))
          saved += (saved.empty() ? "" : "; ") + format_exact(x.get<double>());
        r.push_back(Cell::of(saved));
        std::string deltas;
        for (const auto& x : o.value(metric + "_delta_per_step", json::array()))
          deltas += (deltas.empty() ? "" : "; ") + interval_text(x);
        r.push_back(Cell::of(deltas));
        r.push_back(Cell::of(o.value("final_transform", std::string())));
      }
      t.rows.push_back(std::move(r));
    }
  }
  return t;
}

std::vector<std::string> hypothesis_findings(const SweepResults& sweep) {
  const auto model = sweep.summary.value("model", std::string());
  const auto unit = sweep::sensitivity_unit(sweep.metric(), sweep.energy_unit());
  std::vector<std::string> out;
  // The claim under test, once: every preset's principle carries the same spec's [hypothesis].
  for (const auto& p : sweep.summary["per_preset"]) {
    if (!p.contains("principle") || p["principle"].value("hypothesis", std::string()).empty())
      continue;
    const auto source = p["principle"].value("source", std::string());
    out.push_back("Hypothesis under test: \"" + p["principle"]["hypothesis"].get<std::string>() +
                  "\"" + (source.empty() ? std::string() : " (" + source + ")") + ".");
    break;
  }
  for (const auto& p : sweep.summary["per_preset"]) {
    const auto preset = p.value("preset", std::string());
    const auto where = model + " x " + preset;
    const json none = json::object();
    const auto& comps = p.contains("components") ? p["components"] : none;
    // The order and whether the intervals support it.
    if (p.contains("compression_order")) {
      const auto& order = p["compression_order"];
      const auto arrow = joined(order, " → ");
      if (order.empty()) {
        out.push_back("On " + where + ", no component was compressed within the budget.");
      } else if (order.size() == 1) {
        out.push_back("On " + where + ", only " + arrow +
                      " was compressed: there is no order to test.");
      } else if (p.value("order_is_significant", false)) {
        out.push_back("On " + where + ", the order " + arrow +
                      " is statistically supported: each component's 95 % sensitivity interval "
                      "lies wholly below the next one's (first candidate table).");
      } else if (p.contains("uncertainty") &&
                 p["uncertainty"].value("basis", std::string()) == "point estimates") {
        out.push_back("On " + where + ", the order " + arrow +
                      " is not statistically supported: the rows carry no per-utterance error "
                      "counts, so there are no confidence intervals (point estimates only).");
      } else {
        std::string sentence =
            "On " + where + ", the order " + arrow + " is not statistically supported";
        for (const auto& pair : p.value("order_pairs", json::array())) {
          if (pair.value("apart", false)) continue;
          const auto a = pair["first"].get<std::string>(), b = pair["second"].get<std::string>();
          sentence +=
              ": the sensitivity CIs of " + a + " and " + b + " overlap (" +
              interval_text(comps.contains(a) ? comps[a].value("sensitivity", json()) : json()) +
              " vs " +
              interval_text(comps.contains(b) ? comps[b].value("sensitivity", json()) : json()) +
              " " + unit + ")";
          break;
        }
        out.push_back(sentence + ".");
      }
    }
    if (!p.contains("principle")) continue;
    const auto& pr = p["principle"];
    const auto verdict = pr.value("verdict", std::string("untested"));
    // The numbers behind it: every component's shares and sensitivity.
    std::string numbers;
    for (const auto& [c, o] : comps.items()) {
      numbers += (numbers.empty() ? "" : "; ") + c + " " +
                 percent_text(o.value("parameter_share", json())) + " of parameters, " +
                 percent_text(o.value("invocation_share", json())) + " of invocations, " +
                 percent_text(o.value("energy_share", json())) + " of modeled energy";
      if (o.contains("sensitivity") && !o["sensitivity"].is_null())
        numbers += ", sensitivity " + interval_text(o["sensitivity"]) + " " + unit;
    }
    if (verdict != "untested" || p.contains("compression_order")) {
      out.push_back("Compress " + pr.value("claimed_first", std::string()) + " first, on " + where +
                    ": " + verdict + ": " + pr.value("reason", std::string()) + "." +
                    (numbers.empty() ? std::string() : " Baseline figures: " + numbers + "."));
    }
    if (pr.contains("energy_premise")) {
      const auto& e = pr["energy_premise"];
      const auto holds = e.value("holds", json());
      out.push_back(
          "Energy premise on " + where + " (\"" + e.value("statement", std::string()) + "\"): " +
          (holds.is_boolean() ? (holds.get<bool>() ? "holds" : "does not hold")
                              : std::string("untested")) +
          ": " + e.value("reason", std::string()) + "." +
          (verdict == "untested" && !numbers.empty() ? " Baseline figures: " + numbers + "."
                                                     : std::string()));
    }
  }
  return out;
}

}  // namespace erg::reports
