#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace erg::models::asr {

// Band-limited interpolation with a Kaiser-windowed sinc. The default (32 zero crossings,
// beta 9, cutoff at 0.94 of the lower Nyquist) keeps the passband flat to ~1e-3 and stops
// aliases by > 80 dB (tests/models/asr/resampler_test.cpp).
struct ResamplerOptions {
  int zero_crossings = 32;   // sinc lobes on each side of the kernel centre
  double rolloff = 0.94;     // cutoff as a fraction of min(input, output) Nyquist
  double kaiser_beta = 9.0;  // window shape: stopband attenuation versus transition width
};

// Converts a whole signal between two integer rates. The rate ratio is reduced to L/M and the
// kernel is tabulated for each of the L output phases, so process() is a plain dot product per
// output sample. Samples outside the signal count as zero.
class Resampler {
 public:
  // Throws erg::Error for rates <= 0 or options out of range.
  Resampler(int input_rate_hz, int output_rate_hz, const ResamplerOptions& options = {});

  int input_rate_hz() const { return input_rate_hz_; }
  int output_rate_hz() const { return output_rate_hz_; }
  // ceil(input_samples * output_rate / input_rate): the output spans the same duration.
  std::size_t output_samples(std::size_t input_samples) const;
  std::vector<float> process(std::span<const float> input) const;

  // The pieces process() is made of, for StreamingResampler (streaming_resampler.hpp), which
  // must give the same samples bit for bit. Output n reads inputs [first_input(n),
  // first_input(n) + taps()); first_input may be negative (those samples are zero).
  bool identity() const { return up_ == down_; }
  std::int64_t first_input(std::int64_t n) const { return (n * down_) / up_ - half_taps_ + 1; }
  std::int64_t taps() const { return 2 * half_taps_; }
  // Output n from `held`, the input samples [held_start, held_start + held.size()); samples
  // before 0 or past the end of `held` count as zero. held_start <= max(0, first_input(n)).
  float output_at(std::int64_t n, std::span<const float> held, std::int64_t held_start) const;

 private:
  int input_rate_hz_;
  int output_rate_hz_;
  std::int64_t up_ = 1;    // L
  std::int64_t down_ = 1;  // M
  std::int64_t half_taps_ = 0;
  std::vector<float> table_;  // L rows of 2 * half_taps_ taps
};

}  // namespace erg::models::asr
