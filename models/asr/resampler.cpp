#include "models/asr/resampler.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <string>

#include "core/error.hpp"

namespace erg::models::asr {
namespace {

// Modified Bessel function of the first kind, order 0, by its power series.
double bessel_i0(double x) {
  double sum = 1.0;
  double term = 1.0;
  const double half_x_sq = 0.25 * x * x;
  for (int k = 1; k < 200; ++k) {
    term *= half_x_sq / (static_cast<double>(k) * static_cast<double>(k));
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

double sinc(double x) {
  if (std::abs(x) < 1e-12) return 1.0;
  const double px = std::numbers::pi * x;
  return std::sin(px) / px;
}

}  // namespace

Resampler::Resampler(int input_rate_hz, int output_rate_hz, const ResamplerOptions& options)
    : input_rate_hz_(input_rate_hz), output_rate_hz_(output_rate_hz) {
  if (input_rate_hz <= 0 || output_rate_hz <= 0) {
    throw Error("sample rates must be > 0 (got " + std::to_string(input_rate_hz) + " -> " +
                    std::to_string(output_rate_hz) + " Hz)",
                "Resampler");
  }
  if (options.zero_crossings < 1 || options.zero_crossings > 1024) {
    throw Error("zero_crossings must be in [1, 1024]", "ResamplerOptions");
  }
  if (!(options.rolloff > 0.0 && options.rolloff <= 1.0)) {
    throw Error("rolloff must be in (0, 1]", "ResamplerOptions");
  }
  if (!(options.kaiser_beta >= 0.0 && options.kaiser_beta < 50.0)) {
    throw Error("kaiser_beta must be in [0, 50)", "ResamplerOptions");
  }
  const std::int64_t g = std::gcd(std::int64_t{input_rate_hz}, std::int64_t{output_rate_hz});
  up_ = output_rate_hz / g;
  down_ = input_rate_hz / g;
  if (up_ == down_) return;

  // Kernel in units of input samples: h(d) = fc sinc(fc d) w(d / half_width), where fc is the
  // cutoff as a fraction of the input Nyquist and the window spans zero_crossings lobes.
  const double fc =
      options.rolloff * std::min(1.0, static_cast<double>(up_) / static_cast<double>(down_));
  const double half_width = static_cast<double>(options.zero_crossings) / fc;
  half_taps_ = static_cast<std::int64_t>(std::ceil(half_width));
  const std::int64_t taps = 2 * half_taps_;
  const double i0_beta = bessel_i0(options.kaiser_beta);
  table_.resize(static_cast<std::size_t>(up_ * taps));
  for (std::int64_t phase = 0; phase < up_; ++phase) {
    // Output time i0 + phase / L; tap k reads input i0 - half_taps + 1 + k.
    const double frac = static_cast<double>(phase) / static_cast<double>(up_);
    float* row = table_.data() + phase * taps;
    double sum = 0.0;
    std::vector<double> weights(static_cast<std::size_t>(taps));
    for (std::int64_t k = 0; k < taps; ++k) {
      const double d = frac + static_cast<double>(half_taps_ - 1 - k);
      const double r = d / half_width;
      double w = 0.0;
      if (std::abs(r) < 1.0) {
        w = fc * sinc(fc * d) * bessel_i0(options.kaiser_beta * std::sqrt(1.0 - r * r)) / i0_beta;
      }
      weights[static_cast<std::size_t>(k)] = w;
      sum += w;
    }
    // Unit gain at DC in every phase, so a constant stays constant.
    for (std::int64_t k = 0; k < taps; ++k) {
      row[k] = static_cast<float>(weights[static_cast<std::size_t>(k)] / sum);
    }
  }
}

std::size_t Resampler::output_samples(std::size_t input_samples) const {
  const auto n = static_cast<std::int64_t>(input_samples);
  return static_cast<std::size_t>((n * up_ + down_ - 1) / down_);
}

float Resampler::output_at(std::int64_t n, std::span<const float> held,
                           std::int64_t held_start) const {
  const std::int64_t taps = 2 * half_taps_;
  const std::int64_t position = n * down_;
  const std::int64_t phase = position % up_;
  const float* row = table_.data() + phase * taps;
  const std::int64_t first = position / up_ - half_taps_ + 1;
  const std::int64_t k_begin = std::max<std::int64_t>(0, -first);
  const std::int64_t k_end =
      std::min<std::int64_t>(taps, held_start + static_cast<std::int64_t>(held.size()) - first);
  const std::int64_t offset = first - held_start;
  double acc = 0.0;
  for (std::int64_t k = k_begin; k < k_end; ++k) {
    acc += static_cast<double>(row[k]) * held[static_cast<std::size_t>(offset + k)];
  }
  return static_cast<float>(acc);
}

std::vector<float> Resampler::process(std::span<const float> input) const {
  if (up_ == down_) return {input.begin(), input.end()};
  std::vector<float> out(output_samples(input.size()));
  for (std::size_t n = 0; n < out.size(); ++n) {
    out[n] = output_at(static_cast<std::int64_t>(n), input, 0);
  }
  return out;
}

}  // namespace erg::models::asr
