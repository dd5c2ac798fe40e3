#include <gtest/gtest.h>

#include <cmath>

#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "models/runtime/attention.hpp"
#include "models/runtime/elementwise.hpp"
#include "models/runtime/lstm_cell.hpp"

namespace erg::models::runtime {
namespace {

TEST(Kernels, RmsNormByHand) {
  // x = [3, 4]: mean square 12.5, rms 3.5355339; gain [1, 2].
  std::vector<float> x{3, 4}, g{1, 2}, y(2);
  rms_norm(x, g, 0.0f, y);
  EXPECT_NEAR(y[0], 3.0 / std::sqrt(12.5), 1e-6);
  EXPECT_NEAR(y[1], 2 * 4.0 / std::sqrt(12.5), 1e-6);
  // Two rows are normalized independently.
  std::vector<float> x2{3, 4, 6, 8}, y2(4);
  rms_norm(x2, g, 0.0f, y2);
  EXPECT_NEAR(y2[2], y[0], 1e-6);
  EXPECT_NEAR(y2[3], y[1], 1e-6);
}

TEST(Kernels, LayerNormByHand) {
  // x = [1, 2, 3]: mean 2, biased variance 2/3.
  std::vector<float> x{1, 2, 3}, g{1, 1, 2}, b{0, 1, 0}, y(3);
  layer_norm(x, g, b, 0.0f, y);
  const double s = std::sqrt(2.0 / 3.0);
  EXPECT_NEAR(y[0], -1.0 / s, 1e-6);
  EXPECT_NEAR(y[1], 1.0, 1e-6);
  EXPECT_NEAR(y[2], 2.0 / s, 1e-6);
}

TEST(Kernels, SoftmaxAndActivationsByHand) {
  // exp of [0, ln 2, ln 3] is [1, 2, 3]; normalized [1/6, 1/3, 1/2].
  std::vector<float> x{0.0f, std::log(2.0f), std::log(3.0f)}, y(3);
  softmax(x, y);
  EXPECT_NEAR(y[0], 1.0 / 6, 1e-6);
  EXPECT_NEAR(y[1], 1.0 / 3, 1e-6);
  EXPECT_NEAR(y[2], 1.0 / 2, 1e-6);
  std::vector<float> a{-1.0f, 0.0f, 1.0f}, out(3);
  activate(Activation::kRelu, a, out);
  EXPECT_EQ(out, (std::vector<float>{0.0f, 0.0f, 1.0f}));
  activate(Activation::kSigmoid, a, out);
  EXPECT_NEAR(out[1], 0.5, 1e-7);
  EXPECT_NEAR(out[2], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  activate(Activation::kSilu, a, out);
  EXPECT_NEAR(out[2], 0.7310586, 1e-6);   // 1 * sigmoid(1)
  EXPECT_NEAR(out[0], -0.2689414, 1e-6);  // -1 * sigmoid(-1)
  activate(Activation::kTanh, a, out);
  EXPECT_NEAR(out[2], std::tanh(1.0), 1e-6);
  std::vector<float> p{1, 2, 3}, q{4, 5, 6}, r(3);
  add(p, q, r);
  EXPECT_EQ(r, (std::vector<float>{5, 7, 9}));
  multiply(p, q, r);
  EXPECT_EQ(r, (std::vector<float>{4, 10, 18}));
}

TEST(Kernels, LstmCellFollowsPyTorchGateOrder) {
  // Hidden 1, input 1. Gates (i, f, g, o) = W_ih x + W_hh h + biases with x = h = 1:
  // i = 2 + 0 + 0, f = -1 + 1 + 0, g = 0.5 + 0 + 0, o = 1 - 1 + 0.5 - 0.5 (biases on o).
  const auto w_ih = dense_weight(4, 1, {2, -1, 0.5f, 1}, {0, 0, 0, 0.5f});
  const auto w_hh = dense_weight(4, 1, {0, 1, 0, -1}, {0, 0, 0, -0.5f});
  std::vector<float> x{1}, h{1}, c{0.4f}, gates(4), scratch(4);
  lstm_cell(w_ih, w_hh, x, h, c, gates, scratch);
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  const double c_new = sig(0.0) * 0.4 + sig(2.0) * std::tanh(0.5);
  EXPECT_NEAR(c[0], c_new, 1e-6);
  EXPECT_NEAR(h[0], sig(0.0) * std::tanh(c_new), 1e-6);
}

TEST(Kernels, AttentionByHandWithGqaAndWindow) {
  // K = [[1,0],[0,1]], V = [[1,2],[3,4]]; head 0 query [ln2*sqrt2, 0] gives scaled scores
  // [ln 2, 0], weights [2/3, 1/3], output [5/3, 8/3]. Head 1 (same kv head) has a zero query:
  // uniform weights, output [2, 3].
  const AttentionShape shape{2, 1, 2};
  std::vector<float> q{std::log(2.0f) * std::sqrt(2.0f), 0.0f, 0.0f, 0.0f};
  std::vector<float> k{1, 0, 0, 1}, v{1, 2, 3, 4}, out(4), scores(2);
  attend(shape, q, k, v, 0, 2, out, scores);
  EXPECT_NEAR(out[0], 5.0 / 3, 1e-6);
  EXPECT_NEAR(out[1], 8.0 / 3, 1e-6);
  EXPECT_NEAR(out[2], 2.0, 1e-6);
  EXPECT_NEAR(out[3], 3.0, 1e-6);
  // A left-context window starting at position 1 sees only V[1].
  attend(shape, q, k, v, 1, 2, out, scores);
  EXPECT_NEAR(out[0], 3.0, 1e-6);
  EXPECT_NEAR(out[1], 4.0, 1e-6);
  // The cache ranges read are the window's rows only.
  CountingSink sink;
  attend(shape, In(q, 0x1000), In(k, 0x2000), In(v, 0x3000), 1, 2, Out(out, 0x4000), scores,
         Probe{&sink, 0});
  EXPECT_EQ(sink.of(0).bytes_read, 16u + 8u + 8u);  // q (4 floats) + one K row + one V row
  EXPECT_EQ(sink.of(0).bytes_written, 16u);
  EXPECT_THROW(attend(shape, q, k, v, 0, 3, out, scores), Error);
}

TEST(Kernels, RopeRotatesHalfPairs) {
  // head_dim 4, theta 10000: inverse frequencies 1 and 10000^(-1/2) = 0.01. At position 1,
  // dims (0, 2) rotate by 1 rad and dims (1, 3) by 0.01 rad.
  const RopeTable rope(4, 8, 10000.0);
  std::vector<float> x{1, 1, 0, 0};
  rope.apply(x, 1, 1);
  EXPECT_NEAR(x[0], std::cos(1.0), 1e-6);
  EXPECT_NEAR(x[2], std::sin(1.0), 1e-6);
  EXPECT_NEAR(x[1], std::cos(0.01), 1e-6);
  EXPECT_NEAR(x[3], std::sin(0.01), 1e-6);
  std::vector<float> y{0.3f, -0.2f, 0.7f, 0.1f};
  const auto before = y;
  rope.apply(y, 1, 0);  // position 0 is the identity
  EXPECT_EQ(y, before);
  EXPECT_THROW(rope.apply(y, 1, 8), Error);
}

TEST(Kernels, NoSinkMeansNoEventsAndEventsPerTensor) {
  CountingSink sink;
  std::vector<float> x{1, 2, 3, 4}, g{1, 1, 1, 1}, y(4);
  rms_norm(In(x, 0x100), In(g, 0x200), 1e-5f, Out(y, 0x300), Probe{&sink, 3});
  EXPECT_EQ(sink.of(3).accesses, 3u);  // gain, x, y: one event per contiguous tensor access
  EXPECT_EQ(sink.of(3).bytes_read, 32u);
  EXPECT_EQ(sink.of(3).bytes_written, 16u);
}

}  // namespace
}  // namespace erg::models::runtime
