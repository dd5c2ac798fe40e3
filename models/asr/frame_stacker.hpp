#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "models/asr/feature_matrix.hpp"

namespace erg::models::asr {

// Non-overlapping frame stacking with subsampling, as the trainer's stack_frames
// (scripts/train/asr/model.py): output frame t = [x[k t], x[k t + 1], ..., x[k t + k - 1]]
// concatenated, frame-major; a trailing group of fewer than k frames produces nothing.
// Streaming: frames may be pushed one chunk at a time; a partial group is kept for the next push.
class FrameStacker {
 public:
  // Throws erg::Error when input_dim or stack is 0.
  FrameStacker(std::size_t input_dim, std::size_t stack);

  std::size_t input_dim() const { return input_dim_; }
  std::size_t stack() const { return stack_; }
  std::size_t output_dim() const { return input_dim_ * stack_; }
  // Input frames held back, waiting for the rest of their group (0 .. stack - 1).
  std::size_t pending_frames() const { return pending_frames_; }

  // Appends the completed stacked frames to out (dim output_dim()); returns how many.
  // Throws erg::Error on a dimension mismatch.
  std::size_t push(const FeatureMatrix& frames, FeatureMatrix& out);
  std::size_t push_frame(std::span<const float> frame, FeatureMatrix& out);
  void reset() { pending_frames_ = 0; }

  // The whole sequence at once.
  static FeatureMatrix stack_all(const FeatureMatrix& frames, std::size_t stack);

 private:
  std::size_t input_dim_;
  std::size_t stack_;
  std::vector<float> group_;  // output_dim() floats; the first pending_frames_ rows are filled
  std::size_t pending_frames_ = 0;
};

}  // namespace erg::models::asr
