#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "models/asr/feature_matrix.hpp"
#include "models/asr/fft.hpp"

namespace erg::models::asr {

// Kaldi compute-fbank-feats options, with the defaults of torchaudio.compliance.kaldi.fbank and
// the ASR trainer (scripts/train/asr/data.py). Fixed, not options: Povey window, snip_edges,
// FFT size rounded up to a power of two, power spectrum, log of max(energy, float epsilon),
// no energy column, no dither (so features are deterministic).
struct FbankOptions {
  double sample_rate_hz = 16000.0;
  double frame_length_ms = 25.0;
  double frame_shift_ms = 10.0;
  std::size_t num_mel_bins = 80;
  double low_freq_hz = 20.0;
  double high_freq_hz = 0.0;  // <= 0 means an offset from Nyquist, as in Kaldi
  double preemphasis = 0.97;
  bool remove_dc_offset = true;
  // Samples arrive in [-1, 1); Kaldi and the trainer work on the int16 scale.
  float sample_scale = 32768.0f;
};

// The log-mel filterbank of one window at a time, or of a whole signal. Computed in double
// from the float samples; matches torchaudio.compliance.kaldi.fbank within 1e-3
// (tests/models/asr/fbank_test.cpp).
class Fbank {
 public:
  // Throws erg::Error naming the bad option field.
  explicit Fbank(const FbankOptions& options = {});

  const FbankOptions& options() const { return options_; }
  std::size_t dim() const { return options_.num_mel_bins; }
  std::size_t window_samples() const { return window_samples_; }
  std::size_t shift_samples() const { return shift_samples_; }
  std::size_t fft_size() const { return spectrum_.size(); }
  // Frames of a signal of this length: only windows that fit entirely (snip_edges).
  std::size_t num_frames(std::size_t num_samples) const;

  // One frame from exactly window_samples() samples. No allocation, no throw.
  void compute_frame(std::span<const float> window, std::span<float> out);
  // Every frame of a signal.
  FeatureMatrix compute(std::span<const float> samples);

  // Triangular filter k covers FFT bins [first_bin(k), first_bin(k) + weights(k).size()).
  std::size_t first_bin(std::size_t mel_bin) const { return mel_first_bin_[mel_bin]; }
  std::span<const double> weights(std::size_t mel_bin) const;

 private:
  FbankOptions options_;
  std::size_t window_samples_ = 0;
  std::size_t shift_samples_ = 0;
  RealPowerSpectrum spectrum_;
  std::vector<double> window_function_;
  std::vector<std::size_t> mel_first_bin_;
  std::vector<std::size_t> mel_offset_;  // into mel_weights_, num_mel_bins + 1 entries
  std::vector<double> mel_weights_;
  std::vector<double> frame_;  // fft_size() scratch
  std::vector<double> power_;  // fft_size() / 2 + 1 scratch
};

}  // namespace erg::models::asr
