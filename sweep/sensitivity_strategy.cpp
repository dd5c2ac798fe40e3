#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "sweep/experiment.hpp"
#include "sweep/hypothesis.hpp"
#include "sweep/metric_delta.hpp"
#include "sweep/pareto.hpp"

namespace erg::sweep {
namespace {

constexpr double kBytesPerMb = 1e6;

// The sensitivity-guided greedy search for one preset (ARCHITECTURE.md, "Sweeps"):
//  1. for each component, take one more rung of its compression ladder (a finite difference)
//     and measure the energy saved, dE = E(current) - E(candidate) (modeled, deterministic),
//     and the metric lost, dM = M(candidate) - M(current), with its paired-bootstrap 95 %
//     interval over the test set's utterances;
//  2. a step is feasible only when the upper end of its metric is within the constraint:
//     M(base) + high(paired interval of M(candidate) - M(base)) <= limit;
//  3. compress the feasible component with the lowest sensitivity s = dM / dE (metric points lost
//     per uJ saved; ties: more energy saved), which stays finite when dM <= 0;
//  4. pin components that now fit the preset's local memory, hottest first;
//  5. stop when no feasible step saves energy.
// Rows without per-utterance counts fall back to point estimates (zero-width intervals), and
// the summary says so. Nothing here knows which component is which: the order comes out of the
// numbers.
class Search {
 public:
  // `place` is "i/n" among the spec's presets; `later_rows` the estimated rows of the presets
  // after this one (for the sweep's one progress bar).
  Search(ExperimentContext& ctx, std::string preset, nlohmann::json runtime, std::string place,
         std::size_t later_rows)
      : ctx_(ctx),
        metric_(ctx.metric()),
        ladder_(ctx.spec().ladder),
        place_(std::move(place)),
        later_rows_(later_rows) {
    state_.preset = std::move(preset);
    state_.runtime = std::move(runtime);
    for (const auto& c : ctx.components()) {
      state_.transforms[c] = "";
      level_[c] = -1;
    }
    capacity_ = ctx.preset(state_.preset).hierarchy.scratchpad.size_bytes;
  }

  // A guess of the rows one preset's search evaluates: the baseline, a pin pass over every
  // component, one compression step per component and the stop step (each a candidate per
  // component), and the uniform designs. The progress bar's total is this until the search
  // knows better.
  static std::size_t estimated_rows(ExperimentContext& ctx, const std::string& preset) {
    const std::size_t c = ctx.components().size(), rungs = ctx.spec().ladder.size();
    const bool pins = ctx.spec().pin && ctx.preset(preset).hierarchy.scratchpad.size_bytes > 0;
    return 1 + (pins ? c : 0) + c * c + c + rungs + 1;
  }

  nlohmann::json run() {
    progress("baseline", estimated_rows(ctx_, state_.preset) - 1);
    const auto base_row = ctx_.evaluate({state_}).front();
    base_row_ = base_row;
    current_ = base_row;
    limit_ = ctx_.accuracy_limit(base_row);
    if (ctx_.spec().pin) pin_pass();
    for (std::size_t step = 0; step < ctx_.spec().max_steps; ++step) {
      if (!compress_step()) break;
      if (ctx_.spec().pin) pin_pass();
    }
    nlohmann::json out{
        {"preset", state_.preset},
        {"runtime", state_.runtime},
        {"baseline", brief_row(base_row, metric_)},
        {"best", brief_row(current_, metric_)},
        {"order", order_},
        {"pinned", std::vector<std::string>(state_.pinned.begin(), state_.pinned.end())},
        {"steps", steps_},
        {"stop_reason", stop_reason_},
        {"local_memory_bytes", capacity_}};
    if (limit_) out["accuracy_limit"] = *limit_;
    add_components(out, base_row);
    const double e0 = energy_of(base_row);
    if (e0 > 0) out["energy_saved_fraction"] = 1.0 - energy_of(current_) / e0;
    add_uniform(out);
    add_pareto(out);
    return out;
  }

 private:
  // Labels the sweep's bar with this preset and phase; `rows_after` is the estimate of this
  // preset's rows after the batch about to run.
  void progress(const std::string& phase, std::size_t rows_after) {
    auto* bar = ctx_.progress();
    if (bar == nullptr) return;
    bar->set_label(state_.preset + " (" + place_ + ") " + phase);
    bar->expect_later(rows_after + later_rows_);
  }

  // What is left after a compression step or pin, at the least: a step (or the stop) over the
  // components not at the end of their ladder, and the uniform designs.
  std::size_t rows_left_guess() const {
    std::size_t open = 0;
    for (const auto& [c, level] : level_)
      open += level + 1 < static_cast<int>(ladder_.size()) ? 1 : 0;
    return open + ladder_.size() + 1;
  }

  // The upper end of the row's metric: the baseline's plus the upper bound of the paired
  // interval of their difference.
  double upper_bound(const MetricDelta& vs_base) const {
    return accuracy_of(base_row_, metric_).value_or(0.0) + vs_base.high;
  }

  bool feasible(const nlohmann::json& row) const {
    if (!accuracy_of(row, metric_)) return false;
    return !limit_ || upper_bound(metric_delta(base_row_, row, metric_)) <= *limit_;
  }

  void note(const MetricDelta& d) {
    if (d.paired) {
      paired_units_ = d.units;
    } else {
      point_estimates_ = true;
    }
  }

  std::uint64_t bytes(const std::string& component, const DesignPoint& p) const {
    return ctx_.workload().weight_bytes(component, models::runtime::Variant::parse(p.variant()));
  }

  bool compress_step() {
    std::vector<std::string> names;
    std::vector<DesignPoint> points;
    for (const auto& [c, level] : level_) {
      if (level + 1 >= static_cast<int>(ladder_.size())) continue;
      auto p = state_;
      p.transforms[c] = ladder_[static_cast<std::size_t>(level + 1)];
      names.push_back(c);
      points.push_back(std::move(p));
    }
    if (points.empty()) {
      stop_reason_ = "every component is at the end of its compression ladder";
      return false;
    }
    ++step_;
    progress("step " + std::to_string(step_) + ": compress", rows_left_guess());
    const auto rows = ctx_.evaluate(points);
    const double e_cur = energy_of(current_);
    const auto unit = sensitivity_unit(metric_, ctx_.workload().energy_unit());
    nlohmann::json table = nlohmann::json::array();
    int chosen = -1;
    std::optional<Sensitivity> chosen_s;
    double chosen_energy = 0.0;
    std::vector<MetricDelta> deltas;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const double d_energy = e_cur - energy_of(rows[i]);
      const auto vs_current = metric_delta(current_, rows[i], metric_);
      const auto vs_base = metric_delta(base_row_, rows[i], metric_);
      note(vs_current);
      note(vs_base);
      deltas.push_back(vs_current);
      const double d_acc = vs_current.value;
      const double d_bytes = static_cast<double>(bytes(names[i], state_)) -
                             static_cast<double>(bytes(names[i], points[i]));
      const double mb = d_bytes / kBytesPerMb;
      const double upper = upper_bound(vs_base);
      const bool ok = accuracy_of(rows[i], metric_) && (!limit_ || upper <= *limit_);
      const auto s = sensitivity_of(vs_current, d_energy);
      nlohmann::json entry{{"component", names[i]},
                           {"transform", points[i].transforms[names[i]]},
                           {"energy_saved_uj", d_energy},
                           {"accuracy_delta", d_acc},
                           {metric_ + "_delta", delta_json(vs_current)},
                           {metric_ + "_delta_vs_base", delta_json(vs_base)},
                           {metric_ + "_upper_bound", upper},
                           {"sensitivity", sensitivity_json(s, unit)},
                           {"power_to_accuracy",
                            s ? power_to_accuracy_json(vs_current, d_energy) : nlohmann::json()},
                           {"weight_bytes_removed", d_bytes},
                           {"power_sensitivity_uj_per_mb", mb > 0 ? d_energy / mb : 0.0},
                           {"accuracy_sensitivity_per_mb", mb > 0 ? d_acc / mb : 0.0},
                           {"feasible", ok}};
      entry["ratio_uj_per_metric"] = d_acc > 0.0 ? nlohmann::json(d_energy / d_acc) : nullptr;
      table.push_back(entry);
      if (!ok || !s) continue;
      if (chosen < 0 || s->value < chosen_s->value ||
          (s->value == chosen_s->value && d_energy > chosen_energy)) {
        chosen = static_cast<int>(i);
        chosen_s = s;
        chosen_energy = d_energy;
      }
    }
    if (first_table_.is_null()) first_table_ = table;
    if (chosen < 0) {
      stop_reason_ = limit_ ? "no further step saves energy with the upper end of its " + metric_ +
                                  " interval within the accuracy constraint"
                            : "no further step saves energy";
      steps_.push_back({{"action", "stop"}, {"candidates", table}});
      return false;
    }
    const auto k = static_cast<std::size_t>(chosen);
    const auto& c = names[k];
    ++level_[c];
    state_ = points[k];
    current_ = rows[k];
    if (std::find(order_.begin(), order_.end(), c) == order_.end()) order_.push_back(c);
    auto& record = per_component_[c];
    record["transforms"].push_back(state_.transforms[c]);
    record["energy_saved_uj_per_step"].push_back(chosen_energy);
    record[metric_ + "_delta_per_step"].push_back(delta_json(deltas[k]));
    steps_.push_back({{"action", "compress"},
                      {"component", c},
                      {"transform", state_.transforms[c]},
                      {"energy_per_unit_uj", energy_of(current_)},
                      {metric_, accuracy_of(current_, metric_).value_or(0.0)},
                      {"energy_saved_uj", chosen_energy},
                      {metric_ + "_delta", delta_json(deltas[k])},
                      {"sensitivity", table[k]["sensitivity"]},
                      {"candidates", table}});
    return true;
  }

  // Per component: its sensitivity in the first candidate table (the figure order significance
  // compares), what each of its compression steps saved and cost, and its baseline shares.
  void add_components(nlohmann::json& out, const nlohmann::json& base_row) {
    const auto names = ctx_.components();
    std::map<std::string, std::uint64_t> weight_bytes;
    DesignPoint uncompressed;
    for (const auto& c : names)
      weight_bytes[c] = bytes(c, uncompressed);
    auto components = component_shares(base_row, names, weight_bytes);
    for (const auto& c : names) {
      auto& o = components[c];
      nlohmann::json sens = nullptr;
      if (first_table_.is_array())
        for (const auto& e : first_table_)
          if (e["component"] == c) sens = e["sensitivity"];
      o["sensitivity"] = sens;
      const auto it = per_component_.find(c);
      const nlohmann::json none = nlohmann::json::array();
      for (const char* key : {"transforms", "energy_saved_uj_per_step"})
        o[key] = it != per_component_.end() && it->second.contains(key) ? it->second[key] : none;
      const auto delta_key = metric_ + "_delta_per_step";
      o[delta_key] = it != per_component_.end() && it->second.contains(delta_key)
                         ? it->second[delta_key]
                         : none;
      o["final_transform"] = state_.transforms[c];
      o["pinned"] = state_.pinned.count(c) > 0;
    }
    const bool intervals = !point_estimates_;
    out["compression_order"] = order_;
    const auto significance = order_significance(order_, first_table_, intervals);
    for (const auto& [k, v] : significance.items())
      out[k] = v;
    out["components"] = components;
    out["uncertainty"] =
        intervals ? nlohmann::json{{"basis", "paired bootstrap over utterances"},
                                   {"units", paired_units_},
                                   {"resamples", BootstrapOptions{}.resamples},
                                   {"level", BootstrapOptions{}.level},
                                   {"feasibility", "baseline " + metric_ +
                                                       " + upper bound of the paired interval "
                                                       "of (candidate - baseline) <= limit"}}
                  : nlohmann::json{{"basis", "point estimates"},
                                   {"reason",
                                    "some rows carry no per-utterance error counts (stored by "
                                    "an older erg, or a workload without them): intervals are "
                                    "zero-width and nothing is statistically significant"}};
    out["principle"] =
        first_choice_verdict(ctx_.spec(), order_, first_table_, intervals, components);
  }

  void pin_pass() {
    if (capacity_ == 0) return;
    for (;;) {
      std::uint64_t used = 0;
      for (const auto& c : state_.pinned)
        used += bytes(c, state_);
      int chosen = -1;
      nlohmann::json chosen_row;
      DesignPoint chosen_point;
      double best_saving = 0.0;
      for (const auto& [c, level] : level_) {
        if (state_.pinned.count(c)) continue;
        if (used + bytes(c, state_) > capacity_) continue;
        auto p = state_;
        p.pinned.insert(c);
        nlohmann::json row;
        progress("step " + std::to_string(step_) + ": pin " + c, rows_left_guess());
        try {
          row = ctx_.evaluate({p}).front();
        } catch (const Error&) {
          continue;  // its buffers do not fit beside the weights after all
        }
        const double saving = energy_of(current_) - energy_of(row);
        if (saving > best_saving) {
          best_saving = saving;
          chosen = 1;
          chosen_row = row;
          chosen_point = p;
        }
      }
      if (chosen < 0) return;
      const auto added = *std::find_if(chosen_point.pinned.begin(), chosen_point.pinned.end(),
                                       [&](const auto& c) { return !state_.pinned.count(c); });
      state_ = chosen_point;
      current_ = chosen_row;
      steps_.push_back({{"action", "pin"},
                        {"component", added},
                        {"weight_bytes", bytes(added, state_)},
                        {"energy_saved_uj", best_saving},
                        {"energy_per_unit_uj", energy_of(current_)}});
    }
  }

  // Uniform compression: every component on the same rung. The best uniform design that keeps
  // the constraint is the baseline the paper's strategy must beat at equal accuracy.
  void add_uniform(nlohmann::json& out) {
    std::vector<DesignPoint> points;
    std::vector<std::string> rungs{""};  // the uncompressed model is the first uniform design
    rungs.insert(rungs.end(), ladder_.begin(), ladder_.end());
    for (const auto& rung : rungs) {
      DesignPoint p;
      p.preset = state_.preset;
      p.runtime = state_.runtime;
      for (const auto& [c, level] : level_)
        p.transforms[c] = rung;
      points.push_back(std::move(p));
    }
    progress("uniform compression", 0);
    const auto rows = ctx_.evaluate(points);
    nlohmann::json levels = nlohmann::json::array();
    const nlohmann::json* best = nullptr;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto b = brief_row(rows[i], metric_);
      b["transform"] = rungs[i];
      const bool ok = feasible(rows[i]);
      b["feasible"] = ok;
      levels.push_back(b);
      if (ok && (!best || energy_of(rows[i]) < energy_of(*best))) best = &rows[i];
    }
    out["uniform"] = levels;
    if (best != nullptr) {
      out["uniform_best"] = brief_row(*best, metric_);
      out["saved_vs_uniform_fraction"] = 1.0 - energy_of(current_) / energy_of(*best);
    }
  }

  void add_pareto(nlohmann::json& out) {
    std::vector<nlohmann::json> rows;
    for (auto& r : ctx_.stored_rows()) {
      if (r["config"]["preset"] == state_.preset && r["config"]["runtime"] == state_.runtime &&
          accuracy_of(r, metric_)) {
        rows.push_back(std::move(r));
      }
    }
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a["key"] < b["key"]; });
    std::vector<ParetoPoint> pts;
    for (const auto& r : rows)
      pts.push_back({energy_of(r), *accuracy_of(r, metric_)});
    nlohmann::json front = nlohmann::json::array();
    for (auto i : pareto_front(pts))
      front.push_back(brief_row(rows[i], metric_));
    out["pareto"] = front;
  }

  ExperimentContext& ctx_;
  std::string metric_;
  std::vector<std::string> ladder_;
  DesignPoint state_;
  std::map<std::string, int> level_;
  std::uint64_t capacity_ = 0;
  nlohmann::json current_;
  nlohmann::json base_row_;
  nlohmann::json first_table_;  // the first step's candidates: what significance compares
  std::map<std::string, nlohmann::json> per_component_;
  bool point_estimates_ = false;
  std::size_t paired_units_ = 0;
  std::optional<double> limit_;
  std::vector<std::string> order_;
  nlohmann::json steps_ = nlohmann::json::array();
  std::string stop_reason_ = "reached search.max_steps";
  std::string place_;
  std::size_t later_rows_ = 0;
  std::size_t step_ = 0;
};

}  // namespace

nlohmann::json run_sensitivity_strategy(ExperimentContext& context) {
  if (context.metric().empty()) {
    throw Error(
        "the sensitivity search needs an accuracy metric, and shape-only specs have "
        "none (use strategy = \"grid\" for them)",
        context.spec().file.string());
  }
  nlohmann::json runtime = nlohmann::json::object();
  for (const auto& [knob, values] : context.spec().runtime_axes) {
    if (values.size() > 1) {
      throw Error("the sensitivity search holds runtime knobs fixed; runtime." + knob +
                      " lists several values",
                  context.spec().file.string());
    }
    runtime[knob] = values.front();
  }
  nlohmann::json per_preset = nlohmann::json::array();
  const auto& presets = context.spec().presets;
  for (std::size_t i = 0; i < presets.size(); ++i) {
    std::size_t later = 0;
    for (std::size_t j = i + 1; j < presets.size(); ++j)
      later += Search::estimated_rows(context, presets[j]);
    const auto place = std::to_string(i + 1) + "/" + std::to_string(presets.size());
    per_preset.push_back(Search(context, presets[i], runtime, place, later).run());
  }
  nlohmann::json out{{"per_preset", per_preset}};
  // The first preset's order, significance and per-component figures also at the top level,
  // where a reader of a one-preset search looks for them; per_preset holds every preset's.
  if (!per_preset.empty()) {
    for (const char* key : {"compression_order", "order_is_significant", "order_pairs",
                            "components", "principle", "uncertainty"})
      if (per_preset[0].contains(key)) out[key] = per_preset[0][key];
    out["top_level_preset"] = per_preset[0]["preset"];
  }
  return out;
}

}  // namespace erg::sweep
