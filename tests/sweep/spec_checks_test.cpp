// The checks of a spec that need its model (components, metric, unit, the shape model's family),
// which run_experiment makes before it writes anything (issue 18 items 5 and 6).
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "sweep/evaluator.hpp"
#include "sweep/experiment.hpp"

namespace erg::sweep {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  auto dir = fs::temp_directory_path() / ("erg_checks_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Line 1 name, 2 [model], 3 kind, 4 name, 5 [hardware], 6 presets, 7 the first of `tables`.
std::string shape_spec(const std::string& model, const std::string& tables) {
  return "name = 's'\n[model]\nkind = 'shape'\nname = '" + model +
         "'\n[hardware]\npresets = ['mobile-7nm-lpddr4x']\n" + tables;
}

// Runs `text` into a fresh out/ and returns the error, the spec's folder left out of its path;
// out/ must not exist afterwards.
std::string run_error(const std::string& name, const std::string& text) {
  const auto dir = temp_dir(name);
  std::ofstream(dir / "s.toml") << text;
  try {
    run_experiment(load_experiment_spec(dir / "s.toml"), dir / "out", {1, {}, false, nullptr});
  } catch (const Error& e) {
    EXPECT_FALSE(fs::exists(dir / "out")) << "a rejected spec left an output directory";
    std::string what = e.what();
    const std::string folder = dir.string() + "/";
    for (auto at = what.find(folder); at != std::string::npos; at = what.find(folder))
      what.erase(at, folder.size());
    return what;
  }
  return "no error";
}

// `what` contains `part`, and the failure shows `what`.
::testing::AssertionResult contains(const std::string& what, const std::string& part) {
  if (what.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << what << "' lacks '" << part << "'";
}

// Old code ran an [axes] entry on an unknown component as a no-op and reported it as a variant.
TEST(SpecChecks, AxesOnAnUnknownComponentListTheModelsComponents) {
  const auto what = run_error("axes", shape_spec("emformer_rnnt_base",
                                                 "[workload]\naudio_seconds = 0.16\n[axes]\n"
                                                 "'asr.nothing' = ['', 'bits=8']\n"));
  // Line 10 holds the axis; its value starts at column 17.
  EXPECT_NE(what.find("key 'axes.asr.nothing' names 'asr.nothing', not a component of "
                      "emformer_rnnt_base (expected one of: asr, asr.encoder, asr.encoder.input, "
                      "asr.encoder.layer, asr.encoder.layer.0 to asr.encoder.layer.19, "
                      "asr.encoder.output, asr.joiner, asr.predictor): "),
            std::string::npos)
      << what;
  EXPECT_NE(what.find("s.toml:10:17"), std::string::npos) << what;
}

TEST(SpecChecks, SearchComponentsAndHypothesisNameKnownComponents) {
  EXPECT_TRUE(contains(
      run_error("components",
                shape_spec("emformer_rnnt_base", "[search]\ncomponents = ['asr.joinr']\n")),
      "key 'search.components' names 'asr.joinr', not a component of"));
  EXPECT_TRUE(contains(run_error("hypothesis", shape_spec("emformer_rnnt_base",
                                                          "[hypothesis]\nfirst = 'asr.joinr'\n")),
                       "key 'hypothesis.first' is 'asr.joinr', not a component the search "
                       "compresses (expected one of: asr.encoder, asr.predictor, asr.joiner): "
                       "s.toml:8:9"));
}

TEST(SpecChecks, ConstraintsAndEnergyUnitMatchTheWorkload) {
  // Old code ran the whole grid and failed only when summarizing.
  EXPECT_TRUE(
      contains(run_error("constraint", shape_spec("emformer_rnnt_base",
                                                  "[axes]\n'asr.joiner' = ['']\n"
                                                  "[constraints]\nwer_max = 'base + 0.5'\n")),
               "key 'constraints.wer_max' constrains 'wer', but emformer_rnnt_base (model "
               "kind shape) measures no accuracy metric: s.toml:10:11"));
  // Old code ignored [metrics] energy_per and reported per audio second anyway.
  EXPECT_TRUE(contains(
      run_error("unit", shape_spec("emformer_rnnt_base", "[metrics]\nenergy_per = 'token'\n")),
      "key 'metrics.energy_per' is 'token', but emformer_rnnt_base reports energy "
      "per audio_second (expected 'audio_second')"));
  EXPECT_TRUE(contains(run_error("sensitivity", shape_spec("emformer_rnnt_base",
                                                           "[search]\nstrategy = 'sensitivity'\n"
                                                           "ladder = ['bits=8']\n")),
                       "needs an accuracy metric"));
}

// A shape model is an RNN-T or an LLM; the spec's keys were checked against both when loaded
// and are checked against the one named when it runs.
TEST(SpecChecks, ShapeKeysMatchTheModelsFamilyAndDepth) {
  EXPECT_TRUE(contains(
      run_error("family", shape_spec("emformer_rnnt_base", "[workload]\nprompt_tokens = 128\n")),
      "key 'workload.prompt_tokens' applies to LLM shape models, and emformer_rnnt_base is an "
      "RNN-T (expected one of: audio_seconds, input_frames_per_second, blank_ratio, beam, "
      "batch_hypotheses): s.toml:8:17"));
  EXPECT_TRUE(
      contains(run_error("family_llm", shape_spec("llama3_2_1b", "[runtime]\nbeam = [1, 4]\n")),
               "key 'runtime.beam' applies to RNN-T shape models, and llama3_2_1b is an LLM"));
  EXPECT_TRUE(
      contains(run_error("depth", shape_spec("llama3_2_1b", "[runtime]\nexit_layer = [2, 99]\n")),
               "key 'runtime.exit_layer' is 99, too large (at most 16: the layers of "
               "llama3_2_1b): s.toml:8"));
}

// The shipped specs pass every check, parse-time and model-time (the ASR one where its dev split
// has been made: scripts/asr-testset --split dev data/asr/devsplit).
TEST(SpecChecks, TheShippedConfigsPass) {
  for (const auto& entry : fs::directory_iterator(data_root() / "configs")) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().string());
    const auto spec = load_experiment_spec(entry.path());
    if (spec.model_kind == "asr" &&
        !fs::exists(data_root() / spec.workload.value("testset", std::string("x")))) {
      continue;
    }
    EXPECT_NO_THROW(check_spec_against(spec, *make_workload(spec)));
  }
}

// Prefixes and fine names of real components are fine: the checks reject only what names none.
TEST(SpecChecks, PrefixesAndFineNamesOfRealComponentsRun) {
  const auto dir = temp_dir("ok");
  std::ofstream(dir / "s.toml") << shape_spec(
      "emformer_rnnt_base",
      "[workload]\naudio_seconds = 0.16\n[axes]\n'asr.encoder' = ['']\n"
      "'asr.encoder.layer.3' = ['', 'bits=8']\n");
  const auto summary =
      run_experiment(load_experiment_spec(dir / "s.toml"), dir / "out", {1, {}, false, nullptr});
  EXPECT_EQ(summary["rows"], 2u);
}

// Energy per nothing is undefined: a run that covers no audio is an error, not a 0 uJ row that
// would rank as the best design.
TEST(SpecChecks, EnergyPerUnitOfARunThatCoveredNothingIsAnError) {
  const auto spec = parse_experiment_spec(shape_spec("emformer_rnnt_base", ""), "s.toml");
  const auto workload = make_workload(spec);
  WorkloadResult result;
  result.audio_seconds = 2.0;
  EXPECT_DOUBLE_EQ(energy_units_covered(*workload, result), 2.0);
  result.audio_seconds = 0.0;
  try {
    (void)energy_units_covered(*workload, result);
    FAIL() << "0 audio seconds accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("energy per audio_second is undefined"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace erg::sweep
