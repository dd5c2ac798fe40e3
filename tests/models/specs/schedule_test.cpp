#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "models/runtime/weight.hpp"
#include "models/specs/schedule.hpp"
#include "models/specs/weight_footprint.hpp"

namespace erg::models::specs {
namespace {

using runtime::PruneKind;
using runtime::Transform;
using runtime::Variant;

ComponentId id(const char* name) {
  return ComponentRegistry::global().intern(name);
}

std::uint64_t tensor_bytes(const CountingSink& sink, const std::string& name) {
  for (const auto& [tid, info] : sink.tensors()) {
    if (info.name == name) return info.bytes;
  }
  ADD_FAILURE() << "no tensor " << name;
  return 0;
}

// A tiny RNN-T whose schedule can be counted by hand (see each expectation).
RnntShape tiny_rnnt() {
  RnntShape s;
  s.input_dim = 3;
  s.input_proj_dim = 2;
  s.time_reduction_stride = 4;
  s.layers = 1;
  s.d_model = 8;
  s.ffn_dim = 16;
  s.heads = 2;
  s.segment_frames = 8;
  s.right_context_frames = 0;
  s.left_context_frames = 0;
  s.encoder_output_dim = 6;
  s.vocab = 5;
  s.embed_dim = 3;
  s.lstm_layers = 1;
  s.lstm_hidden = 4;
  s.joiner_dim = 6;
  return s;
}

RnntWorkload tiny_workload(bool batched) {
  RnntWorkload w;
  w.audio_seconds = 0.16;  // 16 input frames: 2 chunks of 8, each 2 encoder frames
  w.input_frames_per_second = 100;
  w.blank_ratio = 0.5;  // one non-blank symbol per frame per hypothesis
  w.beam = 2;
  w.batch_hypotheses = batched;
  return w;
}

TEST(WeightFootprint, MatchesRuntimeStoredBytes) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  for (auto [rows, cols] : {std::pair<std::size_t, std::size_t>{7, 13}, {16, 32}, {5, 9}}) {
    std::vector<float> values(rows * cols);
    for (auto& v : values)
      v = normal(rng);
    std::vector<float> bias(rows, 0.5f);
    const auto dense = runtime::dense_weight(rows, cols, values, bias);
    for (double ratio : {0.0, 0.3, 0.75}) {
      for (auto kind : {PruneKind::kMagnitude, PruneKind::kRows}) {
        for (auto precision : {Precision::kFp32, Precision::kInt8, Precision::kInt4}) {
          for (std::size_t group : {std::size_t{0}, std::size_t{4}}) {
            if (group != 0 && precision != Precision::kInt4) continue;  // groups are int4-only
            Transform t;
            t.prune_ratio = ratio;
            t.prune_kind = kind;
            t.precision = precision;
            t.group_size = group;
            const auto real = runtime::apply_transform(t, dense);
            EXPECT_EQ(weight_footprint_bytes(rows, cols, true, t), real.stored_bytes())
                << rows << "x" << cols << " ratio " << ratio << " rows? "
                << (kind == PruneKind::kRows) << " bits " << bits_of(precision) << " group "
                << group;
            EXPECT_EQ(weight_nonzeros(rows, cols, t), real.nonzeros());
          }
        }
      }
    }
  }
}

TEST(RnntSchedule, InvocationsFollowFramesHypothesesAndSymbols) {
  CountingSink sink;
  const auto summary = emit_rnnt_schedule(tiny_rnnt(), tiny_workload(true), Variant{}, sink);
  EXPECT_EQ(summary.encoder_chunks, 2u);
  EXPECT_EQ(summary.encoder_frames, 4u);
  EXPECT_EQ(summary.emitted_symbols, 8u);  // 4 frames x 1 symbol x beam 2
  // Encoder: once per chunk per layer.
  EXPECT_EQ(sink.of(id("asr.encoder.layer.0")).invocations, 2u);
  EXPECT_EQ(sink.rolled_up("asr.encoder").invocations, 6u);  // input, layer.0, output per chunk
  // Joiner: per frame, (1 symbol + the closing blank) steps x 2 hypotheses = 4; x 4 frames.
  EXPECT_EQ(sink.of(id("asr.joiner")).invocations, 16u);
  // Predictor: one per emitted symbol per hypothesis.
  EXPECT_EQ(sink.of(id("asr.predictor")).invocations, 8u);
  // Batched: the joiner's weight (5x6 fp32 + 5 bias = 140 bytes) is read once per step: 8 steps.
  // Its activations: per step 2 hyps x 6 in + 2 x 5 out floats = 88 bytes.
  EXPECT_EQ(tensor_bytes(sink, "asr.joiner.linear"), 140u);
  EXPECT_EQ(sink.of(id("asr.joiner")).bytes_read, 8u * 140u + 8u * 48u);
  EXPECT_EQ(sink.of(id("asr.joiner")).bytes_written, 8u * 40u);
  // MACs per step: add+relu 2x6 plus linear 30 x 2 hypotheses = 72.
  EXPECT_EQ(sink.of(id("asr.joiner")).total_macs(), 8u * 72u);
}

TEST(RnntSchedule, UnbatchedHypothesesReadWeightsPerHypothesis) {
  CountingSink sink;
  emit_rnnt_schedule(tiny_rnnt(), tiny_workload(false), Variant{}, sink);
  EXPECT_EQ(sink.of(id("asr.joiner")).invocations, 16u);
  EXPECT_EQ(sink.of(id("asr.joiner")).bytes_read, 16u * 140u + 16u * 24u);
}

TEST(RnntSchedule, VariantShrinksAndPinsTheJoiner) {
  CountingSink sink;
  emit_rnnt_schedule(tiny_rnnt(), tiny_workload(true), Variant::parse("asr.joiner:bits=8,pin"),
                     sink);
  // int8: 30 values + 5 scales x 4 + 5 bias x 4 = 70 bytes.
  EXPECT_EQ(tensor_bytes(sink, "asr.joiner.linear"), 70u);
  for (const auto& [tid, info] : sink.tensors()) {
    EXPECT_EQ(info.pinned, info.name.rfind("asr.joiner.", 0) == 0) << info.name;
  }
  EXPECT_EQ(sink.of(id("asr.joiner")).macs[static_cast<int>(Precision::kInt8)], 8u * 60u);
}

LlmShape tiny_llm() {
  LlmShape s;
  s.layers = 2;
  s.d_model = 4;
  s.ffn_dim = 8;
  s.heads = 2;
  s.kv_heads = 1;
  s.vocab = 10;
  s.tied_embeddings = false;
  s.kv_bytes_per_element = 2;
  return s;
}

TEST(LlmSchedule, AutoregressiveReadsEveryLayerPerToken) {
  CountingSink sink;
  LlmWorkload w;
  w.prompt_tokens = 0;
  w.generated_tokens = 3;
  const auto summary = emit_llm_schedule(tiny_llm(), w, Variant{}, sink);
  EXPECT_EQ(summary.tokens, 3u);
  EXPECT_EQ(sink.of(id("llm.layer.0")).invocations, 3u);
  EXPECT_EQ(sink.of(id("llm.layer.1")).invocations, 3u);
  EXPECT_EQ(sink.of(id("llm.head")).invocations, 3u);
  // Per layer weights: wq 16 + wk 8 + wv 8 + wo 16 + gate 32 + up 32 + down 32 = 144 params.
  // With no variant every MAC is fp32.
  EXPECT_EQ(sink.of(id("llm.layer.0")).macs[static_cast<int>(Precision::kFp32)],
            sink.of(id("llm.layer.0")).total_macs());
  const auto layer_weight_bytes = 144u * 4u;
  // KV per token: 2 x kv_dim 2 x 2 bytes = 8; token t reads (t+1) rows: 8 + 16 + 24.
  // Norms 2 x 4 floats = 32 bytes; activations 8 floats = 32 bytes read.
  EXPECT_EQ(sink.of(id("llm.layer.0")).bytes_read, 3u * (layer_weight_bytes + 32u + 32u) + 48u);
}

TEST(LlmSchedule, SelfSpeculationDraftsWithEarlyLayersAndVerifiesOnce) {
  LlmWorkload w;
  w.prompt_tokens = 0;
  w.generated_tokens = 6;
  w.strategy = LlmStrategy::kSelfSpeculative;
  w.exit_layer = 1;
  w.speculations = 2;
  w.acceptance = 1.0;  // every draft accepted: 3 tokens per cycle, 2 cycles
  CountingSink sink;
  const auto s = emit_llm_schedule(tiny_llm(), w, Variant{}, sink);
  EXPECT_EQ(s.draft_cycles, 2u);
  EXPECT_EQ(s.drafted_tokens, 4u);
  EXPECT_EQ(s.accepted_tokens, 4u);
  EXPECT_EQ(s.tokens, 6u);
  EXPECT_EQ(sink.of(id("llm.layer.0")).invocations, 4u);  // one per drafted token
  EXPECT_EQ(sink.of(id("llm.layer.1")).invocations, 2u);  // one batched verify per cycle

  w.acceptance = 0.0;  // nothing accepted: one verifier token per cycle
  CountingSink none;
  const auto t = emit_llm_schedule(tiny_llm(), w, Variant{}, none);
  EXPECT_EQ(t.draft_cycles, 6u);
  EXPECT_EQ(t.accepted_tokens, 0u);
}

TEST(LlmSchedule, ExpectedTokensPerCycle) {
  EXPECT_DOUBLE_EQ(expected_tokens_per_cycle(0.5, 2), 1.75);  // 1 + 0.5 + 0.25
  EXPECT_DOUBLE_EQ(expected_tokens_per_cycle(1.0, 4), 5.0);
  EXPECT_DOUBLE_EQ(expected_tokens_per_cycle(0.0, 4), 1.0);
}

TEST(LlmSchedule, RejectsAnExitLayerOutsideTheModel) {
  LlmWorkload w;
  w.strategy = LlmStrategy::kEarlyExit;
  w.exit_layer = 3;
  CountingSink sink;
  EXPECT_THROW(emit_llm_schedule(tiny_llm(), w, Variant{}, sink), Error);
}

TEST(ShapeSpec, ShippedSpecsLoadWithSources) {
  for (const char* name : {"emformer_rnnt_base", "llama2_7b", "llama3_2_1b"}) {
    const auto spec = load_shape_spec(name);
    EXPECT_EQ(spec.name, name);
    EXPECT_FALSE(spec.sources.empty());
  }
  const auto rnnt = std::get<RnntShape>(load_shape_spec("emformer_rnnt_base").shape);
  EXPECT_EQ(rnnt.layers, 20u);
  EXPECT_EQ(rnnt.vocab, 4097u);
  const auto llama = std::get<LlmShape>(load_shape_spec("llama3_2_1b").shape);
  EXPECT_EQ(llama.kv_heads, 8u);
  EXPECT_TRUE(llama.tied_embeddings);
}

TEST(ShapeSpec, EmformerBaseParameterSplitMatchesThePaperNotes) {
  const auto spec = load_shape_spec("emformer_rnnt_base");
  CountingSink sink;
  emit_rnnt_schedule(std::get<RnntShape>(spec.shape), std::get<RnntWorkload>(spec.workload),
                     Variant{}, sink);
  // Joiner: 1024 x 4097 weights + 4097 bias, fp32.
  EXPECT_EQ(tensor_bytes(sink, "asr.joiner.linear"), (1024u * 4097u + 4097u) * 4u);
  // Encoder layers: 4 x 512^2 + 2 x 512 x 2048 weights each (papers.md 1.6: about 63M for 20).
  std::uint64_t layer_bytes = 0;
  for (const auto& [tid, info] : sink.tensors()) {
    if (info.name.rfind("asr.encoder.layer.0.", 0) == 0 &&
        info.name.find("attn_") != std::string::npos)
      layer_bytes += info.bytes;
    if (info.name.rfind("asr.encoder.layer.0.ffn", 0) == 0) layer_bytes += info.bytes;
  }
  const std::uint64_t biases = 512 + 1024 + 512 + 2048 + 512;
  EXPECT_EQ(layer_bytes, (4u * 512u * 512u + 2u * 512u * 2048u + biases) * 4u);
}

TEST(ShapeSpec, ErrorsNameTheFileKeyAndLine) {
  const auto path = std::filesystem::temp_directory_path() / "erg_bad_spec.toml";
  {
    std::ofstream out(path);
    out << "name = 'x'\nkind = 'llm'\nsources = ['me']\n[model]\nlayers = 'many'\n";
  }
  try {
    load_shape_spec(path.string());
    FAIL() << "loaded a bad spec";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("key 'model.layers' must be an integer, got a string"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("erg_bad_spec.toml:5"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_shape_spec("no_such_spec"), Error);
}

}  // namespace
}  // namespace erg::models::specs
