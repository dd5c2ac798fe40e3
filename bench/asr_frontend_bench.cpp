// Speed of the ASR audio frontend alone: fbank frames per second (items_per_second) and the
// real-time factor (rtf: seconds of compute per second of audio, single thread).

#include <benchmark/benchmark.h>

#include <cmath>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "models/asr/fbank.hpp"
#include "models/asr/feature_normalizer.hpp"
#include "models/asr/fft.hpp"
#include "models/asr/frame_stacker.hpp"
#include "models/asr/resampler.hpp"
#include "models/asr/streaming_fbank.hpp"
#include "models/asr/word_error_rate.hpp"

namespace {

using namespace erg::models::asr;

// Ten seconds of a speech-band signal: a few harmonic tones plus noise, in [-1, 1).
std::vector<float> test_signal(int rate_hz, double seconds) {
  const auto n = static_cast<std::size_t>(rate_hz * seconds);
  std::vector<float> x(n);
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0.0f, 0.01f);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate_hz;
    double v = 0.0;
    for (int h = 1; h <= 8; ++h)
      v += 0.05 / h * std::sin(2.0 * std::numbers::pi * 150.0 * h * t);
    x[i] = static_cast<float>(v) + noise(rng);
  }
  return x;
}

constexpr double kAudioSeconds = 10.0;

void set_rates(benchmark::State& state, std::size_t frames) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * frames));
  state.counters["rtf"] = benchmark::Counter(
      kAudioSeconds, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// Whole-signal fbank, Arg = mel bins.
void BM_FbankBatch(benchmark::State& state) {
  const std::vector<float> pcm = test_signal(16000, kAudioSeconds);
  FbankOptions options;
  options.num_mel_bins = static_cast<std::size_t>(state.range(0));
  Fbank fbank(options);
  std::size_t frames = 0;
  for (auto _ : state) {
    const FeatureMatrix out = fbank.compute(pcm);
    frames = out.num_frames();
    benchmark::DoNotOptimize(out.values().data());
  }
  set_rates(state, frames);
}
BENCHMARK(BM_FbankBatch)->Arg(40)->Arg(80);

// The streaming path as a recognizer drives it: 10 ms chunks, normalization, stacking by 4.
void BM_StreamingFrontend(benchmark::State& state) {
  const std::vector<float> pcm = test_signal(16000, kAudioSeconds);
  const std::size_t chunk = static_cast<std::size_t>(state.range(0));
  StreamingFbank fbank;
  const FeatureNormalizer norm(std::vector<float>(80, 10.0f), std::vector<float>(80, 3.0f),
                               "bench");
  FrameStacker stacker(80, 4);
  FeatureMatrix frames(80);
  FeatureMatrix stacked(stacker.output_dim());
  std::size_t total_frames = 0;
  for (auto _ : state) {
    fbank.reset();
    stacker.reset();
    stacked.clear();
    total_frames = 0;
    for (std::size_t pos = 0; pos < pcm.size(); pos += chunk) {
      frames.clear();
      const std::size_t n = std::min(chunk, pcm.size() - pos);
      total_frames += fbank.push(std::span<const float>(pcm).subspan(pos, n), frames);
      norm.apply(frames);
      stacker.push(frames, stacked);
    }
    benchmark::DoNotOptimize(stacked.values().data());
  }
  set_rates(state, total_frames);
}
BENCHMARK(BM_StreamingFrontend)->Arg(160)->Arg(1600);

void BM_RealPowerSpectrum512(benchmark::State& state) {
  RealPowerSpectrum spectrum(512);
  std::vector<double> frame(512);
  std::mt19937 rng(2);
  std::normal_distribution<double> noise(0.0, 1000.0);
  for (auto& v : frame)
    v = noise(rng);
  std::vector<double> power(spectrum.num_bins());
  for (auto _ : state) {
    spectrum.compute(frame, power);
    benchmark::DoNotOptimize(power.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RealPowerSpectrum512);

// Input-rate to 16 kHz on ten seconds of audio; items = output samples.
void BM_ResampleTo16k(benchmark::State& state) {
  const int rate_hz = static_cast<int>(state.range(0));
  const std::vector<float> pcm = test_signal(rate_hz, kAudioSeconds);
  const Resampler resampler(rate_hz, 16000);
  std::size_t out_samples = 0;
  for (auto _ : state) {
    const std::vector<float> out = resampler.process(pcm);
    out_samples = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * out_samples));
  state.counters["rtf"] = benchmark::Counter(
      kAudioSeconds, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ResampleTo16k)->Arg(8000)->Arg(44100)->Arg(48000);

// Alignment of a 12-word voice command against a hypothesis with 3 errors; items = words.
void BM_WordErrors(benchmark::State& state) {
  const std::string ref = "set a timer for ten minutes and then play some jazz in kitchen";
  const std::string hyp = "set the timer for ten minutes then play some jazz in the kitchen";
  for (auto _ : state)
    benchmark::DoNotOptimize(word_errors(ref, hyp));
  state.SetItemsProcessed(state.iterations() * 13);
}
BENCHMARK(BM_WordErrors);

}  // namespace

BENCHMARK_MAIN();
