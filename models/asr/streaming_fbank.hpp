#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "models/asr/fbank.hpp"
#include "models/asr/feature_matrix.hpp"

namespace erg::models::asr {

// Fbank over PCM that arrives in chunks of any size. After any sequence of pushes the frames
// emitted equal the first frames of Fbank::compute on the concatenated samples: a frame is
// emitted as soon as its whole window has arrived (snip_edges, so there is nothing to flush).
class StreamingFbank {
 public:
  explicit StreamingFbank(const FbankOptions& options = {});

  std::size_t dim() const { return fbank_.dim(); }
  const Fbank& fbank() const { return fbank_; }
  // Appends the newly complete frames to out (whose dim must be dim()); returns how many.
  std::size_t push(std::span<const float> pcm, FeatureMatrix& out);
  std::size_t frames_emitted() const { return frames_emitted_; }
  std::size_t samples_received() const { return samples_received_; }
  // Forgets buffered samples, for a new utterance.
  void reset();

 private:
  Fbank fbank_;
  std::vector<float> pending_;  // samples from the start of the next frame on
  std::size_t skip_ = 0;        // samples still to drop before the next frame starts
  std::size_t frames_emitted_ = 0;
  std::size_t samples_received_ = 0;
};

}  // namespace erg::models::asr
