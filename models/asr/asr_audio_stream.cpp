#include "models/asr/asr_audio_stream.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace erg::models::asr {

AsrAudioStream::AsrAudioStream(const std::filesystem::path& path, std::size_t block_frames)
    : file_(path) {
  if (block_frames == 0) throw Error("block_frames must be > 0", "AsrAudioStream");
  if (file_.sample_rate_hz() != kAsrSampleRateHz)
    resampler_.emplace(file_.sample_rate_hz(), kAsrSampleRateHz);
  block_.resize(block_frames);
}

bool AsrAudioStream::refill() {
  pending_.clear();
  pending_at_ = 0;
  if (file_done_) return false;
  const std::size_t got = file_.read(block_);
  const std::span<const float> samples(block_.data(), got);
  if (resampler_) {
    resampler_->push(samples, pending_);
  } else {
    pending_.assign(samples.begin(), samples.end());
  }
  if (got < block_.size()) {  // the reader reached the end and checked it
    file_done_ = true;
    if (resampler_) resampler_->finish(pending_);
  }
  return true;
}

std::size_t AsrAudioStream::read(std::span<float> out) {
  std::size_t filled = 0;
  while (filled < out.size()) {
    if (pending_at_ == pending_.size() && !refill()) {
      ended_ = true;
      break;
    }
    const std::size_t n = std::min(out.size() - filled, pending_.size() - pending_at_);
    std::copy_n(pending_.begin() + static_cast<std::ptrdiff_t>(pending_at_), n,
                out.begin() + static_cast<std::ptrdiff_t>(filled));
    pending_at_ += n;
    filled += n;
  }
  samples_read_ += filled;
  return filled;
}

std::size_t AsrAudioStream::buffered_floats() const {
  return block_.capacity() + pending_.capacity() +
         (resampler_ ? resampler_->held_capacity() : std::size_t{0});
}

}  // namespace erg::models::asr
