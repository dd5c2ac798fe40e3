#include "sweep/experiment_spec.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace erg::sweep {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_experiment_spec(text, "spec.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

const char* kMinimal = R"(
name = "s"
[model]
kind = "shape"
name = "emformer_rnnt_base"
[hardware]
presets = ["mobile-7nm-lpddr4x"]
)";

TEST(ExperimentSpec, ParsesAFullSpec) {
  const auto spec = parse_experiment_spec(R"(
name = "asr_design_search"
description = "d"
[model]
kind = "asr"
name = "asr-lstm"
[workload]
testset = "tests/fixtures/asr/testset"
max_utterances = 20
[hardware]
presets = ["wearable-sram2m-lpddr4x", "mobile-7nm-lpddr4x"]
[evaluator]
kind = "trace"
[search]
strategy = "sensitivity"
ladder = ["bits=8", "bits=8,prune=0.5"]
pin = false
[runtime]
beam = 4
[constraints]
wer_max = "base + 0.5"
[metrics]
energy_per = "audio_second"
)",
                                          "s.toml");
  EXPECT_EQ(spec.name, "asr_design_search");
  EXPECT_EQ(spec.model_kind, "asr");
  EXPECT_EQ(spec.workload["max_utterances"], 20);
  EXPECT_EQ(spec.presets.size(), 2u);
  EXPECT_EQ(spec.evaluator, "trace");
  EXPECT_EQ(spec.strategy, "sensitivity");
  EXPECT_EQ(spec.ladder.size(), 2u);
  EXPECT_FALSE(spec.pin);
  EXPECT_EQ(spec.runtime_axes.at("beam").front(), 4);
  ASSERT_EQ(spec.constraints.size(), 1u);
  EXPECT_EQ(spec.constraints[0].metric, "wer");
  EXPECT_DOUBLE_EQ(spec.constraints[0].limit(10.0), 10.5);
}

TEST(ExperimentSpec, DefaultsAreGridAnalytic) {
  const auto spec = parse_experiment_spec(kMinimal, "s.toml");
  EXPECT_EQ(spec.strategy, "grid");
  EXPECT_EQ(spec.evaluator, "analytic");
  EXPECT_TRUE(spec.constraints.empty());
}

TEST(Constraint, ParsesRelativeAndAbsoluteForms) {
  EXPECT_DOUBLE_EQ(Constraint::parse("wer", "base + 0.5").limit(3.0), 3.5);
  EXPECT_DOUBLE_EQ(Constraint::parse("perplexity", "base*1.05").limit(2.0), 2.1);
  EXPECT_DOUBLE_EQ(Constraint::parse("wer", "7").limit(3.0), 7.0);
  EXPECT_THROW(Constraint::parse("wer", "base - 1"), Error);
  EXPECT_EQ(Constraint::parse("wer", "base + 0.5").to_string(), "wer <= base + 0.5");
}

TEST(ExperimentSpec, ErrorsNameTheKeyAndLine) {
  EXPECT_NE(error_of(std::string(kMinimal) + "[search]\nstrategy = 'annealing'\n")
                .find("key 'search.strategy' is 'annealing' (expected grid, random or "
                      "sensitivity): spec.toml:9"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "[search]\nstrategy = 'sensitivity'\n")
                .find("key 'search.ladder' is missing"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "[axes]\n'asr.joiner' = ['bits=3']\n")
                .find("key 'axes.asr.joiner' has an invalid transform 'bits=3'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "[constraints]\nwer = 3\n")
                .find("is not a constraint (expected <metric>_max)"),
            std::string::npos);
  // Appended after [hardware], the typo lands in that table.
  EXPECT_NE(error_of(std::string(kMinimal) + "typo = 1\n")
                .find("key 'hardware.typo' is not a known key (expected one of: presets)"),
            std::string::npos);
  EXPECT_NE(error_of("name = 's'\n[hardware]\npresets = ['x']\n").find("key 'model' is missing"),
            std::string::npos);
}

}  // namespace
}  // namespace erg::sweep
