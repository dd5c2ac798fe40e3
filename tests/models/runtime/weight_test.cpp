#include "models/runtime/weight.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "models/runtime/linear.hpp"

namespace erg::models::runtime {
namespace {

std::vector<float> random_values(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v)
    x = dist(rng);
  return v;
}

std::vector<float> reference_matvec(const std::vector<float>& w, std::size_t rows, std::size_t cols,
                                    const std::vector<float>& x) {
  std::vector<float> y(rows, 0.0f);
  for (std::size_t r = 0; r < rows; ++r) {
    double acc = 0.0;
    for (std::size_t c = 0; c < cols; ++c)
      acc += double(w[r * cols + c]) * x[c];
    y[r] = float(acc);
  }
  return y;
}

TEST(Weight, MatvecMatchesHandComputedValues) {
  // [[1, 2, 3], [-1, 0, 4]] x [1, 1, 2] + [0.5, -0.5] = [9.5, 6.5] (by hand).
  const auto w = dense_weight(2, 3, {1, 2, 3, -1, 0, 4}, {0.5f, -0.5f});
  std::vector<float> x{1, 1, 2}, y(2);
  matvec(w, x, y);
  EXPECT_FLOAT_EQ(y[0], 9.5f);
  EXPECT_FLOAT_EQ(y[1], 6.5f);
}

// Every batch size up to 11 (the kernel's blocks of 1-5 tokens and their groupings), with row
// and column counts that leave tails for every row block and for the 8-column chunks, and 125
// rows (more than one 120-row chunk of the batched path).
TEST(Weight, MatmulEqualsMatvecBitForBit) {
  // int4 per channel, in groups of 8 and 16 (scaled in registers; 37 columns leave a partial
  // last group with a tail) and of 6 and 5 (not a multiple of 8: the portable kernel, odd groups
  // starting on odd columns); row-pruned int8 and int4; CSR
  // (60 % pruned: rows of uneven length, int4 rows starting on odd values; 97 %: empty rows) in
  // every precision.
  enum class Format { kDense, kRows, kCsr };
  struct Kind {
    Precision precision;
    std::size_t group;
    Format format;
    double prune;
  };
  const Kind kinds[] = {
      {Precision::kFp32, 0, Format::kDense, 0},  {Precision::kInt8, 0, Format::kDense, 0},
      {Precision::kInt4, 0, Format::kDense, 0},  {Precision::kInt4, 8, Format::kDense, 0},
      {Precision::kInt4, 6, Format::kDense, 0},  {Precision::kInt4, 5, Format::kDense, 0},
      {Precision::kInt4, 16, Format::kDense, 0}, {Precision::kInt8, 0, Format::kRows, 0.3},
      {Precision::kInt4, 8, Format::kRows, 0.3}, {Precision::kFp32, 0, Format::kCsr, 0.6},
      {Precision::kInt8, 0, Format::kCsr, 0.6},  {Precision::kInt4, 0, Format::kCsr, 0.6},
      {Precision::kInt4, 0, Format::kCsr, 0.97}};
  for (const std::size_t rows : {std::size_t(13), std::size_t(125)}) {
    for (const std::size_t cols : {std::size_t(37), std::size_t(40)}) {
      for (const auto& [precision, group, format, prune] : kinds) {
        const auto dense =
            dense_weight(rows, cols, random_values(rows * cols, 1), random_values(rows, 7));
        const auto w = format == Format::kCsr ? quantize(prune_magnitude(dense, prune), precision)
                       : format == Format::kRows
                           ? quantize(prune_rows(dense, prune), precision, group)
                           : quantize(dense, precision, group);
        const auto deq = w.dequantized();
        for (std::size_t n = 0; n <= 11; ++n) {
          const auto x = random_values(n * cols, 2);
          std::vector<float> batched(n * rows), single(rows);
          matmul(w, x, batched);
          for (std::size_t t = 0; t < n; ++t) {
            const auto xt = std::span(x).subspan(t * cols, cols);
            matvec(w, In(xt), single);
            auto ref = reference_matvec(deq, rows, cols, std::vector<float>(xt.begin(), xt.end()));
            for (std::size_t r = 0; r < rows; ++r) {
              ASSERT_NEAR(single[r], ref[r] + w.bias[r], 1e-4) << "group " << group << " r " << r;
              ASSERT_EQ(batched[t * rows + r], single[r])
                  << "group " << group << " n " << n << " t " << t << " r " << r;
            }
          }
        }
      }
    }
  }
}

// A weight without columns: every output is its bias, in every precision.
TEST(Weight, NoColumnsGivesTheBias) {
  const auto w32 = dense_weight(3, 0, {}, {1.0f, -2.0f, 0.5f});
  for (auto precision : {Precision::kFp32, Precision::kInt8, Precision::kInt4}) {
    const auto w = quantize(w32, precision);
    std::vector<float> y(3, 9.0f);
    matvec(w, In(std::span<const float>()), y);
    EXPECT_EQ(y, (std::vector<float>{1.0f, -2.0f, 0.5f}));
  }
}

TEST(Weight, Int8RoundTripErrorIsBoundedByHalfAStep) {
  const std::size_t rows = 8, cols = 64;
  const auto values = random_values(rows * cols, 3);
  const auto w = quantize(dense_weight(rows, cols, values), Precision::kInt8);
  ASSERT_EQ(w.scales.size(), rows);  // one scale per output channel
  const auto back = w.dequantized();
  for (std::size_t r = 0; r < rows; ++r) {
    float amax = 0;
    for (std::size_t c = 0; c < cols; ++c)
      amax = std::max(amax, std::fabs(values[r * cols + c]));
    EXPECT_FLOAT_EQ(w.scales[r], amax / 127.0f);  // symmetric: max maps to 127
    for (std::size_t c = 0; c < cols; ++c)
      EXPECT_LE(std::fabs(back[r * cols + c] - values[r * cols + c]), 0.5f * w.scales[r] * 1.0001f);
  }
}

TEST(Weight, Int4PerChannelAndPerGroupRoundTrip) {
  const std::size_t rows = 4, cols = 33;  // odd: exercises the half-filled last byte
  const auto values = random_values(rows * cols, 4);
  for (std::size_t group : {std::size_t{0}, std::size_t{8}}) {
    const auto w = quantize(dense_weight(rows, cols, values), Precision::kInt4, group);
    EXPECT_EQ(w.q4.size(), rows * 17);                   // ceil(33/2) bytes per row
    EXPECT_EQ(w.scales.size(), rows * (group ? 5 : 1));  // ceil(33/8) groups
    const auto back = w.dequantized();
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) {
        const float scale = w.scales[r * w.groups() + (group ? c / group : 0)];
        EXPECT_LE(std::fabs(back[r * cols + c] - values[r * cols + c]), 0.5f * scale * 1.0001f);
      }
    // The kernel computes with exactly the dequantized matrix.
    const auto x = random_values(cols, 5);
    std::vector<float> y(rows);
    matvec(w, x, y);
    const auto ref = reference_matvec(back, rows, cols, x);
    for (std::size_t r = 0; r < rows; ++r)
      EXPECT_NEAR(y[r], ref[r], 1e-4);
  }
}

TEST(Weight, SparseEqualsDenseOnKeptWeights) {
  const std::size_t rows = 16, cols = 40;
  const auto values = random_values(rows * cols, 6);
  const auto pruned = prune_magnitude(dense_weight(rows, cols, values), 0.75);
  EXPECT_EQ(pruned.format, WeightFormat::kCsr);
  EXPECT_EQ(pruned.nonzeros(), rows * cols - 480);  // floor(0.75 * 640) removed
  const auto kept = pruned.dequantized();
  // Every surviving weight is at least as large as every removed one.
  float min_kept = 1e9f, max_removed = 0.0f;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (kept[i] != 0.0f) {
      EXPECT_EQ(kept[i], values[i]);
      min_kept = std::min(min_kept, std::fabs(values[i]));
    } else {
      max_removed = std::max(max_removed, std::fabs(values[i]));
    }
  }
  EXPECT_GE(min_kept, max_removed);
  const auto x = random_values(cols, 7);
  std::vector<float> y(rows);
  matvec(pruned, x, y);
  const auto ref = reference_matvec(kept, rows, cols, x);
  for (std::size_t r = 0; r < rows; ++r)
    EXPECT_NEAR(y[r], ref[r], 1e-4);
  // int8 and int4 CSR compute with their dequantized kept weights too.
  for (auto p : {Precision::kInt8, Precision::kInt4}) {
    const auto q = quantize(pruned, p);
    matvec(q, x, y);
    const auto qref = reference_matvec(q.dequantized(), rows, cols, x);
    for (std::size_t r = 0; r < rows; ++r)
      EXPECT_NEAR(y[r], qref[r], 1e-4);
  }
}

TEST(Weight, RowPruningDropsWeakestRowsAndOutputsBias) {
  // Row norms: row0 = 1, row1 = 10, row2 = 0.1, row3 = 5. Dropping half removes rows 2 and 0.
  const auto w =
      prune_rows(dense_weight(4, 2, {1, 0, 10, 0, 0.1f, 0, 0, 5}, {1.0f, 2.0f, 3.0f, 4.0f}), 0.5);
  EXPECT_EQ(w.kept_rows, (std::vector<std::uint32_t>{1, 3}));
  std::vector<float> x{2, 7}, y(4);
  matvec(w, x, y);
  EXPECT_EQ(y, (std::vector<float>{1.0f, 22.0f, 3.0f, 39.0f}));  // 10*2+2, 5*7+4; others bias
}

TEST(Weight, BytesReportedAreTheBytesRead) {
  const std::size_t rows = 64, cols = 128;
  const auto base = dense_weight(rows, cols, random_values(rows * cols, 8));
  const std::vector<float> x(cols, 1.0f);
  std::vector<float> y(rows);
  auto read_bytes = [&](const Weight& w) {
    CountingSink sink;
    const Probe probe{&sink, 0};
    matvec(w, x, y, probe);
    const auto& c = sink.of(0);
    EXPECT_EQ(c.total_macs(), w.nonzeros());
    return c.bytes_read - cols * sizeof(float);  // minus the activation read
  };
  const auto fp32 = read_bytes(base);
  EXPECT_EQ(fp32, rows * cols * 4);
  // int8: a quarter of the fp32 weight bytes plus one fp32 scale per row.
  EXPECT_EQ(read_bytes(quantize(base, Precision::kInt8)), rows * cols + rows * 4);
  // int4: an eighth plus scales; per-group int4 reads one scale per group.
  EXPECT_EQ(read_bytes(quantize(base, Precision::kInt4)), rows * cols / 2 + rows * 4);
  EXPECT_EQ(read_bytes(quantize(base, Precision::kInt4, 32)), rows * cols / 2 + rows * 4 * 4);
  // 50% CSR fp32: values + 16-bit column indices + row pointers; fewer than dense.
  const auto sparse = prune_magnitude(base, 0.5);
  const auto nnz = rows * cols / 2;
  EXPECT_EQ(read_bytes(sparse), nnz * 4 + nnz * 2 + (rows + 1) * 4);
  EXPECT_LT(read_bytes(sparse), fp32);
  EXPECT_EQ(read_bytes(quantize(sparse, Precision::kInt8)),
            nnz + nnz * 2 + (rows + 1) * 4 + rows * 4);
  // Structured: only kept rows and their indices.
  EXPECT_EQ(read_bytes(prune_rows(base, 0.25)), 48 * cols * 4 + 48 * 4);
}

TEST(Weight, BadTransformsThrow) {
  const auto base = dense_weight(2, 2, {1, 2, 3, 4});
  EXPECT_THROW(prune_magnitude(base, 1.0), Error);
  EXPECT_THROW(prune_rows(base, -0.1), Error);
  EXPECT_THROW(prune_magnitude(quantize(base, Precision::kInt8), 0.5), Error);
  EXPECT_THROW(dense_weight(2, 2, {1, 2, 3}), Error);
  std::vector<float> x(3), y(2);
  EXPECT_THROW(matvec(base, x, y), Error);
}

}  // namespace
}  // namespace erg::models::runtime
