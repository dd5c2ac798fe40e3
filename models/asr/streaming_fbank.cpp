#include "models/asr/streaming_fbank.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace erg::models::asr {

StreamingFbank::StreamingFbank(const FbankOptions& options) : fbank_(options) {
  pending_.reserve(fbank_.window_samples() + fbank_.shift_samples());
}

std::size_t StreamingFbank::push(std::span<const float> pcm, FeatureMatrix& out) {
  if (out.dim() != dim()) {
    throw Error(
        "output has " + std::to_string(out.dim()) + " columns, expected " + std::to_string(dim()),
        "StreamingFbank::push");
  }
  samples_received_ += pcm.size();
  const std::size_t skipped = std::min(skip_, pcm.size());
  skip_ -= skipped;
  pcm = pcm.subspan(skipped);
  pending_.insert(pending_.end(), pcm.begin(), pcm.end());
  const std::size_t window = fbank_.window_samples();
  const std::size_t shift = fbank_.shift_samples();
  std::size_t start = 0;
  std::size_t emitted = 0;
  while (start + window <= pending_.size()) {
    fbank_.compute_frame(std::span<const float>(pending_).subspan(start, window), out.append_row());
    start += shift;
    ++emitted;
  }
  // A shift may exceed the window (unusual options): samples no frame uses are skipped later.
  if (start > pending_.size()) {
    skip_ = start - pending_.size();
    start = pending_.size();
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(start));
  frames_emitted_ += emitted;
  return emitted;
}

void StreamingFbank::reset() {
  pending_.clear();
  skip_ = 0;
  frames_emitted_ = 0;
  samples_received_ = 0;
}

}  // namespace erg::models::asr
