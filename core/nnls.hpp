#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace erg {

// A small dense row-major matrix for least-squares fits (calibration designs: tens of rows, about
// ten columns). Not a linear-algebra library: no expression templates, no blocking.
class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols), data_(rows * cols) {}

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  double& operator()(std::size_t r, std::size_t c) { return data_[r * cols_ + c]; }
  double operator()(std::size_t r, std::size_t c) const { return data_[r * cols_ + c]; }
  std::span<const double> row(std::size_t r) const { return {data_.data() + r * cols_, cols_}; }

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<double> data_;
};

struct NnlsResult {
  std::vector<double> x;       // >= 0, one per column
  double residual_norm = 0.0;  // ||A x - b||_2
  std::size_t iterations = 0;  // outer iterations (columns moved into the passive set)
  bool converged = false;      // false only when max_iterations ran out
};

// min ||A x - b||_2 subject to x >= 0, by Lawson and Hanson's active-set algorithm ("Solving
// Least Squares Problems", 1974, chapter 23, algorithm NNLS), with each unconstrained
// subproblem solved by Householder QR. Columns are scaled to unit norm inside, so coefficients
// of very different magnitudes (pJ per access next to W of static power) are treated alike; an
// all-zero column gets x = 0. Throws erg::Error when b's length differs from A's rows.
NnlsResult nnls(const Matrix& a, std::span<const double> b, std::size_t max_iterations = 0);

// What a design matrix can identify: singular values of A with its columns scaled to unit norm
// (so the scale of a column's unit does not count), its numerical rank, and for each direction
// the data cannot see (a singular value below tolerance x the largest) the right singular
// vector: a combination of coefficients that can change without changing A x.
struct DesignRank {
  std::vector<double> singular_values;  // descending
  std::size_t rank = 0;
  double condition_number = 0.0;  // largest / smallest singular value; infinity when singular
  std::vector<std::vector<double>> null_directions;  // unit vectors, one entry per column
};

// Default relative tolerance: a singular value below 1e-9 x the largest counts as zero. Counts
// in a calibration design are exact integers from the simulator, so exact proportionality shows
// as singular values near 1e-16 x the largest, far below this.
inline constexpr double kDefaultRankTolerance = 1e-9;

// By cyclic Jacobi on the Gram matrix of the scaled columns. An all-zero column is a null
// direction of its own.
DesignRank design_rank(const Matrix& a, double relative_tolerance = kDefaultRankTolerance);

}  // namespace erg
