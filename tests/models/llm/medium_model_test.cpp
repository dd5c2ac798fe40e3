// The second shipped LayerSkip model, llm-layerskip-m (models/llm/TRAINING.md, "llm-layerskip-m"):
// its size contract (memory-bound: at least 64 MiB of fp32 weights, at most 80 MiB on disk), the
// C++ per-exit NLL on the held-out sample against the PyTorch figure its JSON records for the
// fp16-stored weights, and greedy self-speculation byte-identical to autoregressive decoding.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "core/paths.hpp"
#include "models/llm/byte_tokenizer.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama_model.hpp"
#include "models/llm/perplexity.hpp"

namespace erg::models::llm {
namespace {

namespace fs = std::filesystem;

fs::path weights(const char* ext) {
  return data_root() / (std::string("models/weights/llm-layerskip-m") + ext);
}

nlohmann::json model_json() {
  std::ifstream in(weights(".json"));
  return nlohmann::json::parse(in);
}

TEST(MediumLayerSkip, IsMemoryBoundSizedAndDescribedByItsJson) {
  ASSERT_TRUE(fs::exists(weights(".safetensors"))) << weights(".safetensors");
  const auto meta = model_json();
  const auto& arch = meta.at("architecture");
  auto model = LlamaModel::load(weights(".safetensors"));
  const auto& c = model.config();
  EXPECT_EQ(arch.at("n_layers").get<std::size_t>(), c.n_layers);
  // Parameters from the shapes (TRAINING.md, "Export format"), against the JSON's count.
  const std::size_t qd = c.n_heads * c.head_dim, kvd = c.n_kv_heads * c.head_dim;
  const std::size_t per_layer =
      2 * c.dim + 2 * c.dim * qd + 2 * c.dim * kvd + 3 * c.dim * c.ffn_dim;
  const std::size_t params = 2 * c.vocab_size * c.dim + c.dim + c.n_layers * per_layer;
  EXPECT_EQ(arch.at("parameters").get<std::size_t>(), params);
  EXPECT_GE(params * 4, std::size_t{64} << 20) << "fp32 weights must be >= 64 MiB";
  EXPECT_LE(fs::file_size(weights(".safetensors")), std::size_t{80} << 20);
  EXPECT_GT(c.n_layers, 8u) << "deeper than the small model";
}

TEST(MediumLayerSkip, PerExitNllMatchesPyTorchOnTheHeldOutSample) {
  const auto meta = model_json();
  const auto& expected = meta.at("evaluation").at("fp16_storage").at("sample_nll_per_exit_fp16");
  auto model = LlamaModel::load(weights(".safetensors"));
  std::ifstream in(data_root() / "tests/fixtures/llm/heldout_sample.txt", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  const auto report = exit_perplexity(model, ByteTokenizer().encode_prompt(text));
  ASSERT_EQ(report.exits.size(), expected.size());
  for (std::size_t e = 0; e < expected.size(); ++e) {
    // float32 engine vs PyTorch float32 over ~4k bytes: sums of logs agree to ~1e-5 per byte.
    EXPECT_NEAR(report.exits[e].loss_nats_per_byte, expected[e].get<double>(), 2e-4)
        << "exit " << e + 1;
  }
  // Deeper exits predict better on average: the last beats the first by a wide margin.
  EXPECT_LT(report.exits.back().loss_nats_per_byte, report.exits.front().loss_nats_per_byte - 0.1);
}

TEST(MediumLayerSkip, GreedySelfSpeculationIsByteIdenticalToAutoregressive) {
  auto model = LlamaModel::load(weights(".safetensors"));
  const ByteTokenizer tok;
  const auto prompt = tok.encode_prompt("And God said, Let there be");
  GenerateOptions ar;
  ar.max_new_tokens = 40;
  ar.stop_at_eos = false;
  const auto reference = generate(model, prompt, ar);
  ASSERT_EQ(reference.tokens.size(), 40u);
  const std::size_t L = model.n_layers();
  for (std::size_t e : {std::size_t{1}, L / 3, L / 2, L - 1})
    for (std::size_t d : {1, 4, 8}) {
      GenerateOptions spec = ar;
      spec.strategy = Strategy::kSelfSpeculative;
      spec.exit_layer = e;
      spec.speculations = d;
      const auto out = generate(model, prompt, spec);
      EXPECT_EQ(out.tokens, reference.tokens) << "E=" << e << " d=" << d;
      EXPECT_GT(out.stats.rounds, 0u);
    }
}

}  // namespace
}  // namespace erg::models::llm
