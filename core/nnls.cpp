#include "core/nnls.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/error.hpp"

namespace erg {
namespace {

std::vector<double> column_norms(const Matrix& a) {
  std::vector<double> norms(a.cols(), 0.0);
  for (std::size_t r = 0; r < a.rows(); ++r)
    for (std::size_t c = 0; c < a.cols(); ++c)
      norms[c] += a(r, c) * a(r, c);
  for (double& n : norms)
    n = std::sqrt(n);
  return norms;
}

// Least squares over the columns in `cols` by Householder QR; a column whose pivot vanishes
// (dependent on the ones before it) gets 0.
std::vector<double> least_squares(const Matrix& a, std::span<const std::size_t> cols,
                                  std::span<const double> b) {
  const std::size_t m = a.rows();
  const std::size_t k = cols.size();
  Matrix q(m, k);
  for (std::size_t r = 0; r < m; ++r)
    for (std::size_t j = 0; j < k; ++j)
      q(r, j) = a(r, cols[j]);
  std::vector<double> y(b.begin(), b.end());
  const std::size_t steps = std::min(m, k);
  for (std::size_t j = 0; j < steps; ++j) {
    double norm = 0.0;
    for (std::size_t r = j; r < m; ++r)
      norm += q(r, j) * q(r, j);
    norm = std::sqrt(norm);
    if (norm == 0.0) continue;
    const double alpha = q(j, j) > 0 ? -norm : norm;
    std::vector<double> v(m - j);
    for (std::size_t r = j; r < m; ++r)
      v[r - j] = q(r, j);
    v[0] -= alpha;
    double vnorm2 = 0.0;
    for (double e : v)
      vnorm2 += e * e;
    if (vnorm2 == 0.0) continue;
    for (std::size_t c = j; c < k; ++c) {
      double dot = 0.0;
      for (std::size_t r = j; r < m; ++r)
        dot += v[r - j] * q(r, c);
      const double f = 2.0 * dot / vnorm2;
      for (std::size_t r = j; r < m; ++r)
        q(r, c) -= f * v[r - j];
    }
    double dot = 0.0;
    for (std::size_t r = j; r < m; ++r)
      dot += v[r - j] * y[r];
    const double f = 2.0 * dot / vnorm2;
    for (std::size_t r = j; r < m; ++r)
      y[r] -= f * v[r - j];
  }
  std::vector<double> z(k, 0.0);
  double max_diag = 0.0;
  for (std::size_t j = 0; j < steps; ++j)
    max_diag = std::max(max_diag, std::abs(q(j, j)));
  for (std::size_t jj = steps; jj-- > 0;) {
    if (std::abs(q(jj, jj)) <= 1e-13 * max_diag) continue;
    double s = y[jj];
    for (std::size_t c = jj + 1; c < steps; ++c)
      s -= q(jj, c) * z[c];
    z[jj] = s / q(jj, jj);
  }
  return z;
}

double residual_norm(const Matrix& a, std::span<const double> x, std::span<const double> b) {
  double sum = 0.0;
  for (std::size_t r = 0; r < a.rows(); ++r) {
    double e = -b[r];
    for (std::size_t c = 0; c < a.cols(); ++c)
      e += a(r, c) * x[c];
    sum += e * e;
  }
  return std::sqrt(sum);
}

}  // namespace

NnlsResult nnls(const Matrix& a_in, std::span<const double> b, std::size_t max_iterations) {
  if (b.size() != a_in.rows())
    throw Error("right-hand side has " + std::to_string(b.size()) + " entries, expected " +
                    std::to_string(a_in.rows()) + " (one per matrix row)",
                "nnls");
  const std::size_t m = a_in.rows();
  const std::size_t n = a_in.cols();
  if (max_iterations == 0) max_iterations = 3 * n + 10;
  const std::vector<double> norms = column_norms(a_in);
  Matrix a(m, n);
  for (std::size_t r = 0; r < m; ++r)
    for (std::size_t c = 0; c < n; ++c)
      a(r, c) = norms[c] > 0 ? a_in(r, c) / norms[c] : 0.0;

  double b_norm = 0.0;
  for (double v : b)
    b_norm += v * v;
  b_norm = std::sqrt(b_norm);
  const double tol = 1e-12 * std::max(b_norm, std::numeric_limits<double>::min()) *
                     std::sqrt(static_cast<double>(std::max<std::size_t>(n, 1)));

  std::vector<double> x(n, 0.0);
  std::vector<bool> passive(n, false);
  std::vector<double> w(n);
  auto gradient = [&] {
    std::vector<double> resid(b.begin(), b.end());
    for (std::size_t r = 0; r < m; ++r)
      for (std::size_t c = 0; c < n; ++c)
        resid[r] -= a(r, c) * x[c];
    for (std::size_t c = 0; c < n; ++c) {
      w[c] = 0.0;
      for (std::size_t r = 0; r < m; ++r)
        w[c] += a(r, c) * resid[r];
    }
  };

  NnlsResult result;
  result.converged = true;
  gradient();
  while (true) {
    std::size_t t = n;
    double best = tol;
    for (std::size_t c = 0; c < n; ++c)
      if (!passive[c] && norms[c] > 0 && w[c] > best) {
        best = w[c];
        t = c;
      }
    if (t == n) break;
    if (result.iterations >= max_iterations) {
      result.converged = false;
      break;
    }
    ++result.iterations;
    passive[t] = true;
    while (true) {
      std::vector<std::size_t> cols;
      for (std::size_t c = 0; c < n; ++c)
        if (passive[c]) cols.push_back(c);
      const std::vector<double> z = least_squares(a, cols, b);
      bool feasible = true;
      for (double v : z)
        if (v <= 0) feasible = false;
      if (feasible) {
        std::fill(x.begin(), x.end(), 0.0);
        for (std::size_t j = 0; j < cols.size(); ++j)
          x[cols[j]] = z[j];
        break;
      }
      // Step from x towards z as far as stays feasible, then drop the columns that hit zero.
      double alpha = std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < cols.size(); ++j)
        if (z[j] <= 0) alpha = std::min(alpha, x[cols[j]] / (x[cols[j]] - z[j]));
      for (std::size_t j = 0; j < cols.size(); ++j)
        x[cols[j]] += alpha * (z[j] - x[cols[j]]);
      bool dropped = false;
      for (std::size_t j = 0; j < cols.size(); ++j)
        if (x[cols[j]] <= tol) {
          x[cols[j]] = 0.0;
          passive[cols[j]] = false;
          dropped = true;
        }
      if (!dropped) {
        // Rounding left every coordinate positive: drop the one alpha stopped at.
        std::size_t worst = cols.front();
        double worst_ratio = std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < cols.size(); ++j)
          if (z[j] <= 0 && x[cols[j]] < worst_ratio) {
            worst_ratio = x[cols[j]];
            worst = cols[j];
          }
        x[worst] = 0.0;
        passive[worst] = false;
      }
    }
    gradient();
  }
  for (std::size_t c = 0; c < n; ++c)
    x[c] = norms[c] > 0 ? x[c] / norms[c] : 0.0;
  result.residual_norm = residual_norm(a_in, x, b);
  result.x = std::move(x);
  return result;
}

DesignRank design_rank(const Matrix& a_in, double relative_tolerance) {
  const std::size_t m = a_in.rows();
  const std::size_t n = a_in.cols();
  const std::vector<double> norms = column_norms(a_in);
  // One-sided Jacobi (Hestenes): rotate column pairs of U = A D^-1 until all are orthogonal;
  // then the column norms are the singular values and V holds the right singular vectors. It
  // works on A itself, so a singular value of 1e-16 x the largest is resolved (the Gram matrix
  // would square it into rounding noise).
  Matrix u(m, n);
  for (std::size_t r = 0; r < m; ++r)
    for (std::size_t c = 0; c < n; ++c)
      u(r, c) = norms[c] > 0 ? a_in(r, c) / norms[c] : 0.0;
  Matrix v(n, n);
  for (std::size_t c = 0; c < n; ++c)
    v(c, c) = 1.0;
  constexpr double kEps = std::numeric_limits<double>::epsilon();
  for (int sweep = 0; sweep < 80; ++sweep) {
    bool rotated = false;
    for (std::size_t p = 0; p + 1 < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) {
        double alpha = 0, beta = 0, gamma = 0;
        for (std::size_t r = 0; r < m; ++r) {
          alpha += u(r, p) * u(r, p);
          beta += u(r, q) * u(r, q);
          gamma += u(r, p) * u(r, q);
        }
        if (gamma == 0.0 || std::abs(gamma) <= kEps * std::sqrt(alpha * beta)) continue;
        rotated = true;
        const double zeta = (beta - alpha) / (2.0 * gamma);
        const double t = (zeta >= 0 ? 1.0 : -1.0) / (std::abs(zeta) + std::sqrt(1.0 + zeta * zeta));
        const double cs = 1.0 / std::sqrt(1.0 + t * t);
        const double sn = cs * t;
        for (std::size_t r = 0; r < m; ++r) {
          const double up = u(r, p), uq = u(r, q);
          u(r, p) = cs * up - sn * uq;
          u(r, q) = sn * up + cs * uq;
        }
        for (std::size_t r = 0; r < n; ++r) {
          const double vp = v(r, p), vq = v(r, q);
          v(r, p) = cs * vp - sn * vq;
          v(r, q) = sn * vp + cs * vq;
        }
      }
    if (!rotated) break;
  }
  std::vector<double> sigma(n, 0.0);
  for (std::size_t c = 0; c < n; ++c) {
    for (std::size_t r = 0; r < m; ++r)
      sigma[c] += u(r, c) * u(r, c);
    sigma[c] = std::sqrt(sigma[c]);
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return sigma[x] > sigma[y]; });
  DesignRank out;
  const double largest = n > 0 ? sigma[order.front()] : 0.0;
  for (std::size_t i : order) {
    out.singular_values.push_back(sigma[i]);
    if (largest > 0 && sigma[i] > relative_tolerance * largest) {
      ++out.rank;
    } else {
      std::vector<double> dir(n);
      for (std::size_t r = 0; r < n; ++r)
        dir[r] = v(r, i);
      out.null_directions.push_back(std::move(dir));
    }
  }
  const double smallest = n > 0 ? sigma[order.back()] : 0.0;
  out.condition_number =
      out.rank == n && smallest > 0 ? largest / smallest : std::numeric_limits<double>::infinity();
  return out;
}

}  // namespace erg
