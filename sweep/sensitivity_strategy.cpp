#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "sweep/experiment.hpp"
#include "sweep/pareto.hpp"

namespace erg::sweep {
namespace {

constexpr double kBytesPerMb = 1e6;
// Scores of lossless steps start here, above any ratio a lossy step can reach.
constexpr double kLossless = 1e200;

// The sensitivity-guided greedy search for one preset (ARCHITECTURE.md, "Sweeps"):
//  1. estimate each component's power sensitivity (energy saved per MB of weights removed) and
//     accuracy sensitivity (metric lost per MB) by a finite difference: one more rung of its
//     compression ladder;
//  2. compress the component with the best power-to-accuracy ratio that keeps the constraint;
//  3. pin components that now fit the preset's local memory, hottest first;
//  4. stop when no step keeps the constraint.
// Nothing here knows which component is which: the order comes out of the numbers.
class Search {
 public:
  Search(ExperimentContext& ctx, std::string preset, nlohmann::json runtime)
      : ctx_(ctx), metric_(ctx.metric()), ladder_(ctx.spec().ladder) {
    state_.preset = std::move(preset);
    state_.runtime = std::move(runtime);
    for (const auto& c : ctx.components()) {
      state_.transforms[c] = "";
      level_[c] = -1;
    }
    capacity_ = ctx.preset(state_.preset).hierarchy.scratchpad.size_bytes;
  }

  nlohmann::json run() {
    const auto base_row = ctx_.evaluate({state_}).front();
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
    const double e0 = energy_of(base_row);
    if (e0 > 0) out["energy_saved_fraction"] = 1.0 - energy_of(current_) / e0;
    add_uniform(out);
    add_pareto(out);
    return out;
  }

 private:
  bool feasible(const nlohmann::json& row) const {
    const auto a = accuracy_of(row, metric_);
    return !limit_ || (a && *a <= *limit_);
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
    const auto rows = ctx_.evaluate(points);
    const double e_cur = energy_of(current_);
    const double a_cur = accuracy_of(current_, metric_).value_or(0.0);
    nlohmann::json table = nlohmann::json::array();
    int chosen = -1;
    double chosen_score = -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const double d_energy = e_cur - energy_of(rows[i]);
      const double d_acc = accuracy_of(rows[i], metric_).value_or(0.0) - a_cur;
      const double d_bytes = static_cast<double>(bytes(names[i], state_)) -
                             static_cast<double>(bytes(names[i], points[i]));
      const double mb = d_bytes / kBytesPerMb;
      const bool ok = feasible(rows[i]);
      nlohmann::json entry{{"component", names[i]},
                           {"transform", points[i].transforms[names[i]]},
                           {"energy_saved_uj", d_energy},
                           {"accuracy_delta", d_acc},
                           {"weight_bytes_removed", d_bytes},
                           {"power_sensitivity_uj_per_mb", mb > 0 ? d_energy / mb : 0.0},
                           {"accuracy_sensitivity_per_mb", mb > 0 ? d_acc / mb : 0.0},
                           {"feasible", ok}};
      // Power-to-accuracy ratio. A step that loses no accuracy ranks above every lossy one,
      // and among those by the energy it saves.
      double score = 0.0;
      if (d_acc <= 0.0) {
        entry["ratio_uj_per_metric"] = nullptr;
        score = kLossless + d_energy;
      } else {
        score = d_energy / d_acc;
        entry["ratio_uj_per_metric"] = score;
      }
      table.push_back(entry);
      if (ok && d_energy > 0 && (chosen < 0 || score > chosen_score)) {
        chosen = static_cast<int>(i);
        chosen_score = score;
      }
    }
    if (chosen < 0) {
      stop_reason_ = limit_ ? "no further step saves energy within the accuracy constraint"
                            : "no further step saves energy";
      steps_.push_back({{"action", "stop"}, {"candidates", table}});
      return false;
    }
    const auto& c = names[static_cast<std::size_t>(chosen)];
    ++level_[c];
    state_ = points[static_cast<std::size_t>(chosen)];
    current_ = rows[static_cast<std::size_t>(chosen)];
    if (std::find(order_.begin(), order_.end(), c) == order_.end()) order_.push_back(c);
    steps_.push_back({{"action", "compress"},
                      {"component", c},
                      {"transform", state_.transforms[c]},
                      {"energy_per_unit_uj", energy_of(current_)},
                      {metric_, accuracy_of(current_, metric_).value_or(0.0)},
                      {"candidates", table}});
    return true;
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
    const auto rows = ctx_.evaluate(points);
    nlohmann::json levels = nlohmann::json::array();
    const nlohmann::json* best = nullptr;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      auto b = brief_row(rows[i], metric_);
      b["transform"] = rungs[i];
      b["feasible"] = feasible(rows[i]);
      levels.push_back(b);
      if (feasible(rows[i]) && (!best || energy_of(rows[i]) < energy_of(*best))) best = &rows[i];
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
  std::optional<double> limit_;
  std::vector<std::string> order_;
  nlohmann::json steps_ = nlohmann::json::array();
  std::string stop_reason_ = "reached search.max_steps";
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
  for (const auto& preset : context.spec().presets) {
    per_preset.push_back(Search(context, preset, runtime).run());
  }
  return {{"per_preset", per_preset}};
}

}  // namespace erg::sweep
