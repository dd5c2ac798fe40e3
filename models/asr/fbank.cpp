#include "models/asr/fbank.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "core/error.hpp"

namespace erg::models::asr {
namespace {

constexpr std::string_view kWhere = "fbank options";

// Same expression as torchaudio's int(sample_frequency * ms * 0.001), so the sizes agree.
std::size_t samples_for(double sample_rate_hz, double duration_ms) {
  const double samples = sample_rate_hz * duration_ms * 0.001;
  return samples > 0.0 ? static_cast<std::size_t>(samples) : 0;
}

std::size_t next_power_of_two(std::size_t n) {
  std::size_t p = 1;
  while (p < n)
    p *= 2;
  return p;
}

double mel_scale(double freq_hz) {
  return 1127.0 * std::log(1.0 + freq_hz / 700.0);
}

void fail(const std::string& field, const std::string& what) {
  throw Error(field + " " + what, std::string(kWhere));
}

const FbankOptions& validated(const FbankOptions& o) {
  if (!(o.sample_rate_hz > 0.0)) fail("sample_rate_hz", "must be > 0");
  if (!(o.frame_shift_ms > 0.0) || samples_for(o.sample_rate_hz, o.frame_shift_ms) == 0) {
    fail("frame_shift_ms", "must give at least one sample");
  }
  if (samples_for(o.sample_rate_hz, o.frame_length_ms) < 2) {
    fail("frame_length_ms", "must give a window of at least 2 samples");
  }
  if (o.num_mel_bins <= 3) fail("num_mel_bins", "must be > 3");
  if (!(o.preemphasis >= 0.0 && o.preemphasis <= 1.0)) fail("preemphasis", "must be in [0, 1]");
  const double nyquist_hz = 0.5 * o.sample_rate_hz;
  const double high_hz = o.high_freq_hz <= 0.0 ? o.high_freq_hz + nyquist_hz : o.high_freq_hz;
  if (!(o.low_freq_hz >= 0.0 && o.low_freq_hz < nyquist_hz)) {
    fail("low_freq_hz", "must be in [0, Nyquist)");
  }
  if (!(high_hz > 0.0 && high_hz <= nyquist_hz && o.low_freq_hz < high_hz)) {
    fail("high_freq_hz", "must resolve to (low_freq_hz, Nyquist]");
  }
  if (!(o.sample_scale > 0.0f) || !std::isfinite(o.sample_scale)) {
    fail("sample_scale", "must be a finite value > 0");
  }
  return o;
}

}  // namespace

Fbank::Fbank(const FbankOptions& options)
    : options_(validated(options)),
      window_samples_(samples_for(options.sample_rate_hz, options.frame_length_ms)),
      shift_samples_(samples_for(options.sample_rate_hz, options.frame_shift_ms)),
      spectrum_(std::max<std::size_t>(4, next_power_of_two(window_samples_))) {
  // Povey window: a Hann window (symmetric, N - 1 in the denominator) raised to 0.85.
  window_function_.resize(window_samples_);
  const double denom = static_cast<double>(window_samples_ - 1);
  for (std::size_t i = 0; i < window_samples_; ++i) {
    const double hann =
        0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / denom);
    window_function_[i] = std::pow(hann, 0.85);
  }

  // Triangular filters equally spaced on the mel scale over FFT bins 0 .. N/2 - 1; the Nyquist
  // bin gets weight 0 (torchaudio pads the filter matrix with a zero column there).
  const std::size_t fft_size = spectrum_.size();
  const std::size_t num_fft_bins = fft_size / 2;
  const double nyquist_hz = 0.5 * options_.sample_rate_hz;
  const double high_hz =
      options_.high_freq_hz <= 0.0 ? options_.high_freq_hz + nyquist_hz : options_.high_freq_hz;
  const double bin_width_hz = options_.sample_rate_hz / static_cast<double>(fft_size);
  const double mel_low = mel_scale(options_.low_freq_hz);
  const double mel_delta =
      (mel_scale(high_hz) - mel_low) / static_cast<double>(options_.num_mel_bins + 1);
  mel_offset_.push_back(0);
  for (std::size_t m = 0; m < options_.num_mel_bins; ++m) {
    const double left = mel_low + static_cast<double>(m) * mel_delta;
    const double center = left + mel_delta;
    const double right = center + mel_delta;
    std::size_t first = num_fft_bins;
    std::vector<double> weights;
    for (std::size_t k = 0; k < num_fft_bins; ++k) {
      const double mel = mel_scale(bin_width_hz * static_cast<double>(k));
      const double weight =
          std::min((mel - left) / (center - left), (right - mel) / (right - center));
      if (weight <= 0.0) {
        if (first != num_fft_bins) break;  // past the triangle
        continue;
      }
      if (first == num_fft_bins) first = k;
      weights.push_back(weight);
    }
    if (first == num_fft_bins) first = 0;  // an empty filter (too many bins for this FFT)
    mel_first_bin_.push_back(first);
    mel_weights_.insert(mel_weights_.end(), weights.begin(), weights.end());
    mel_offset_.push_back(mel_weights_.size());
  }
  frame_.assign(fft_size, 0.0f);
  power_.assign(spectrum_.num_bins(), 0.0f);
}

std::span<const double> Fbank::weights(std::size_t mel_bin) const {
  return std::span<const double>(mel_weights_)
      .subspan(mel_offset_[mel_bin], mel_offset_[mel_bin + 1] - mel_offset_[mel_bin]);
}

std::size_t Fbank::num_frames(std::size_t num_samples) const {
  if (num_samples < window_samples_) return 0;
  return 1 + (num_samples - window_samples_) / shift_samples_;
}

void Fbank::compute_frame(std::span<const float> window, std::span<float> out) {
  const std::size_t n = window_samples_;
  const double scale = options_.sample_scale;
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    frame_[i] = window[i] * scale;
    sum += frame_[i];
  }
  if (options_.remove_dc_offset) {
    const double mean = sum / static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i)
      frame_[i] -= mean;
  }
  if (options_.preemphasis != 0.0) {
    // x[i] -= p * x[i - 1], and x[0] -= p * x[0] (Kaldi replicates the first sample).
    const double p = options_.preemphasis;
    for (std::size_t i = n - 1; i > 0; --i)
      frame_[i] -= p * frame_[i - 1];
    frame_[0] -= p * frame_[0];
  }
  for (std::size_t i = 0; i < n; ++i)
    frame_[i] *= window_function_[i];
  // frame_[n..] stays zero: it is never written.
  spectrum_.compute(frame_, power_);
  constexpr double kEpsilon = std::numeric_limits<float>::epsilon();
  for (std::size_t m = 0; m < options_.num_mel_bins; ++m) {
    const double* w = mel_weights_.data() + mel_offset_[m];
    const std::size_t count = mel_offset_[m + 1] - mel_offset_[m];
    const double* p = power_.data() + mel_first_bin_[m];
    double energy = 0.0;
    for (std::size_t k = 0; k < count; ++k)
      energy += w[k] * p[k];
    out[m] = static_cast<float>(std::log(std::max(energy, kEpsilon)));
  }
}

FeatureMatrix Fbank::compute(std::span<const float> samples) {
  FeatureMatrix out(dim());
  const std::size_t frames = num_frames(samples.size());
  out.reserve_frames(frames);
  for (std::size_t f = 0; f < frames; ++f) {
    compute_frame(samples.subspan(f * shift_samples_, window_samples_), out.append_row());
  }
  return out;
}

}  // namespace erg::models::asr
