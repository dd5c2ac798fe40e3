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

// A spec of model kind `kind` with `tables` appended: its [workload], [runtime], ... Line numbers
// in the messages: 1 name, 2 [model], 3 kind, 4 name, 5 [hardware], 6 presets, 7 the table.
std::string spec_of(const std::string& kind, const std::string& tables) {
  return "name = 's'\n[model]\nkind = '" + kind +
         "'\nname = 'm'\n[hardware]\npresets = ['mobile-7nm-lpddr4x']\n" + tables;
}

// Issue 18 item 4: integers are range-checked where parsed. beam = -3 once became 2^64 - 3
// hypotheses (an 18 EB allocation); beam = 100000 says what is too large and the limit.
TEST(ExperimentSpec, IntegerKnobsAreRangeChecked) {
  EXPECT_EQ(error_of(spec_of("shape", "[workload]\nbeam = -3\n")),
            "key 'workload.beam' is -3, too small (at least 1: hypotheses kept per step): "
            "spec.toml:8:8");
  EXPECT_EQ(error_of(spec_of("shape", "[workload]\nbeam = 100000\n")),
            "key 'workload.beam' is 100000, too large (at most 1024: hypotheses kept per step): "
            "spec.toml:8:8");
  // A runtime axis checks each value at its own column.
  EXPECT_EQ(error_of(spec_of("asr", "[runtime]\nbeam = [1, 4, -3]\n")),
            "key 'runtime.beam' is -3, too small (at least 1: hypotheses kept per step, 1 = "
            "greedy): spec.toml:8:15");
  EXPECT_NE(error_of(spec_of("asr", "[workload]\nmax_utterances = -1\n"))
                .find("key 'workload.max_utterances' is -1, too small (at least 0"),
            std::string::npos);
  EXPECT_NE(error_of(spec_of("llm", "[runtime]\nspeculations = 100000\n"))
                .find("key 'runtime.speculations' is 100000, too large (at most 64"),
            std::string::npos);
  EXPECT_NE(error_of(spec_of("llm", "[workload]\nmax_new_tokens = 0\n"))
                .find("key 'workload.max_new_tokens' is 0, too small (at least 1"),
            std::string::npos);
  EXPECT_NE(error_of(spec_of("shape", "[workload]\ngenerated_tokens = 99999999999\n"))
                .find("too large (at most 1e+07"),
            std::string::npos);
  // An integer key given a float is a type error, not a rounding.
  EXPECT_NE(error_of(spec_of("shape", "[workload]\nbeam = 4.5\n"))
                .find("key 'workload.beam' must be an integer (hypotheses kept per step), got a "
                      "float: spec.toml:8:8"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "[search]\nsamples = -1\n")
                .find("key 'search.samples' is -1, outside [1, 1000000]"),
            std::string::npos);
}

// Issue 18 item 5: an unknown key under [workload] or [runtime] is an error that lists the
// model kind's keys, as [search] always did; a key in the wrong table says where it belongs.
TEST(ExperimentSpec, UnknownWorkloadAndRuntimeKeysListTheValidOnes) {
  EXPECT_EQ(error_of(spec_of("asr", "[workload]\ntestset = 'x'\nbogus = 1\n")),
            "key 'workload.bogus' is not a known key for model kind 'asr' (expected one of: "
            "testset, voices, max_utterances): spec.toml:9:9");
  EXPECT_EQ(error_of(spec_of("asr", "[workload]\nbeam = 4\n")),
            "key 'workload.beam' is not a known key for model kind 'asr' (expected one of: "
            "testset, voices, max_utterances); beam belongs in [runtime]: spec.toml:8:8");
  EXPECT_NE(error_of(spec_of("llm", "[runtime]\nbeam = 4\n"))
                .find("key 'runtime.beam' is not a known key for model kind 'llm' (expected one "
                      "of: max_new_tokens, strategy, exit_layer, speculations, draft_confidence)"),
            std::string::npos);
  EXPECT_NE(error_of(spec_of("shape", "[runtime]\nbem = [1, 4]\n"))
                .find("key 'runtime.bem' is not a known key for model kind 'shape' (expected one "
                      "of: audio_seconds, input_frames_per_second, blank_ratio, beam,"),
            std::string::npos);
  EXPECT_NE(error_of(spec_of("asr", "[workload]\nvoices = 'some'\n"))
                .find("key 'workload.voices' is 'some' (expected one of: all, train, heldout)"),
            std::string::npos);
  EXPECT_NE(error_of(spec_of("llm", "[runtime]\nstrategy = ['ar', 'beam']\n"))
                .find("key 'runtime.strategy' is 'beam' (expected one of: ar, exit, selfspec"),
            std::string::npos);
}

// Issue 18 item 6: a quantity that makes every energy 0 uJ or NaN is rejected where it is parsed,
// and a wrong type names the key and file:line.
TEST(ExperimentSpec, NonPositiveOrNonFiniteQuantitiesAndWrongTypesAreRejected) {
  EXPECT_EQ(error_of(spec_of("shape", "[workload]\naudio_seconds = 0\n")),
            "key 'workload.audio_seconds' is 0, too small (at least 0.001: seconds of audio the "
            "schedule covers): spec.toml:8:17");
  EXPECT_NE(
      error_of(spec_of("shape", "[workload]\naudio_seconds = -2.0\n")).find("is -2, too small"),
      std::string::npos);
  EXPECT_NE(error_of(spec_of("shape", "[runtime]\naudio_seconds = [1.0, nan]\n"))
                .find("key 'runtime.audio_seconds' is nan, expected a finite number"),
            std::string::npos);
  EXPECT_NE(error_of(spec_of("shape", "[workload]\naudio_seconds = inf\n"))
                .find("expected a finite number"),
            std::string::npos);
  EXPECT_EQ(error_of(spec_of("shape", "[workload]\naudio_seconds = \"two\"\n")),
            "key 'workload.audio_seconds' must be a number (seconds of audio the schedule "
            "covers), got a string: spec.toml:8:17");
  EXPECT_NE(error_of(spec_of("shape", "[workload]\nbatch_hypotheses = 1\n"))
                .find("key 'workload.batch_hypotheses' must be a boolean"),
            std::string::npos);
  EXPECT_NE(
      error_of(spec_of("llm", "[runtime]\ndraft_confidence = 1.5\n")).find("too large (at most 1"),
      std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "[constraints]\nwer_max = 'base + inf'\n")
                .find("invalid constraint 'base + inf'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMinimal) + "[constraints]\nwer_max = 'base * 0'\n")
                .find("must be positive"),
            std::string::npos);
}

// The checks that need the model run later, so the spec records where each key was given.
TEST(ExperimentSpec, RecordsWhereKeysWereGivenAndAContentHash) {
  const auto a = parse_experiment_spec(spec_of("shape", "[axes]\n'asr.joiner' = ['']\n"), "a.toml");
  EXPECT_EQ(a.where("axes.asr.joiner"), "a.toml:8:16");
  EXPECT_EQ(a.where("hypothesis.first"), "a.toml");  // not given: the file
  // Comments and layout do not change the hash; a value does.
  const auto b = parse_experiment_spec(
      "# a comment\n" + spec_of("shape", "[axes]\n\"asr.joiner\" = [ \"\" ]\n"), "b.toml");
  const auto c =
      parse_experiment_spec(spec_of("shape", "[axes]\n'asr.joiner' = ['bits=8']\n"), "c.toml");
  EXPECT_EQ(a.content_hash, b.content_hash);
  EXPECT_NE(a.content_hash, c.content_hash);
  EXPECT_EQ(a.text, spec_of("shape", "[axes]\n'asr.joiner' = ['']\n"));
}

}  // namespace
}  // namespace erg::sweep
