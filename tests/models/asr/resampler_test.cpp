#include "models/asr/resampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.hpp"

namespace erg::models::asr {
namespace {

std::vector<float> sine(double freq_hz, double rate_hz, std::size_t n, double amplitude) {
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(
        amplitude * std::sin(2.0 * std::numbers::pi * freq_hz * static_cast<double>(i) / rate_hz));
  }
  return x;
}

// Largest deviation from the ideal band-limited result, the same sine sampled at the output
// rate, away from the edges (where the zero padding outside the signal shows).
double max_error_vs_ideal(int in_hz, int out_hz, double freq_hz) {
  constexpr double kAmplitude = 0.5;
  const std::vector<float> in = sine(freq_hz, in_hz, static_cast<std::size_t>(in_hz), kAmplitude);
  const Resampler resampler(in_hz, out_hz);
  const std::vector<float> out = resampler.process(in);
  const std::vector<float> ideal = sine(freq_hz, out_hz, out.size(), kAmplitude);
  const std::size_t edge = static_cast<std::size_t>(out_hz / 50);  // 20 ms
  double worst = 0.0;
  for (std::size_t i = edge; i + edge < out.size(); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(out[i]) - ideal[i]));
  }
  return worst;
}

TEST(AsrResampler, SineToneSurvivesCommonRateConversions) {
  // A tone inside the passband must come out as the same tone: error < 1e-3 of an amplitude
  // of 0.5 (-60 dB), far below what changes fbank features.
  EXPECT_LT(max_error_vs_ideal(44100, 16000, 1000.0), 5e-4);
  EXPECT_LT(max_error_vs_ideal(44100, 16000, 5000.0), 5e-4);
  EXPECT_LT(max_error_vs_ideal(48000, 16000, 440.0), 5e-4);
  EXPECT_LT(max_error_vs_ideal(22050, 16000, 3000.0), 5e-4);
  EXPECT_LT(max_error_vs_ideal(8000, 16000, 1000.0), 5e-4);
  // No image at 5 kHz either. The passband ends near 0.85 of the lower Nyquist (the cutoff is
  // at 0.94 and the 32-lobe Kaiser kernel's transition band is about 0.17 Nyquist wide).
  EXPECT_LT(max_error_vs_ideal(8000, 16000, 3000.0), 5e-4);
  EXPECT_LT(max_error_vs_ideal(11025, 16000, 2000.0), 5e-4);
}

TEST(AsrResampler, ToneAboveTheNewNyquistIsRemoved) {
  // 12 kHz at 44.1 kHz would alias to 4 kHz at 16 kHz; the anti-alias filter must stop it:
  // RMS below 1e-4 of the input RMS (-80 dB).
  const std::vector<float> in = sine(12000.0, 44100, 44100, 0.5);
  const std::vector<float> out = Resampler(44100, 16000).process(in);
  double sum_sq = 0.0;
  std::size_t count = 0;
  for (std::size_t i = 320; i + 320 < out.size(); ++i, ++count)
    sum_sq += out[i] * out[i];
  const double rms_out = std::sqrt(sum_sq / static_cast<double>(count));
  EXPECT_LT(rms_out, 1e-4 * 0.5 / std::sqrt(2.0));
}

TEST(AsrResampler, ConstantStaysConstantAndLengthsCoverTheSameDuration) {
  const std::vector<float> ones(4410, 1.0f);
  const Resampler resampler(44100, 16000);
  const std::vector<float> out = resampler.process(ones);
  ASSERT_EQ(out.size(), 1600U);  // 0.1 s either way
  // Every kernel phase is normalized to unit DC gain.
  for (std::size_t i = 200; i + 200 < out.size(); ++i)
    EXPECT_NEAR(out[i], 1.0f, 1e-6f) << i;
  EXPECT_EQ(resampler.output_samples(1), 1U);          // ceil(16000 / 44100)
  EXPECT_EQ(resampler.output_samples(44101), 16001U);  // ceil(44101 * 160 / 441)
  EXPECT_EQ(Resampler(8000, 16000).output_samples(3), 6U);
}

TEST(AsrResampler, SameRateIsACopy) {
  const std::vector<float> x = sine(100.0, 16000, 100, 0.3);
  EXPECT_EQ(Resampler(16000, 16000).process(x), x);
}

TEST(AsrResampler, RejectsBadRatesAndOptions) {
  EXPECT_THROW(Resampler(0, 16000), Error);
  EXPECT_THROW(Resampler(16000, -1), Error);
  ResamplerOptions o;
  o.rolloff = 0.0;
  EXPECT_THROW(Resampler(44100, 16000, o), Error);
  o = {};
  o.zero_crossings = 0;
  EXPECT_THROW(Resampler(44100, 16000, o), Error);
}

}  // namespace
}  // namespace erg::models::asr
