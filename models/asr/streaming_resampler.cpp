#include "models/asr/streaming_resampler.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace erg::models::asr {

StreamingResampler::StreamingResampler(int input_rate_hz, int output_rate_hz,
                                       const ResamplerOptions& options)
    : resampler_(input_rate_hz, output_rate_hz, options) {}

void StreamingResampler::reset() {
  held_.clear();
  held_start_ = 0;
  input_samples_ = 0;
  next_output_ = 0;
  finished_ = false;
}

void StreamingResampler::push(std::span<const float> input, std::vector<float>& out) {
  if (finished_) throw Error("push after finish; call reset() for a new signal", "resampler");
  input_samples_ += input.size();
  if (resampler_.identity()) {
    out.insert(out.end(), input.begin(), input.end());
    next_output_ = input_samples_;
    return;
  }
  held_.insert(held_.end(), input.begin(), input.end());
  const auto arrived = static_cast<std::int64_t>(input_samples_);
  const std::int64_t taps = resampler_.taps();
  // Output n is complete once its last tap, first_input(n) + taps - 1, has arrived.
  for (auto n = static_cast<std::int64_t>(next_output_);
       resampler_.first_input(n) + taps <= arrived; ++n) {
    out.push_back(resampler_.output_at(n, held_, held_start_));
    next_output_ = static_cast<std::uint64_t>(n + 1);
  }
  drop_consumed();
}

void StreamingResampler::finish(std::vector<float>& out) {
  if (finished_) return;
  finished_ = true;
  if (resampler_.identity()) return;
  const auto total = static_cast<std::int64_t>(resampler_.output_samples(input_samples_));
  for (auto n = static_cast<std::int64_t>(next_output_); n < total; ++n)
    out.push_back(resampler_.output_at(n, held_, held_start_));
  next_output_ = static_cast<std::uint64_t>(std::max<std::int64_t>(total, 0));
  held_.clear();
}

void StreamingResampler::drop_consumed() {
  // The next output reads from first_input(next_output_) on; nothing before it is needed again.
  const std::int64_t keep_from =
      std::max<std::int64_t>(0, resampler_.first_input(static_cast<std::int64_t>(next_output_)));
  const std::int64_t drop =
      std::min<std::int64_t>(keep_from - held_start_, static_cast<std::int64_t>(held_.size()));
  if (drop <= 0) return;
  held_.erase(held_.begin(), held_.begin() + drop);
  held_start_ += drop;
}

}  // namespace erg::models::asr
