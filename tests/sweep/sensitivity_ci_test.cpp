// The sensitivity search acting on uncertainty, on a fake whose energies and per-utterance errors
// are set by hand (tests/sweep/fake_search.hpp). The expected intervals are derived below from
// the binomial distribution of how often a resample of 40 utterances draws the erring ones.
#include <gtest/gtest.h>

#include <fstream>

#include "sweep/hypothesis.hpp"
#include "sweep/metric_delta.hpp"
#include "tests/sweep/fake_search.hpp"

namespace erg::sweep {
namespace {

using nlohmann::json;
using testing::errors_on_first;
using testing::FakeSearch;

const json& candidate(const json& table, const std::string& component) {
  for (const auto& c : table)
    if (c["component"] == component) return c;
  throw std::runtime_error("no candidate " + component);
}

const json& first_table(const json& preset) {
  for (const auto& s : preset["steps"])
    if (s.contains("candidates")) return s["candidates"];
  throw std::runtime_error("no candidate table");
}

// 40 utterances of 10 words (400 words). Compressing x.a adds one error to utterance 0: the
// point estimate of its WER increase is 1/400 = 0.25 points, within the 0.5 budget. But a
// resample draws utterance 0 X ~ Binomial(40, 1/40) times: P(X >= 3) = 0.079 and P(X >= 4) =
// 0.018, so the 97.5th percentile is 3 copies, an upper bound of 3/400 = 0.75 points > 0.5.
// x.b changes no utterance (interval [0, 0]) and is taken.
FakeSearch reject_case(bool counts) {
  FakeSearch s;
  s.utterances = 40;
  s.words_per_utterance = 10;
  s.counts = counts;
  s.components = {
      {"x.a", 4000, 10, 500.0, {{100.0, errors_on_first(40, 1, 1)}, {0.0, {}}}},
      {"x.b", 1000, 90, 300.0, {{10.0, {}}, {10.0, {}}}},
  };
  return s;
}

TEST(SensitivitySearchCi, RejectsAStepWhoseUpperBoundBreaksTheBudget) {
  const auto out = testing::run_fake(reject_case(true), testing::fake_spec("base + 0.5", ""),
                                     testing::fake_temp_dir("reject"));
  const auto& p = out["per_preset"][0];
  const auto& a = candidate(first_table(p), "x.a");
  EXPECT_NEAR(a["wer_delta"]["value"].get<double>(), 0.25, 1e-12);
  EXPECT_EQ(a["wer_delta"]["basis"], "paired bootstrap");
  EXPECT_LE(a["wer_delta"]["value"].get<double>(), 0.5);  // the point estimate would pass
  EXPECT_NEAR(a["wer_upper_bound"].get<double>(), 0.75, 1e-9);
  EXPECT_FALSE(a["feasible"].get<bool>());
  // x.b is taken twice (interval [0, 0], lower sensitivity) and x.a never.
  EXPECT_EQ(p["compression_order"], json({"x.b"}));
  EXPECT_EQ(out["compression_order"], json({"x.b"}));  // the first preset's, at the top level
  const auto& b = p["components"]["x.b"];
  EXPECT_EQ(b["energy_saved_uj_per_step"], json({10.0, 10.0}));
  EXPECT_EQ(b["wer_delta_per_step"][0]["ci95"], json({0.0, 0.0}));
  EXPECT_EQ(p["uncertainty"]["basis"], "paired bootstrap over utterances");
  EXPECT_EQ(p["uncertainty"]["units"], 40u);
  EXPECT_NE(p["stop_reason"].get<std::string>().find("upper end"), std::string::npos);
}

// Rows without per-utterance counts (as older erg stored them) still load and run: the search
// falls back to point estimates, takes x.a (0.25 <= 0.5) and says that nothing is significant.
TEST(SensitivitySearchCi, RowsWithoutCountsFallBackToPointEstimates) {
  const auto out = testing::run_fake(reject_case(false), testing::fake_spec("base + 0.5", ""),
                                     testing::fake_temp_dir("point"));
  const auto& p = out["per_preset"][0];
  const auto& a = candidate(first_table(p), "x.a");
  EXPECT_EQ(a["wer_delta"]["basis"], "point estimate");
  EXPECT_TRUE(a["feasible"].get<bool>());
  // x.b's s = 0 / 10 = 0 beats x.a's 0.25 / 100 = 0.0025 twice, then x.a goes.
  EXPECT_EQ(p["compression_order"], json({"x.b", "x.a"}));
  EXPECT_EQ(p["uncertainty"]["basis"], "point estimates");
  EXPECT_FALSE(p["order_is_significant"].get<bool>());
  EXPECT_TRUE(p["components"]["x.a"]["invocation_share"].is_null());  // not recorded either
}

using testing::fake_order_case;

TEST(SensitivitySearchCi, AcceptsAStepWhoseUpperBoundKeepsTheBudget) {
  // x.a's interval is [0.25, 0.25] points: within "base + 0.5", so it is taken first.
  const auto out = testing::run_fake(fake_order_case(true), testing::fake_spec("base + 0.5", ""),
                                     testing::fake_temp_dir("accept"));
  const auto& p = out["per_preset"][0];
  const auto& a = candidate(first_table(p), "x.a");
  EXPECT_TRUE(a["feasible"].get<bool>());
  EXPECT_NEAR(a["wer_delta"]["ci95"][0].get<double>(), 0.25, 1e-9);
  EXPECT_NEAR(a["wer_delta"]["ci95"][1].get<double>(), 0.25, 1e-9);
  EXPECT_NEAR(a["sensitivity"]["value"].get<double>(), 0.0025, 1e-12);
  EXPECT_EQ(a["sensitivity"]["unit"], "wer_points_per_uj_per_audio_second");
  // Energy saved per point lost, the paper's ratio: 100 / 0.25 = 400 uJ.
  EXPECT_NEAR(a["power_to_accuracy"]["value"].get<double>(), 400.0, 1e-6);
  ASSERT_GE(p["compression_order"].size(), 1u);
  EXPECT_EQ(p["compression_order"][0], "x.a");
}

TEST(SensitivitySearchCi, OrderIsSignificantWhenTheIntervalsSeparate) {
  const auto out = testing::run_fake(fake_order_case(true), testing::fake_spec("base + 2", "x.a"),
                                     testing::fake_temp_dir("apart"));
  const auto& p = out["per_preset"][0];
  EXPECT_EQ(p["compression_order"], json({"x.a", "x.b"}));
  EXPECT_NEAR(p["components"]["x.b"]["sensitivity"]["value"].get<double>(), 0.005, 1e-12);
  EXPECT_TRUE(p["order_is_significant"].get<bool>());
  EXPECT_TRUE(out["order_is_significant"].get<bool>());
  EXPECT_TRUE(p["order_pairs"][0]["apart"].get<bool>());
  EXPECT_EQ(p["principle"]["verdict"], "holds");
  // Shares of the baseline by hand: bytes 1000 / 10000, calls 900 / 1000, energy 400 / 1200.
  const auto& a = p["components"]["x.a"];
  EXPECT_NEAR(a["parameter_share"].get<double>(), 0.1, 1e-12);
  EXPECT_NEAR(a["invocation_share"].get<double>(), 0.9, 1e-12);
  EXPECT_NEAR(a["energy_share"].get<double>(), 400.0 / 1200.0, 1e-12);
  EXPECT_NEAR(a["energy_uj_per_unit"].get<double>(), 400.0, 1e-9);
  // x.a: a third of the energy with a tenth of the bytes, but x.b's 2/3 is the largest share.
  const auto& premise = p["principle"]["energy_premise"];
  EXPECT_FALSE(premise["holds"].get<bool>());
  EXPECT_TRUE(premise["energy_exceeds_parameter_share"].get<bool>());
  EXPECT_EQ(premise["largest_component"], "x.b");

  // The same numbers against the claim "x.b first": x.a went first, ranked apart from x.b.
  const auto other = testing::run_fake(fake_order_case(true), testing::fake_spec("base + 2", "x.b"),
                                       testing::fake_temp_dir("apart_b"));
  EXPECT_EQ(other["per_preset"][0]["principle"]["verdict"], "does not hold");
}

TEST(SensitivitySearchCi, OrderIsNotSignificantWhenTheIntervalsOverlap) {
  const auto out = testing::run_fake(fake_order_case(false), testing::fake_spec("base + 2", "x.a"),
                                     testing::fake_temp_dir("overlap"));
  const auto& p = out["per_preset"][0];
  EXPECT_EQ(p["compression_order"], json({"x.a", "x.b"}));
  const auto& b = p["components"]["x.b"]["sensitivity"];
  EXPECT_NEAR(b["value"].get<double>(), 0.00275, 1e-12);
  EXPECT_LT(b["ci95"][0].get<double>(), 0.0025);
  EXPECT_GT(b["ci95"][1].get<double>(), 0.0025);
  EXPECT_FALSE(p["order_is_significant"].get<bool>());
  EXPECT_FALSE(p["order_pairs"][0]["apart"].get<bool>());
  EXPECT_EQ(p["principle"]["verdict"], "not statistically supported");
  EXPECT_EQ(p["principle"]["compared_with"], "x.b");
}

TEST(SensitivitySearchCi, SameSummaryOnARerun) {
  const auto dir = testing::fake_temp_dir("rerun");
  const auto a =
      testing::run_fake(fake_order_case(false), testing::fake_spec("base + 2", "x.a"), dir);
  const auto b =
      testing::run_fake(fake_order_case(false), testing::fake_spec("base + 2", "x.a"), dir);
  EXPECT_EQ(a.dump(), b.dump());
}

// A grid over presets on the paper-scale shape spec tests only the claim's energy premise, from
// the baseline's shares; the shares of each kind sum to one.
TEST(GridHypothesis, EnergyPremiseFromTheBaselineShares) {
  const auto dir = testing::fake_temp_dir("grid");
  std::ofstream(dir / "s.toml") << R"(
name = "s"
[model]
kind = "shape"
name = "emformer_rnnt_base"
[workload]
audio_seconds = 0.32
beam = 4
blank_ratio = 0.8
[hardware]
presets = ["mobile-7nm-lpddr4x", "wearable-sram2m-lpddr4x"]
[axes]
"asr.joiner" = ["", "bits=8"]
[hypothesis]
first = "asr.joiner"
)";
  const auto out =
      run_experiment(load_experiment_spec(dir / "s.toml"), dir / "out", {1, {}, false, nullptr});
  for (const auto& p : out["per_preset"]) {
    const auto& comps = p["components"];
    ASSERT_EQ(comps.size(), 3u);
    for (const char* key : {"parameter_share", "invocation_share", "energy_share"}) {
      double sum = 0;
      for (const auto& [c, o] : comps.items())
        sum += o[key].get<double>();
      EXPECT_NEAR(sum, 1.0, 1e-9) << key;
    }
    // The schedule calls the joiner once per frame and symbol for each of 4 hypotheses, the
    // predictor only per symbol: at a blank ratio of 0.8 the joiner runs 5x as often.
    EXPECT_GT(comps["asr.joiner"]["invocations"].get<double>(),
              comps["asr.predictor"]["invocations"].get<double>());
    const auto& premise = p["principle"]["energy_premise"];
    EXPECT_EQ(p["principle"]["verdict"], "untested");
    EXPECT_DOUBLE_EQ(premise["energy_share"].get<double>(),
                     comps["asr.joiner"]["energy_share"].get<double>());
    double largest = 0;
    for (const auto& [c, o] : comps.items())
      largest = std::max(largest, o["energy_share"].get<double>());
    EXPECT_EQ(premise["holds"].get<bool>(),
              comps["asr.joiner"]["energy_share"].get<double>() >= largest &&
                  comps["asr.joiner"]["energy_share"].get<double>() >
                      comps["asr.joiner"]["parameter_share"].get<double>());
  }
}

// Hand-built tables: what order_significance compares.
TEST(OrderSignificance, ComparesAdjacentPairsInTheFirstTable) {
  auto entry = [](const char* c, double lo, double hi) {
    return json{{"component", c},
                {"feasible", true},
                {"sensitivity", {{"value", (lo + hi) / 2}, {"ci95", {lo, hi}}}}};
  };
  const json table = {entry("a", 0.1, 0.2), entry("b", 0.3, 0.5), entry("c", 0.4, 0.6)};
  // a [0.1, 0.2] lies below b [0.3, 0.5]; b and c [0.4, 0.6] overlap.
  auto r = order_significance({"a", "b"}, table, true);
  EXPECT_TRUE(r["order_is_significant"].get<bool>());
  r = order_significance({"a", "b", "c"}, table, true);
  EXPECT_FALSE(r["order_is_significant"].get<bool>());
  EXPECT_TRUE(r["order_pairs"][0]["apart"].get<bool>());
  EXPECT_FALSE(r["order_pairs"][1]["apart"].get<bool>());
  // Against the ranking (b before a) is not "apart" either: the test is directional.
  EXPECT_FALSE(order_significance({"b", "a"}, table, true)["order_is_significant"].get<bool>());
  // Without intervals nothing is significant.
  EXPECT_FALSE(order_significance({"a", "b"}, table, false)["order_is_significant"].get<bool>());
}

// metric_delta pairs only counts that reproduce the stored metric.
TEST(MetricDelta, PairsOnlyMatchingCounts) {
  auto row = [](double wer, std::vector<int> errors) {
    return json{{"metrics",
                 {{"accuracy", {{"wer", wer}}},
                  {"utterance_errors", errors},
                  {"utterance_words", std::vector<int>(errors.size(), 10)}}}};
  };
  // 2 errors in 20 words = 10 %; 3 in 20 = 15 %.
  const auto d = metric_delta(row(10.0, {1, 1}), row(15.0, {2, 1}), "wer");
  EXPECT_TRUE(d.paired);
  EXPECT_NEAR(d.value, 5.0, 1e-9);
  // Counts that do not give the stored WER are not used.
  const auto bad = metric_delta(row(10.0, {1, 1}), row(40.0, {2, 1}), "wer");
  EXPECT_FALSE(bad.paired);
  EXPECT_DOUBLE_EQ(bad.low, 30.0);
  EXPECT_DOUBLE_EQ(bad.high, 30.0);
}

}  // namespace
}  // namespace erg::sweep
