// A sensitivity search whose every number is set by hand: a fake workload (components, weight
// bytes) and a fake evaluator that prices a variant from a table of per-rung energy savings and
// per-utterance extra errors. With it, the intervals the search computes can be derived by hand.
// Shared by tests/sweep and tests/reports.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/experiment.hpp"

namespace erg::sweep::testing {

struct FakeRung {
  double energy_saved_uj = 0.0;   // per audio second, against the rung below
  std::vector<int> extra_errors;  // per utterance (empty: none)
};

struct FakeComponent {
  std::string name;
  std::uint64_t weight_bytes = 0;
  std::uint64_t invocations = 0;
  double energy_uj = 0.0;       // uncompressed, per audio second (1 s of audio)
  std::vector<FakeRung> rungs;  // rung i is the ladder's i-th transform
};

struct FakeSearch {
  std::size_t utterances = 40;
  std::size_t words_per_utterance = 400;
  std::vector<FakeComponent> components;
  bool counts = true;  // false: rows without per-utterance counts, as erg stored them before
};

// The ladder the fake prices: level 1 = bits=8, level 2 = bits=4.
inline int fake_level(const models::runtime::Transform& t) {
  return t.precision == Precision::kInt8 ? 1 : t.precision == Precision::kInt4 ? 2 : 0;
}

class FakeWorkload final : public ModelWorkload {
 public:
  explicit FakeWorkload(FakeSearch s) : s_(std::move(s)) {}
  std::vector<std::string> components() const override {
    std::vector<std::string> out;
    for (const auto& c : s_.components)
      out.push_back(c.name);
    return out;
  }
  std::string accuracy_metric() const override { return "wer"; }
  std::string energy_unit() const override { return "audio_second"; }
  std::uint64_t weight_bytes(const std::string& component,
                             const models::runtime::Variant&) const override {
    for (const auto& c : s_.components)
      if (c.name == component) return c.weight_bytes;
    return 0;
  }
  WorkloadResult run(const models::runtime::Variant&, const nlohmann::json&,
                     AccessSink*) const override {
    return {};
  }

 private:
  FakeSearch s_;
};

class FakeEvaluator final : public Evaluator {
 public:
  explicit FakeEvaluator(FakeSearch s) : s_(std::move(s)) {}
  std::string name() const override { return "fake"; }
  nlohmann::json evaluate(const ModelWorkload&, const models::runtime::Variant& variant,
                          const nlohmann::json&, const simulator::Preset&) override {
    std::vector<int> errors(s_.utterances, 0);
    nlohmann::json breakdown = nlohmann::json::object(), calls = nlohmann::json::object();
    double total_uj = 100.0;  // static energy, belongs to no component
    for (const auto& c : s_.components) {
      const int level = fake_level(variant.for_component(c.name));
      double e = c.energy_uj;
      for (int l = 0; l < level && l < static_cast<int>(c.rungs.size()); ++l) {
        e -= c.rungs[static_cast<std::size_t>(l)].energy_saved_uj;
        const auto& extra = c.rungs[static_cast<std::size_t>(l)].extra_errors;
        for (std::size_t u = 0; u < extra.size(); ++u)
          errors[u] += extra[u];
      }
      breakdown[c.name] = {{"dram", e * 1e6}, {"total", e * 1e6}};
      calls[c.name] = c.invocations;
      total_uj += e;
    }
    double sum = 0;
    for (int e : errors)
      sum += e;
    const double words = static_cast<double>(s_.utterances * s_.words_per_utterance);
    nlohmann::json m{{"energy_source", "modeled"},
                     {"energy_pj", total_uj * 1e6},
                     {"static_energy_pj", 100.0 * 1e6},
                     {"energy_unit", "audio_second"},
                     {"energy_per_unit_uj", total_uj},
                     {"breakdown_pj", breakdown},
                     {"accuracy", {{"wer", 100.0 * sum / words}}},
                     {"stats", nlohmann::json::object()},
                     {"audio_seconds", 1.0},
                     {"tokens", 0.0},
                     {"host_time_s", 0.0}};
    if (s_.counts) {
      m["invocations_by_component"] = calls;
      m["utterance_errors"] = errors;
      m["utterance_words"] = std::vector<std::size_t>(s_.utterances, s_.words_per_utterance);
    }
    return m;
  }

 private:
  FakeSearch s_;
};

inline std::filesystem::path fake_temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("erg_fake_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A spec for the fake: ladder bits=8, bits=4, no pinning, one preset, the given budget and
// (optionally) a [hypothesis].
inline ExperimentSpec fake_spec(const std::string& wer_max, const std::string& hypothesis_first) {
  std::string text = R"(
name = "fake"
[model]
kind = "shape"
name = "fake"
[hardware]
presets = ["mobile-7nm-lpddr4x"]
[search]
strategy = "sensitivity"
ladder = ["bits=8", "bits=4"]
pin = false
[constraints]
wer_max = ")" + wer_max +
                     "\"\n";
  if (!hypothesis_first.empty()) {
    text += "[hypothesis]\nfirst = \"" + hypothesis_first + "\"\nstatement = \"compress " +
            hypothesis_first + " first\"\n";
  }
  return parse_experiment_spec(text, "fake.toml");
}

// Runs the search on the fake into `dir` (results.jsonl) and writes a summary.json there the
// way run_experiment's envelope does (the fields a report reads).
inline nlohmann::json run_fake(const FakeSearch& s, const ExperimentSpec& spec,
                               const std::filesystem::path& dir) {
  nlohmann::json strategy;
  {
    ResultStore store(dir / "results.jsonl");
    ExperimentContext ctx(spec, std::make_unique<FakeWorkload>(s),
                          std::make_unique<FakeEvaluator>(s), store, {1, {}, false, nullptr});
    strategy = run_sensitivity_strategy(ctx);
  }
  nlohmann::json summary{
      {"kind", "sweep_summary"},    {"name", spec.name},         {"model", "fake"},
      {"model_kind", "asr"},        {"strategy", "sensitivity"}, {"evaluator", "fake"},
      {"energy_source", "modeled"}, {"accuracy_metric", "wer"},  {"energy_unit", "audio_second"}};
  for (auto& [k, v] : strategy.items())
    summary[k] = v;
  std::ofstream(dir / "summary.json") << summary.dump(2) << "\n";
  return summary;
}

// n utterances with `value` extra errors each on the first `first` of them.
inline std::vector<int> errors_on_first(std::size_t n, std::size_t first, int value) {
  std::vector<int> v(n, 0);
  for (std::size_t i = 0; i < first && i < n; ++i)
    v[i] = value;
  return v;
}

// 40 utterances of 400 words (16000). One error more on every utterance is +40/16000 = 0.25
// points in every resample (every utterance carries the same ratio), an interval of zero width.
// x.a saves 100 uJ for it: s = 0.25 / 100 = 0.0025 points per uJ. In the separated case x.b
// saves 50 uJ for the same: s = 0.005. In the overlapping case x.b adds 11 errors to each of
// the first 4 utterances (44/16000 = 0.275 points, s = 0.00275) for 100 uJ; a resample draws
// those K ~ Binomial(40, 0.1) times and its s = 11 K / 16000 / 100 * 100 is below 0.0025 for
// K <= 3 (P = 0.42) and above for K >= 4 (P = 0.58), so x.b's interval contains x.a's.
inline FakeSearch fake_order_case(bool separated) {
  FakeSearch s;
  s.components = {
      {"x.a", 1000, 900, 400.0, {{100.0, errors_on_first(40, 40, 1)}, {0.0, {}}}},
      {"x.b",
       9000,
       100,
       800.0,
       {{separated ? 50.0 : 100.0,
         separated ? errors_on_first(40, 40, 1) : errors_on_first(40, 4, 11)},
        {0.0, {}}}},
  };
  return s;
}

}  // namespace erg::sweep::testing
