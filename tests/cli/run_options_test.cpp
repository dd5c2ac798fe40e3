// The shared model-run options (cli/run_options.hpp): one declaration, the bounds, the refusals
// of options that would do nothing, and the model-dependent exit-layer check. Expected values come
// from the defaults documented in the help text and the README.
#include "cli/run_options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace erg::cli {
namespace {

using models::llm::Strategy;

constexpr unsigned kAsr = kAsrDecoding | kAsrStreaming | kThreads;
constexpr unsigned kLlm = kLlmDecoding | kLlmGeneration;

ParsedArgs parse(unsigned groups, std::vector<std::string> args,
                 const RunOptionDefaults& defaults = {}) {
  ArgParser parser("test", "test");
  add_model_run_options(parser, groups, defaults);
  return parser.parse(args);
}

ModelRunOptions read(unsigned groups, std::vector<std::string> args,
                     const RunOptionDefaults& defaults = {"m", 64}) {
  return read_model_run_options(parse(groups, args, defaults), groups, defaults);
}

std::string usage_message(const auto& call) {
  try {
    call();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

TEST(RunOptions, ACommandDeclaresOnlyTheGroupsItTakes) {
  ArgParser parser("test", "test");
  add_model_run_options(parser, kLlmDecoding, {});
  const std::string help = parser.help();
  for (const char* name : {"--model M", "--variant V", "--json", "--strategy S", "--exit-layer E",
                           "--speculations d", "--draft-confidence C", "--max-tokens N"})
    EXPECT_NE(help.find(name), std::string::npos) << name;
  for (const char* name : {"--beam", "--threads", "--temperature", "--chunk-ms"})
    EXPECT_EQ(help.find(name), std::string::npos) << name;
  EXPECT_EQ(usage_message([] {
              parse(kLlmDecoding, {"--temperature", "1"});
            }),
            "unknown option '--temperature': usage: test");
}

TEST(RunOptions, DefaultsAreTheDocumentedOnes) {
  const auto llm = read(kLlm, {}, {"llm-layerskip", 32});
  EXPECT_EQ(llm.model, "llm-layerskip");
  EXPECT_TRUE(llm.variant.empty());
  EXPECT_EQ(llm.generate.strategy, Strategy::kAutoregressive);
  EXPECT_EQ(llm.generate.speculations, 4u);
  EXPECT_EQ(llm.generate.max_new_tokens, 32u);
  EXPECT_EQ(llm.generate.seed, 42u);
  EXPECT_TRUE(llm.generate.stop_at_eos);
  EXPECT_FALSE(llm.exit_layer.has_value());
  const auto asr = read(kAsr, {});
  EXPECT_FALSE(asr.beam.has_value());
  EXPECT_EQ(asr.threads, 1u);
  EXPECT_DOUBLE_EQ(asr.chunk_ms, 320.0);
  EXPECT_EQ(usage_message([] { read(kAsr, {}, {}); }), "missing --model");
}

TEST(RunOptions, ExitLayerDefaultsToHalfTheLayersAndMustFitTheStrategy) {
  const auto exit = read(kLlm, {"--strategy", "exit"});
  EXPECT_EQ(llm_generate_options(exit, 8).exit_layer, 4u);
  EXPECT_EQ(
      llm_generate_options(read(kLlm, {"--strategy", "exit", "--exit-layer", "8"}), 8).exit_layer,
      8u);
  EXPECT_EQ(usage_message([] {
              llm_generate_options(read(kLlm, {"--strategy", "selfspec", "--exit-layer", "8"}), 8);
            }),
            "--exit-layer 8 is too large: the model has 8 layers, and --strategy selfspec takes 1 "
            "to 7");
  EXPECT_EQ(usage_message([] {
              llm_generate_options(read(kLlm, {"--strategy", "selfspec"}), 1);
            }),
            "the model has too few layers (1) for --strategy selfspec");
  // ar ignores the exit layer, so a one-layer model runs it.
  EXPECT_EQ(llm_generate_options(read(kLlm, {}), 1).strategy, Strategy::kAutoregressive);
}

TEST(RunOptions, RefusesOptionsThatWouldDoNothing) {
  EXPECT_EQ(usage_message([] {
              read(kLlm, {"--exit-layer", "2"});
            }),
            "--exit-layer does nothing with --strategy ar (it applies to exit and selfspec)");
  EXPECT_EQ(usage_message([] {
              read(kLlm, {"--strategy", "exit", "--speculations", "2"});
            }),
            "--speculations does nothing with --strategy exit (it applies to selfspec)");
  EXPECT_EQ(usage_message([] {
              read(kLlm, {"--top-p", "0.9"});
            }),
            "--top-p does nothing with greedy decoding (it applies to sampling, --temperature "
            "above 0)");
  EXPECT_EQ(usage_message([] {
              read(kLlm, {"--stop", ""});
            }),
            "--stop needs a non-empty stop sequence");
  EXPECT_EQ(usage_message([] {
              read(kAsr, {"--partials", "--json"});
            }),
            "--partials prints text: it does nothing with --json");
  EXPECT_EQ(usage_message([] {
              asr_decode_options(read(kAsr, {"--beam", "2", "--max-symbols", "1"}), 0);
            }),
            "--max-symbols does nothing with --beam (beam search emits one symbol per frame; "
            "--max-symbols applies to greedy decoding)");
  EXPECT_EQ(usage_message([] {
              refuse_run_options(parse(kAsr, {"--chunk-ms", "10"}), kAsrStreaming, "files only");
            }),
            "--chunk-ms applies to files only");
  // --model, --variant and --json belong to every mode.
  refuse_run_options(parse(kAsr, {"--model", "x", "--json"}), kAsr, "nothing");
}

TEST(RunOptions, SamplingOptionsApplyWithATemperature) {
  const auto o = read(kLlm, {"--temperature", "0.7", "--top-k", "5", "--top-p", "0.9", "--seed",
                             "0", "--stop", "\n", "--ignore-eos"});
  EXPECT_DOUBLE_EQ(o.generate.sampling.temperature, 0.7);
  EXPECT_EQ(o.generate.sampling.top_k, 5u);
  EXPECT_DOUBLE_EQ(o.generate.sampling.top_p, 0.9);
  EXPECT_EQ(o.generate.seed, 0u);
  EXPECT_EQ(o.generate.stop, std::vector<std::string>{"\n"});
  EXPECT_FALSE(o.generate.stop_at_eos);
}

TEST(RunOptions, AsrDecodingTakesTheModelsBlankPenaltyUnlessGiven) {
  const auto greedy = asr_decode_options(read(kAsr, {"--max-symbols", "2"}), 0.5f);
  EXPECT_EQ(greedy.strategy, models::asr::DecodeStrategy::kGreedy);
  EXPECT_EQ(greedy.max_symbols_per_frame, 2u);
  EXPECT_FLOAT_EQ(greedy.blank_penalty, 0.5f);
  const auto beam = asr_decode_options(read(kAsr, {"--beam", "64", "--blank-penalty", "-2"}), 0.5f);
  EXPECT_EQ(beam.strategy, models::asr::DecodeStrategy::kBeam);
  EXPECT_EQ(beam.beam, 64u);
  EXPECT_FLOAT_EQ(beam.blank_penalty, -2.0f);
}

TEST(RunOptions, BadVariantTextIsAUsageError) {
  EXPECT_EQ(usage_message([] {
              read(kAsr, {"--variant", "asr:bits=7"});
            }),
            "invalid --variant: bits must be 32, 8 or 4 (fp32, int8, int4), got '7': variant "
            "rule 1 'asr:bits=7'");
  // A load that names the variant in where() becomes a usage error; any other stays a failure.
  EXPECT_THROW(
      load_with_variant([]() -> int { throw Error("no such component", "variant rule 'x'"); }),
      UsageError);
  try {
    load_with_variant([]() -> int { throw Error("cannot read", "model.safetensors"); });
    FAIL() << "no error";
  } catch (const UsageError&) {
    FAIL() << "a load failure became a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "model.safetensors");
  }
}

}  // namespace
}  // namespace erg::cli
