#include "models/asr/frame_stacker.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace erg::models::asr {
namespace {

// Frames of dim 2 whose values encode (frame, column): frame f = [10 f, 10 f + 1].
FeatureMatrix numbered_frames(std::size_t count) {
  FeatureMatrix m(2);
  for (std::size_t f = 0; f < count; ++f) {
    auto row = m.append_row();
    row[0] = static_cast<float>(10 * f);
    row[1] = static_cast<float>(10 * f + 1);
  }
  return m;
}

TEST(AsrFrameStacker, StacksFrameMajorAndDropsTheRemainder) {
  // 7 frames stacked by 3 -> 2 output frames (7 // 3), frame 6 left over, as the trainer's
  // x[:, :t2 * stack].reshape(b, t2, f * stack) does.
  const FeatureMatrix out = FrameStacker::stack_all(numbered_frames(7), 3);
  ASSERT_EQ(out.dim(), 6U);
  ASSERT_EQ(out.num_frames(), 2U);
  const float first[] = {0, 1, 10, 11, 20, 21};
  const float second[] = {30, 31, 40, 41, 50, 51};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(out.row(0)[i], first[i]);
    EXPECT_EQ(out.row(1)[i], second[i]);
  }
}

TEST(AsrFrameStacker, StreamingEqualsBatchForAnyChunking) {
  const FeatureMatrix all = numbered_frames(23);
  const FeatureMatrix batch = FrameStacker::stack_all(all, 4);
  for (std::size_t chunk : {1U, 2U, 3U, 5U, 23U}) {
    FrameStacker stacker(2, 4);
    FeatureMatrix out(stacker.output_dim());
    for (std::size_t start = 0; start < all.num_frames(); start += chunk) {
      for (std::size_t f = start; f < std::min(start + chunk, all.num_frames()); ++f) {
        stacker.push_frame(all.row(f), out);
      }
    }
    EXPECT_EQ(out.values(), batch.values()) << "chunk " << chunk;
    EXPECT_EQ(stacker.pending_frames(), 23U % 4U);
  }
}

TEST(AsrFrameStacker, StackOfOneIsIdentity) {
  const FeatureMatrix all = numbered_frames(5);
  EXPECT_EQ(FrameStacker::stack_all(all, 1).values(), all.values());
}

TEST(AsrFrameStacker, RejectsBadShapes) {
  EXPECT_THROW(FrameStacker(2, 0), Error);
  EXPECT_THROW(FrameStacker(0, 2), Error);
  FrameStacker stacker(2, 2);
  FeatureMatrix wrong_out(3);
  EXPECT_THROW(stacker.push(numbered_frames(2), wrong_out), Error);
  FeatureMatrix out(4);
  const float three[] = {1, 2, 3};
  EXPECT_THROW(stacker.push_frame(three, out), Error);
}

}  // namespace
}  // namespace erg::models::asr
