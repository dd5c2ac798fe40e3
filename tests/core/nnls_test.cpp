#include "core/nnls.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace erg {
namespace {

Matrix make(std::size_t rows, std::size_t cols, std::vector<double> values) {
  Matrix m(rows, cols);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c)
      m(r, c) = values[r * cols + c];
  return m;
}

// x = (1, 2) solves the system exactly and is positive, so NNLS equals least squares.
TEST(Nnls, ConsistentPositiveSystemIsSolvedExactly) {
  const Matrix a = make(3, 2, {1, 0, 0, 1, 1, 1});
  const std::vector<double> b{1, 2, 3};
  const NnlsResult r = nnls(a, b);
  ASSERT_TRUE(r.converged);
  EXPECT_NEAR(r.x[0], 1.0, 1e-12);
  EXPECT_NEAR(r.x[1], 2.0, 1e-12);
  EXPECT_NEAR(r.residual_norm, 0.0, 1e-12);
}

// A = I, b = (1, -1): least squares gives x2 = -1; the bound clamps it to 0, residual 1.
TEST(Nnls, NegativeUnconstrainedCoefficientIsClampedToZero) {
  const Matrix a = make(2, 2, {1, 0, 0, 1});
  const std::vector<double> b{1, -1};
  const NnlsResult r = nnls(a, b);
  EXPECT_NEAR(r.x[0], 1.0, 1e-12);
  EXPECT_EQ(r.x[1], 0.0);
  EXPECT_NEAR(r.residual_norm, 1.0, 1e-12);
}

// A = [[1, 0], [1, 1]], b = (2, -1). Unconstrained: x = (2, -3). With x2 = 0 the best x1
// minimises (x1 - 2)^2 + (x1 + 1)^2, so x1 = 0.5 and the residual is sqrt(1.5^2 + 1.5^2) =
// sqrt(4.5); the KKT multiplier of x2 is a2 . r = 0 x 1.5 + 1 x (-1.5) = -1.5 < 0, so x2 stays
// bound. (The other face, x1 = 0, x2 = 0, leaves sqrt(5) > sqrt(4.5).)
TEST(Nnls, HandDerivedBoundSolution) {
  const Matrix a = make(2, 2, {1, 0, 1, 1});
  const std::vector<double> b{2, -1};
  const NnlsResult r = nnls(a, b);
  EXPECT_NEAR(r.x[0], 0.5, 1e-12);
  EXPECT_EQ(r.x[1], 0.0);
  EXPECT_NEAR(r.residual_norm, std::sqrt(4.5), 1e-12);
}

// The first test with column 0 in units 1e12 times larger (pJ counts beside seconds): the fit
// is the same up to the unit, x0 = 1e-12.
TEST(Nnls, ColumnsOfVeryDifferentScaleAreFitAlike) {
  const Matrix a = make(3, 2, {1e12, 0, 0, 1, 1e12, 1});
  const std::vector<double> b{1, 2, 3};
  const NnlsResult r = nnls(a, b);
  EXPECT_NEAR(r.x[0] / 1e-12, 1.0, 1e-9);
  EXPECT_NEAR(r.x[1], 2.0, 1e-9);
}

TEST(Nnls, AllZeroColumnGetsZero) {
  const Matrix a = make(2, 2, {0, 1, 0, 2});
  const std::vector<double> b{1, 2};
  const NnlsResult r = nnls(a, b);
  EXPECT_EQ(r.x[0], 0.0);
  EXPECT_NEAR(r.x[1], 1.0, 1e-12);
}

TEST(Nnls, RightHandSideOfWrongLengthThrows) {
  const Matrix a = make(2, 2, {1, 0, 0, 1});
  const std::vector<double> b{1, 2, 3};
  EXPECT_THROW(nnls(a, b), Error);
}

// Columns (1, 2, 3) and (2, 4, 6) both scale to (1, 2, 3) / sqrt(14): the scaled matrix has
// singular values sqrt(2) and 0, and (1, -1) / sqrt(2) is the direction the data cannot see.
TEST(DesignRank, ProportionalColumnsAreRankDeficient) {
  const Matrix a = make(3, 2, {1, 2, 2, 4, 3, 6});
  const DesignRank d = design_rank(a);
  EXPECT_EQ(d.rank, 1u);
  ASSERT_EQ(d.singular_values.size(), 2u);
  EXPECT_NEAR(d.singular_values[0], std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(d.singular_values[1], 0.0, 1e-12);
  EXPECT_TRUE(std::isinf(d.condition_number));
  ASSERT_EQ(d.null_directions.size(), 1u);
  EXPECT_NEAR(std::abs(d.null_directions[0][0]), 1 / std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(d.null_directions[0][0] + d.null_directions[0][1], 0.0, 1e-9);
}

// Column 2 = column 0 + column 1: rank 2 of 3, and the null direction has all three entries.
TEST(DesignRank, DependentColumnIsFound) {
  const Matrix a = make(3, 3, {1, 0, 1, 0, 1, 1, 1, 1, 2});
  const DesignRank d = design_rank(a);
  EXPECT_EQ(d.rank, 2u);
  ASSERT_EQ(d.null_directions.size(), 1u);
  for (double v : d.null_directions[0])
    EXPECT_GT(std::abs(v), 0.1);
}

// Orthonormal columns: both singular values 1, condition number 1.
TEST(DesignRank, OrthogonalDesignIsWellConditioned) {
  const Matrix a = make(3, 2, {2, 0, 0, 5, 0, 0});
  const DesignRank d = design_rank(a);
  EXPECT_EQ(d.rank, 2u);
  EXPECT_NEAR(d.singular_values[0], 1.0, 1e-12);
  EXPECT_NEAR(d.singular_values[1], 1.0, 1e-12);
  EXPECT_NEAR(d.condition_number, 1.0, 1e-12);
  EXPECT_TRUE(d.null_directions.empty());
}

}  // namespace
}  // namespace erg
