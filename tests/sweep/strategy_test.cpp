// Strategy tests on a toy workload whose energy comes from the real simulator (its events go
// through models/specs' SpecEmitter) and whose accuracy is a known function of compression, so
// the order the search must find can be derived by hand.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "models/specs/spec_emitter.hpp"
#include "sweep/experiment.hpp"

namespace erg::sweep {
namespace {

namespace fs = std::filesystem;
using models::runtime::Variant;

struct ToyComponent {
  const char* name;
  std::uint64_t rows, cols;
  int invocations;
  double wer_per_level;  // accuracy lost per rung of compression
};

// hot: small and called 50x; mid: medium, called 5x; big: 4 MiB, called once but very
// sensitive. By hand: hot saves the most energy per accuracy point, big must never be touched
// (one rung of big costs 1.0 WER > the 0.5 budget).
constexpr ToyComponent kToy[] = {
    {"toy.hot", 256, 256, 50, 0.05},
    {"toy.mid", 256, 512, 5, 0.10},
    {"toy.big", 1024, 1024, 1, 1.00},
};

int compression_level(const models::runtime::Transform& t) {
  return (t.precision != Precision::kFp32) + (t.prune_ratio > 0) +
         (t.precision == Precision::kInt4);
}

class ToyWorkload final : public ModelWorkload {
 public:
  std::vector<std::string> components() const override { return {"toy.big", "toy.hot", "toy.mid"}; }
  std::string accuracy_metric() const override { return "wer"; }
  std::string energy_unit() const override { return "audio_second"; }
  std::uint64_t weight_bytes(const std::string& component, const Variant& variant) const override {
    CountingSink sink;
    emit(variant, sink, false);
    std::uint64_t bytes = 0;
    for (const auto& [id, info] : sink.tensors()) {
      if (ComponentRegistry::is_under(ComponentRegistry::global().name(info.component), component))
        bytes += info.bytes;
    }
    return bytes;
  }
  WorkloadResult run(const Variant& variant, const nlohmann::json&,
                     AccessSink* sink) const override {
    CountingSink discard;
    emit(variant, sink ? *sink : discard, true);
    WorkloadResult r;
    double wer = 10.0;
    for (const auto& c : kToy)
      wer += c.wer_per_level * compression_level(variant.for_component(c.name));
    r.accuracy["wer"] = wer;
    r.audio_seconds = 1.0;
    return r;
  }

 private:
  static void emit(const Variant& variant, AccessSink& sink, bool traffic) {
    models::specs::SpecEmitter e(sink, variant);
    std::vector<models::specs::SpecTensor> weights;
    for (const auto& c : kToy)
      weights.push_back(e.weight(c.name, "w", c.rows, c.cols, false));
    if (!traffic) return;
    for (int round = 0; round < 50; ++round) {
      for (std::size_t i = 0; i < weights.size(); ++i) {
        if (round % (50 / kToy[i].invocations) != 0) continue;
        e.invoke(weights[i].component);
        e.apply(weights[i], 1);
      }
    }
  }
};

fs::path temp_dir(const std::string& name) {
  auto dir =
      fs::temp_directory_path() / ("erg_strategy_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

ExperimentSpec toy_spec(const std::string& strategy) {
  return parse_experiment_spec(R"(
name = "toy"
[model]
kind = "shape"
name = "toy"
[hardware]
presets = ["wearable-sram2m-lpddr4x"]
[search]
strategy = ")" + strategy + R"("
ladder = ["bits=8", "bits=8,prune=0.5,rows", "bits=4,prune=0.5,rows"]
[axes]
"toy.hot" = ["", "bits=8", "bits=4,prune=0.5", "bits=4,prune=0.5,rows"]
"toy.big" = ["", "bits=8"]
[constraints]
wer_max = "base + 0.5"
)",
                               "toy.toml");
}

nlohmann::json run_toy(const std::string& strategy, std::size_t threads, const fs::path& dir) {
  ResultStore store(dir / "results.jsonl");
  ExperimentContext ctx(toy_spec(strategy), std::make_unique<ToyWorkload>(),
                        make_evaluator("analytic"), store, {threads, {}, false, nullptr});
  return strategy == "sensitivity" ? run_sensitivity_strategy(ctx) : run_grid_strategy(ctx, false);
}

TEST(SensitivityStrategy, FindsTheOrderFromTheNumbersAndKeepsTheBudget) {
  const auto out = run_toy("sensitivity", 2, temp_dir("sens"));
  const auto& p = out["per_preset"][0];
  ASSERT_GE(p["order"].size(), 1u);
  EXPECT_EQ(p["order"][0], "toy.hot");
  for (const auto& c : p["order"])
    EXPECT_NE(c, "toy.big");
  EXPECT_LE(p["best"]["wer"].get<double>(), p["accuracy_limit"].get<double>());
  EXPECT_DOUBLE_EQ(p["accuracy_limit"].get<double>(), 10.5);
  EXPECT_GT(p["energy_saved_fraction"].get<double>(), 0.0);
  // The search can reach every uniform design's energy or better at equal accuracy.
  ASSERT_TRUE(p.contains("uniform_best"));
  EXPECT_LE(p["best"]["energy_per_unit_uj"].get<double>(),
            p["uniform_best"]["energy_per_unit_uj"].get<double>());
  // Every compress step records the sensitivity table it chose from.
  for (const auto& step : p["steps"]) {
    if (step["action"] == "compress") {
      EXPECT_FALSE(step["candidates"].empty());
    }
  }
}

TEST(SensitivityStrategy, SameResultWhateverTheThreadCount) {
  auto a = run_toy("sensitivity", 1, temp_dir("t1"));
  auto b = run_toy("sensitivity", 3, temp_dir("t3"));
  EXPECT_EQ(a.dump(), b.dump());
}

TEST(SensitivityStrategy, RerunSkipsEverything) {
  const auto dir = temp_dir("rerun");
  const auto first = run_toy("sensitivity", 2, dir);
  ResultStore store(dir / "results.jsonl");
  const auto rows = store.size();
  ExperimentContext ctx(toy_spec("sensitivity"), std::make_unique<ToyWorkload>(),
                        make_evaluator("analytic"), store, {2, {}, false, nullptr});
  const auto again = run_sensitivity_strategy(ctx);
  EXPECT_EQ(ctx.evaluated(), 0u);
  EXPECT_EQ(store.size(), rows);
  EXPECT_EQ(first.dump(), again.dump());
}

TEST(GridStrategy, EvaluatesTheProductAndPicksTheCheapestFeasible) {
  const auto out = run_toy("grid", 2, temp_dir("grid"));
  const auto& p = out["per_preset"][0];
  EXPECT_EQ(out["design_points"], 8u);  // 4 hot x 2 big x 1 preset
  EXPECT_EQ(p["rows"], 8u);
  // big:bits=8 costs 1.0 WER, over budget, so the best keeps big uncompressed. Bytes of hot
  // (256x256) by hand: fp32 262144; int8 65536 + 1024 scales = 66560; int4 with 50% magnitude
  // pruning is CSR: 16384 values + 65536 16-bit column indices + 1028 row pointers + 1024 scales
  // = 83972, larger than int8; int4 with 50% row pruning: 128 rows x 128 B + 512 B scales + 512 B
  // row indices = 17408, the smallest, at 0.15 WER.
  EXPECT_EQ(p["best"]["variant"], "toy.hot:bits=4,prune=0.5,rows");
  EXPECT_FALSE(p["pareto"].empty());
}

TEST(Strategy, ShapeSpecsHaveNoAccuracyForTheSensitivitySearch) {
  const auto dir = temp_dir("noacc");
  std::ofstream(dir / "s.toml") << R"(
name = "s"
[model]
kind = "shape"
name = "emformer_rnnt_base"
[workload]
audio_seconds = 0.16
[hardware]
presets = ["mobile-7nm-lpddr4x"]
[search]
strategy = "sensitivity"
ladder = ["bits=8"]
)";
  const auto spec = load_experiment_spec(dir / "s.toml");
  try {
    run_experiment(spec, dir / "out", {1, {}, false, nullptr});
    FAIL() << "ran a sensitivity search without an accuracy metric";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs an accuracy metric"), std::string::npos);
  }
}

TEST(Experiment, GridOnAShapeSpecWritesTheOutputDirectoryAndMergesShards) {
  const auto dir = temp_dir("shape");
  std::ofstream(dir / "s.toml") << R"(
name = "s"
[model]
kind = "shape"
name = "emformer_rnnt_base"
[workload]
audio_seconds = 0.32
[hardware]
presets = ["mobile-7nm-lpddr4x", "wearable-sram2m-lpddr4x"]
[axes]
"asr.joiner" = ["", "bits=8"]
)";
  const auto spec = load_experiment_spec(dir / "s.toml");
  const auto whole = run_experiment(spec, dir / "whole", {2, {}, false, nullptr});
  for (const char* f : {"spec.toml", "results.jsonl", "results.csv", "summary.json"}) {
    EXPECT_TRUE(fs::exists(dir / "whole" / f)) << f;
  }
  EXPECT_EQ(whole["kind"], "sweep_summary");
  EXPECT_EQ(whole["energy_source"], "modeled");
  EXPECT_EQ(whole["rows"], 4u);
  // int8 joiner saves energy on both presets; shares sum to one.
  for (const auto& p : whole["per_preset"]) {
    EXPECT_EQ(p["best"]["variant"], "asr.joiner:bits=8");
    double sum = 0;
    for (const auto& [k, v] : p["baseline"]["energy_shares"].items())
      sum += v.get<double>();
    EXPECT_NEAR(sum, 1.0, 1e-9);
  }
  run_experiment(spec, dir / "s0", {1, Shard::parse("0/2"), false, nullptr});
  run_experiment(spec, dir / "s1", {1, Shard::parse("1/2"), false, nullptr});
  const auto merged = merge_experiments({dir / "s0", dir / "s1"}, dir / "merged");
  EXPECT_EQ(merged["rows"], 4u);
  EXPECT_EQ(merged["per_preset"].dump(), whole["per_preset"].dump());
}

}  // namespace
}  // namespace erg::sweep
