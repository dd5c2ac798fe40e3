#include <algorithm>
#include <random>

#include "core/error.hpp"
#include "sweep/experiment.hpp"
#include "sweep/hypothesis.hpp"
#include "sweep/pareto.hpp"

namespace erg::sweep {
namespace {

// The design space in a fixed order: components (sorted), runtime knobs, then presets.
std::vector<DesignPoint> enumerate(const ExperimentSpec& spec) {
  std::vector<DesignPoint> points{DesignPoint{}};
  for (const auto& [component, transforms] : spec.axes) {
    std::vector<DesignPoint> next;
    for (const auto& p : points) {
      for (const auto& t : transforms) {
        auto q = p;
        q.transforms[component] = t;
        next.push_back(std::move(q));
      }
    }
    points = std::move(next);
  }
  for (const auto& [knob, values] : spec.runtime_axes) {
    std::vector<DesignPoint> next;
    for (const auto& p : points) {
      for (const auto& v : values) {
        auto q = p;
        q.runtime[knob] = v;
        next.push_back(std::move(q));
      }
    }
    points = std::move(next);
  }
  std::vector<DesignPoint> out;
  for (const auto& preset : spec.presets) {
    for (auto p : points) {
      p.preset = preset;
      out.push_back(std::move(p));
    }
  }
  return out;
}

std::vector<DesignPoint> sample(const ExperimentSpec& spec) {
  const auto all = enumerate(spec);
  if (all.size() <= spec.samples) return all;
  // A seeded partial Fisher-Yates shuffle: the same seed always picks the same points.
  std::vector<std::size_t> order(all.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::mt19937_64 rng(spec.seed);
  for (std::size_t i = 0; i < spec.samples; ++i) {
    std::uniform_int_distribution<std::size_t> pick(i, order.size() - 1);
    std::swap(order[i], order[pick(rng)]);
  }
  std::vector<std::size_t> chosen(order.begin(),
                                  order.begin() + static_cast<std::ptrdiff_t>(spec.samples));
  std::sort(chosen.begin(), chosen.end());
  std::vector<DesignPoint> out;
  for (auto i : chosen)
    out.push_back(all[i]);
  return out;
}

}  // namespace

nlohmann::json summarize_rows(ExperimentContext& context, const std::vector<nlohmann::json>& all) {
  const auto& spec = context.spec();
  const std::string metric = context.metric();
  auto rows = all;
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a["key"] < b["key"]; });
  // With a [hypothesis], each preset's baseline shares and the claim's energy premise. Weight
  // bytes are the preset-independent uncompressed model's, asked once.
  std::map<std::string, std::uint64_t> weight_bytes;
  if (!spec.hypothesis_first.empty()) {
    for (const auto& c : context.components())
      weight_bytes[c] = context.workload().weight_bytes(c, models::runtime::Variant{});
  }
  nlohmann::json per_preset = nlohmann::json::array();
  for (const auto& preset : spec.presets) {
    std::vector<nlohmann::json> mine;
    for (const auto& r : rows) {
      if (r["config"]["preset"] == preset) mine.push_back(r);
    }
    nlohmann::json entry{{"preset", preset}, {"rows", mine.size()}};
    if (mine.empty()) {
      per_preset.push_back(entry);
      continue;
    }
    // The baseline: no transforms, and the first value of every runtime axis.
    nlohmann::json base_runtime = nlohmann::json::object();
    for (const auto& [knob, values] : spec.runtime_axes)
      base_runtime[knob] = values.front();
    const nlohmann::json* baseline = nullptr;
    for (const auto& r : mine) {
      if (r["config"]["variant"] == "" && r["config"]["runtime"] == base_runtime) baseline = &r;
    }
    std::optional<double> limit;
    if (baseline != nullptr) {
      entry["baseline"] = brief_row(*baseline, metric);
      limit = context.accuracy_limit(*baseline);
      if (!spec.hypothesis_first.empty()) {
        entry["components"] = component_shares(*baseline, context.components(), weight_bytes);
        auto principle =
            first_choice_verdict(spec, {}, nlohmann::json::array(), false, entry["components"]);
        principle["verdict"] = "untested";
        principle["reason"] =
            "a grid sweep searches no compression order; only the claim's "
            "energy premise is tested";
        entry["principle"] = principle;
      }
    } else if (!spec.constraints.empty()) {
      throw Error(
          "constraints need the uncompressed baseline in the sweep (an empty transform "
          "\"\" on every axis)",
          spec.file.string());
    }
    if (limit) entry["accuracy_limit"] = *limit;
    const nlohmann::json* best = nullptr;
    for (const auto& r : mine) {
      const auto a = accuracy_of(r, metric);
      if (limit && (!a || *a > *limit)) continue;
      if (!best || energy_of(r) < energy_of(*best)) best = &r;
    }
    if (best != nullptr) {
      entry["best"] = brief_row(*best, metric);
      if (baseline != nullptr && energy_of(*baseline) > 0) {
        entry["energy_saved_fraction"] = 1.0 - energy_of(*best) / energy_of(*baseline);
      }
    }
    if (!metric.empty()) {
      std::vector<ParetoPoint> pts;
      std::vector<const nlohmann::json*> with_metric;
      for (const auto& r : mine) {
        if (auto a = accuracy_of(r, metric)) {
          pts.push_back({energy_of(r), *a});
          with_metric.push_back(&r);
        }
      }
      nlohmann::json front = nlohmann::json::array();
      for (auto i : pareto_front(pts))
        front.push_back(brief_row(*with_metric[i], metric));
      entry["pareto"] = front;
    }
    per_preset.push_back(entry);
  }
  return {{"per_preset", per_preset}};
}

nlohmann::json run_grid_strategy(ExperimentContext& context, bool random) {
  const auto& spec = context.spec();
  const auto points = random ? sample(spec) : enumerate(spec);
  const auto summary = context.evaluate_shard(points);
  if (summary.cancelled) throw Error("sweep cancelled; finished rows are kept", spec.file.string());
  if (!summary.errors.empty()) {
    throw Error("evaluation failed: " + summary.errors.front(), spec.file.string());
  }
  // A shard summarizes what its store holds; `erg sweep merge` summarizes the whole sweep.
  auto out = summarize_rows(context, context.stored_rows());
  out["design_points"] = points.size();
  out["shard"] = std::to_string(context.options().shard.index) + "/" +
                 std::to_string(context.options().shard.count);
  return out;
}

}  // namespace erg::sweep
