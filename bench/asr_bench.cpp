// Single-thread speed of the streaming RNN-T recognizer on committed test-set audio: whole
// pipeline (fbank, encoder, decoding) per shipped model, greedy and beam 4. items_per_second is
// seconds of audio recognized per second; rtf = compute seconds per audio second (target
// <= 0.02, issue 4). BM_Encoder isolates the encoder to show where the time goes.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/paths.hpp"
#include "models/asr/audio_file.hpp"
#include "models/asr/fbank.hpp"
#include "models/asr/feature_normalizer.hpp"
#include "models/asr/frame_stacker.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/streaming_recognizer.hpp"
#include "models/asr/test_set.hpp"

namespace {

using namespace erg::models::asr;

constexpr int kAudioSeconds = 6;
const char* const kModels[] = {"lstm", "emformer"};

// The first test-set utterances, concatenated and cut to exactly kAudioSeconds.
const std::vector<float>& test_audio() {
  static const std::vector<float> pcm = [] {
    std::vector<float> out;
    const auto utts = read_test_set(erg::data_root() / "tests/fixtures/asr/testset");
    for (const auto& u : utts) {
      const auto a = load_asr_audio(u.file);
      out.insert(out.end(), a.samples.begin(), a.samples.end());
      if (out.size() >= std::size_t(kAudioSeconds) * 16000) break;
    }
    out.resize(std::size_t(kAudioSeconds) * 16000);
    return out;
  }();
  return pcm;
}

std::filesystem::path model_path(std::size_t index) {
  return erg::data_root() / "models/weights" /
         (std::string("asr-") + kModels[index] + ".safetensors");
}

void set_rates(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kAudioSeconds);
  state.counters["rtf"] = benchmark::Counter(
      kAudioSeconds, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// Args: model index (0 lstm, 1 emformer), beam (0 = greedy), int8 (0/1).
void BM_Recognize(benchmark::State& state) {
  const auto path = model_path(std::size_t(state.range(0)));
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("no model " + path.string()).c_str());
    return;
  }
  const auto variant = erg::models::runtime::Variant::parse(state.range(2) ? "asr:bits=8" : "");
  auto model = RnntModel::load(path, variant);
  const auto beam = std::size_t(state.range(1));
  StreamingRecognizer rec(model,
                          beam == 0 ? DecodeOptions::greedy(4) : DecodeOptions::beam_search(beam));
  const auto& pcm = test_audio();
  std::size_t joiner_calls = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(rec.recognize(pcm));
    joiner_calls = rec.stats().joiner_invocations;
  }
  set_rates(state);
  state.counters["joiner_calls"] = double(joiner_calls);
  state.SetLabel(std::string(kModels[state.range(0)]) +
                 (beam ? " beam" + std::to_string(beam) : " greedy") +
                 (state.range(2) ? " int8" : " fp32"));
}
BENCHMARK(BM_Recognize)
    ->ArgsProduct({{0, 1}, {0, 4}, {0}})
    ->Args({0, 0, 1})
    ->Args({1, 0, 1})
    ->Unit(benchmark::kMillisecond);

// The encoder alone over the same audio's stacked features.
void BM_Encoder(benchmark::State& state) {
  const auto path = model_path(std::size_t(state.range(0)));
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("no model " + path.string()).c_str());
    return;
  }
  auto model = RnntModel::load(path);
  const auto& cfg = model.config();
  FeatureMatrix raw = Fbank(cfg.fbank).compute(test_audio());
  FeatureNormalizer(cfg.mean, cfg.std, "bench").apply(raw);
  const auto stacked = FrameStacker::stack_all(raw, cfg.stack_frames);
  std::vector<float> out;
  for (auto _ : state) {
    out.clear();
    model.encoder().reset();
    model.encoder().push(stacked.values(), out);
    model.encoder().finish(out);
    benchmark::DoNotOptimize(out.data());
  }
  set_rates(state);
  state.SetLabel(kModels[state.range(0)]);
}
BENCHMARK(BM_Encoder)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
