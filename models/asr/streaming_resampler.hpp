#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "models/asr/resampler.hpp"

namespace erg::models::asr {

// Resampler::process over a signal pushed in chunks of any size: it keeps the last taps() inputs
// the next outputs still read, so the concatenated outputs equal process(whole signal) bit for
// bit (each output is the same dot product in the same order). Memory: one kernel span of
// input plus the caller's chunk, whatever the length.
class StreamingResampler {
 public:
  // Throws erg::Error as Resampler does.
  StreamingResampler(int input_rate_hz, int output_rate_hz, const ResamplerOptions& options = {});

  // Appends to `out` every output sample whose inputs have all arrived.
  void push(std::span<const float> input, std::vector<float>& out);
  // End of the signal: appends the remaining outputs (inputs past the end count as zero), up to
  // Resampler::output_samples(total input). push() after finish() throws erg::Error.
  void finish(std::vector<float>& out);
  // Starts a new signal.
  void reset();

  const Resampler& resampler() const { return resampler_; }
  std::uint64_t input_samples() const { return input_samples_; }
  std::uint64_t output_samples() const { return next_output_; }
  // Input samples held between pushes (at most taps() once the kernel has filled).
  std::size_t held_samples() const { return held_.size(); }
  std::size_t held_capacity() const { return held_.capacity(); }

 private:
  void drop_consumed();

  Resampler resampler_;
  std::vector<float> held_;      // inputs [held_start_, held_start_ + held_.size())
  std::int64_t held_start_ = 0;  // absolute input index of held_[0]
  std::uint64_t input_samples_ = 0;
  std::uint64_t next_output_ = 0;
  bool finished_ = false;
};

}  // namespace erg::models::asr
