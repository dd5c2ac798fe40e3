#include "sweep/hypothesis.hpp"

#include <algorithm>
#include <cstdio>

#include "sweep/experiment.hpp"
#include "sweep/metric_delta.hpp"

namespace erg::sweep {
namespace {

using nlohmann::json;

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

std::string interval_text(const Sensitivity& s) {
  return fmt("%.3g", s.value) + " [" + fmt("%.3g", s.low) + ", " + fmt("%.3g", s.high) + "]";
}

const json* entry_of(const json& table, const std::string& component) {
  if (!table.is_array()) return nullptr;
  for (const auto& e : table)
    if (e.value("component", std::string()) == component) return &e;
  return nullptr;
}

std::optional<Sensitivity> sensitivity_in(const json& table, const std::string& component) {
  const auto* e = entry_of(table, component);
  return e && e->contains("sensitivity") ? sensitivity_from_json((*e)["sensitivity"])
                                         : std::nullopt;
}

std::optional<double> share(const json& components, const std::string& c, const char* key) {
  if (!components.contains(c) || !components[c].contains(key) || !components[c][key].is_number())
    return std::nullopt;
  return components[c][key].get<double>();
}

}  // namespace

json component_shares(const json& baseline_row, const std::vector<std::string>& components,
                      const std::map<std::string, std::uint64_t>& weight_bytes) {
  const auto& m = baseline_row.at("metrics");
  const double per_unit = energy_of(baseline_row);
  const double total_pj = m.value("energy_pj", 0.0);
  const double units = per_unit > 0 && total_pj > 0 ? total_pj / 1e6 / per_unit : 0.0;
  const auto energy = energy_shares(baseline_row);
  const json invocations =
      m.contains("invocations_by_component") ? m["invocations_by_component"] : json();
  double bytes_sum = 0, calls_sum = 0;
  for (const auto& c : components) {
    if (auto it = weight_bytes.find(c); it != weight_bytes.end())
      bytes_sum += static_cast<double>(it->second);
    if (invocations.is_object() && invocations.contains(c))
      calls_sum += invocations[c].get<double>();
  }
  json out = json::object();
  for (const auto& c : components) {
    json o = json::object();
    const auto it = weight_bytes.find(c);
    o["weight_bytes"] = it != weight_bytes.end() ? json(it->second) : json(nullptr);
    o["parameter_share"] = it != weight_bytes.end() && bytes_sum > 0
                               ? json(static_cast<double>(it->second) / bytes_sum)
                               : json(nullptr);
    const bool has_calls = invocations.is_object() && invocations.contains(c);
    o["invocations"] = has_calls ? invocations[c] : json(nullptr);
    o["invocation_share"] =
        has_calls && calls_sum > 0 ? json(invocations[c].get<double>() / calls_sum) : json(nullptr);
    const bool has_energy = m.contains("breakdown_pj") && m["breakdown_pj"].contains(c);
    o["energy_uj_per_unit"] = has_energy && units > 0
                                  ? json(m["breakdown_pj"][c].value("total", 0.0) / 1e6 / units)
                                  : json(nullptr);
    o["energy_share"] = energy.contains(c) ? energy[c] : json(nullptr);
    out[c] = o;
  }
  return out;
}

json order_significance(const std::vector<std::string>& order, const json& table, bool intervals) {
  json pairs = json::array();
  bool all = true;
  for (std::size_t i = 0; i + 1 < order.size(); ++i) {
    const auto a = sensitivity_in(table, order[i]);
    const auto b = sensitivity_in(table, order[i + 1]);
    const bool apart = intervals && a && b && ranked_apart(*a, *b);
    all = all && apart;
    pairs.push_back({{"first", order[i]},
                     {"second", order[i + 1]},
                     {"first_ci95", a ? json({a->low, a->high}) : json(nullptr)},
                     {"second_ci95", b ? json({b->low, b->high}) : json(nullptr)},
                     {"apart", apart}});
  }
  std::string basis =
      "adjacent pairs (X, Y) of compression_order: X's 95 % sensitivity interval lies wholly "
      "below Y's, both measured in the search's first candidate table";
  if (!intervals) {
    all = false;
    basis =
        "no intervals: the rows carry no per-utterance counts, so only point estimates "
        "were compared and no order is statistically supported";
  }
  return {{"order_is_significant", all}, {"order_pairs", pairs}, {"basis", basis}};
}

json energy_premise(const std::string& claimed, const json& components) {
  json out{{"statement", claimed + " takes the largest share of modeled energy, and a larger share "
                                   "of energy than of parameters"},
           {"component", claimed}};
  const auto e = share(components, claimed, "energy_share");
  const auto p = share(components, claimed, "parameter_share");
  std::string largest;
  double largest_share = -1;
  for (const auto& [c, o] : components.items()) {
    if (auto s = share(components, c, "energy_share"); s && *s > largest_share) {
      largest = c;
      largest_share = *s;
    }
  }
  out["energy_share"] = e ? json(*e) : json(nullptr);
  out["parameter_share"] = p ? json(*p) : json(nullptr);
  out["largest_component"] = largest.empty() ? json(nullptr) : json(largest);
  if (!e || !p) {
    out["holds"] = nullptr;
    out["reason"] = "the summary has no energy or parameter share for " + claimed;
    return out;
  }
  const bool is_largest = *e >= largest_share;
  const bool exceeds = *e > *p;
  out["largest_energy_share"] = is_largest;
  out["energy_exceeds_parameter_share"] = exceeds;
  out["holds"] = is_largest && exceeds;
  std::string reason = claimed + " takes " + fmt("%.1f", 100 * *e) + " % of modeled energy with " +
                       fmt("%.1f", 100 * *p) + " % of parameters";
  if (*p > 0) reason += " (" + fmt("%.2g", *e / *p) + "x its parameter share)";
  if (!is_largest) {
    reason += "; the largest share is " + largest + "'s " + fmt("%.1f", 100 * largest_share) + " %";
  } else {
    reason += ", the largest share of any component";
  }
  out["reason"] = reason;
  return out;
}

json first_choice_verdict(const ExperimentSpec& spec, const std::vector<std::string>& order,
                          const json& table, bool intervals, const json& components) {
  const auto& claimed = spec.hypothesis_first;
  json out{{"hypothesis", spec.hypothesis_statement},
           {"source", spec.hypothesis_source},
           {"claimed_first", claimed},
           {"chosen_first", order.empty() ? json(nullptr) : json(order.front())}};
  auto done = [&](const std::string& verdict, const std::string& reason) {
    out["verdict"] = verdict;
    out["reason"] = reason;
    if (components.contains(claimed)) out["energy_premise"] = energy_premise(claimed, components);
    return out;
  };
  if (claimed.empty()) return done("untested", "the spec states no [hypothesis]");
  if (!components.contains(claimed)) {
    return done("untested", "the model has no component named " + claimed);
  }
  if (order.empty()) return done("untested", "no compression step kept the accuracy constraint");
  const auto& chosen = order.front();
  const auto s_chosen = sensitivity_in(table, chosen);
  if (!s_chosen)
    return done("untested", "the first candidate table has no sensitivity of " + chosen);
  if (chosen == claimed) {
    // Every other feasible candidate must rank behind it beyond doubt.
    std::vector<std::pair<std::string, Sensitivity>> rivals;
    for (const auto& e : table) {
      const auto c = e.value("component", std::string());
      if (c == chosen || !e.value("feasible", false)) continue;
      if (auto s = sensitivity_from_json(e.value("sensitivity", json())))
        rivals.emplace_back(c, *s);
    }
    std::sort(rivals.begin(), rivals.end(),
              [](const auto& a, const auto& b) { return a.second.value < b.second.value; });
    if (!rivals.empty()) out["compared_with"] = rivals.front().first;
    if (!intervals) {
      return done("not statistically supported",
                  "the search compressed " + claimed +
                      " first, but from point estimates only (no per-utterance counts)");
    }
    for (const auto& [c, s] : rivals) {
      if (!ranked_apart(*s_chosen, s)) {
        out["compared_with"] = c;
        return done("not statistically supported",
                    "the search compressed " + claimed + " first (sensitivity " +
                        interval_text(*s_chosen) + "), but " + c + "'s interval " +
                        interval_text(s) + " overlaps it");
      }
    }
    return done("holds", "the search compressed " + claimed + " first, its sensitivity " +
                             interval_text(*s_chosen) +
                             (rivals.empty() ? std::string(" (no other feasible step)")
                                             : " below every other feasible step's interval"));
  }
  out["compared_with"] = claimed;
  const auto* e = entry_of(table, claimed);
  if (e == nullptr) {
    return done("does not hold", "the search compressed " + chosen + " first; " + claimed +
                                     " had no step left to take");
  }
  if (!e->value("feasible", false)) {
    return done("does not hold", "the search compressed " + chosen + " first; compressing " +
                                     claimed + " one rung broke the accuracy constraint");
  }
  const auto s_claimed = sensitivity_from_json(e->value("sensitivity", json()));
  if (!s_claimed) {
    return done("does not hold", "the search compressed " + chosen + " first; compressing " +
                                     claimed + " one rung saved no energy");
  }
  if (!intervals) {
    return done("not statistically supported",
                "the search compressed " + chosen + " first, not " + claimed +
                    ", but from point estimates only (no per-utterance counts)");
  }
  if (ranked_apart(*s_chosen, *s_claimed)) {
    return done("does not hold", "the search compressed " + chosen + " first (sensitivity " +
                                     interval_text(*s_chosen) + "), below " + claimed + "'s " +
                                     interval_text(*s_claimed) + " beyond overlap");
  }
  return done("not statistically supported", "the search compressed " + chosen +
                                                 " first (sensitivity " + interval_text(*s_chosen) +
                                                 "), but " + claimed + "'s interval " +
                                                 interval_text(*s_claimed) + " overlaps it");
}

}  // namespace erg::sweep
