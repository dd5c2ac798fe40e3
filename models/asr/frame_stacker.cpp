#include "models/asr/frame_stacker.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace erg::models::asr {

FrameStacker::FrameStacker(std::size_t input_dim, std::size_t stack)
    : input_dim_(input_dim), stack_(stack) {
  if (input_dim == 0) throw Error("frame stacker input dimension is 0", "FrameStacker");
  if (stack == 0) throw Error("frame stacking factor is 0 (expected >= 1)", "FrameStacker");
  group_.assign(output_dim(), 0.0f);
}

std::size_t FrameStacker::push_frame(std::span<const float> frame, FeatureMatrix& out) {
  if (frame.size() != input_dim_ || out.dim() != output_dim()) {
    throw Error("frame of " + std::to_string(frame.size()) + " values into output of " +
                    std::to_string(out.dim()) + " columns; expected " + std::to_string(input_dim_) +
                    " and " + std::to_string(output_dim()),
                "FrameStacker::push");
  }
  std::copy(frame.begin(), frame.end(),
            group_.begin() + static_cast<std::ptrdiff_t>(pending_frames_ * input_dim_));
  if (++pending_frames_ < stack_) return 0;
  pending_frames_ = 0;
  const std::span<float> row = out.append_row();
  std::copy(group_.begin(), group_.end(), row.begin());
  return 1;
}

std::size_t FrameStacker::push(const FeatureMatrix& frames, FeatureMatrix& out) {
  if (frames.empty()) return 0;
  std::size_t emitted = 0;
  for (std::size_t f = 0; f < frames.num_frames(); ++f)
    emitted += push_frame(frames.row(f), out);
  return emitted;
}

FeatureMatrix FrameStacker::stack_all(const FeatureMatrix& frames, std::size_t stack) {
  FrameStacker stacker(frames.dim(), stack);
  FeatureMatrix out(stacker.output_dim());
  out.reserve_frames(frames.num_frames() / stack);
  stacker.push(frames, out);
  return out;
}

}  // namespace erg::models::asr
