// Decoding speed of the shipped LayerSkip model (models/weights/llm-layerskip): greedy
// autoregressive vs early exit vs self-speculative decoding over a grid of exit layer E and
// speculations d. items_per_second is generated tokens per second; each cell also reports the
// acceptance rate and the weight bytes read per token. Greedy self-speculation emits exactly the
// autoregressive text (tests/models/llm/generator_test.cpp), so the cells compare like for like.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/llm/byte_tokenizer.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama_model.hpp"

namespace {

using namespace erg::models::llm;

const std::vector<std::string> kPrompts{"In the beginning God created",
                                        "hacker: n. [originally, someone who makes furniture",
                                        "The LORD is my shepherd;", "A bird in the hand is"};

LlamaModel* shipped_model(std::string& error) {
  static std::unique_ptr<LlamaModel> model;
  static std::string load_error;
  static bool tried = false;
  if (!tried) {
    tried = true;
    try {
      const auto path =
          erg::resolve_named_file("llm-layerskip", "models/weights", ".safetensors", "model");
      model = std::make_unique<LlamaModel>(LlamaModel::load(path));
    } catch (const erg::Error& e) {
      load_error = e.what();
    }
  }
  error = load_error;
  return model.get();
}

void run_cell(benchmark::State& state, Strategy strategy, std::size_t exit_layer,
              std::size_t speculations, double draft_confidence = 0.0) {
  std::string error;
  LlamaModel* model = shipped_model(error);
  if (model == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  if (exit_layer >= model->n_layers() && strategy == Strategy::kSelfSpeculative) {
    state.SkipWithError("exit layer must be below the model depth");
    return;
  }
  const ByteTokenizer tok;
  GenerateOptions opt;
  opt.strategy = strategy;
  opt.exit_layer = exit_layer;
  opt.speculations = speculations;
  opt.draft_confidence = draft_confidence;
  opt.max_new_tokens = 96;
  opt.stop_at_eos = false;
  std::size_t tokens = 0, drafted = 0, accepted = 0;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    for (const auto& p : kPrompts) {
      const auto out = generate(*model, tok.encode_prompt(p), opt);
      tokens += out.stats.new_tokens;
      drafted += out.stats.drafted;
      accepted += out.stats.accepted;
      bytes += out.stats.weight_bytes;
    }
  }
  state.SetItemsProcessed(std::int64_t(tokens));
  state.counters["acceptance"] = drafted ? double(accepted) / double(drafted) : 0.0;
  state.counters["weight_bytes_per_token"] = tokens ? double(bytes) / double(tokens) : 0.0;
}

// One pass of all layers over n positions (the verifier's batched pass when n > 1), from a
// 64-token cache: items are positions, so items_per_second shows how much batching saves.
void BM_LayerPass(benchmark::State& state) {
  std::string error;
  LlamaModel* model = shipped_model(error);
  if (model == nullptr) {
    state.SkipWithError(error.c_str());
    return;
  }
  const std::size_t n = std::size_t(state.range(0)), L = model->n_layers();
  const std::vector<int> context(64, 'a'), batch(n, 'b');
  model->reset();
  model->embed(context);
  model->run_layers(0, L, 0, context.size());
  for (auto _ : state) {
    model->crop(context.size());
    model->embed(batch);
    model->run_layers(0, L, context.size(), n);
    benchmark::DoNotOptimize(model->exit_logits(n).data());
  }
  state.SetItemsProcessed(std::int64_t(state.iterations() * n));
}
BENCHMARK(BM_LayerPass)->ArgName("n")->RangeMultiplier(2)->Range(1, 16);

void BM_Autoregressive(benchmark::State& state) {
  run_cell(state, Strategy::kAutoregressive, 0, 0);
}
BENCHMARK(BM_Autoregressive)->Unit(benchmark::kMillisecond);

void BM_EarlyExit(benchmark::State& state) {
  run_cell(state, Strategy::kEarlyExit, std::size_t(state.range(0)), 0);
}
BENCHMARK(BM_EarlyExit)->ArgName("E")->DenseRange(1, 7)->Unit(benchmark::kMillisecond);

void BM_SelfSpeculative(benchmark::State& state) {
  run_cell(state, Strategy::kSelfSpeculative, std::size_t(state.range(0)),
           std::size_t(state.range(1)));
}
BENCHMARK(BM_SelfSpeculative)
    ->ArgNames({"E", "d"})
    ->ArgsProduct({{1, 2, 3, 4, 5, 6, 7}, {1, 2, 3, 4, 6, 8}})
    ->Unit(benchmark::kMillisecond);

// Confidence-gated drafting: a round drafts up to d tokens but stops once the drafter's top
// probability falls below c percent (the output is unchanged; only wasted drafts are saved).
void BM_SelfSpeculativeGated(benchmark::State& state) {
  run_cell(state, Strategy::kSelfSpeculative, std::size_t(state.range(0)),
           std::size_t(state.range(1)), double(state.range(2)) / 100.0);
}
BENCHMARK(BM_SelfSpeculativeGated)
    ->ArgNames({"E", "d", "c"})
    ->ArgsProduct({{2, 3, 4, 5}, {4, 6, 8}, {50, 70, 90}})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
