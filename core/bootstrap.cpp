#include "core/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace erg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Uniform index in [0, n) by rejection, so the draws (and so every interval) are the same with
// any standard library: std::uniform_int_distribution's algorithm is implementation-defined,
// std::mt19937_64's output sequence is not.
std::size_t draw_index(std::mt19937_64& rng, std::size_t n) {
  const std::uint64_t range = std::uint64_t(n);
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % range;
  for (;;) {
    const std::uint64_t x = rng();
    if (x < limit) return std::size_t(x % range);
  }
}

double sum(std::span<const double> v) {
  double s = 0.0;
  for (const double x : v)
    s += x;
  return s;
}

void check_options(const BootstrapOptions& options, const char* where) {
  if (!(options.level > 0.0 && options.level < 1.0))
    throw Error(
        "bootstrap level must lie strictly between 0 and 1, got " + std::to_string(options.level),
        where);
}

// The percentile interval of the resampled statistics: the inverse empirical CDF at
// (1 - level) / 2 and (1 + level) / 2, i.e. the ceil(q R)-th smallest of R values. Endpoints are
// always values some resample took, and for a discrete bootstrap distribution they converge to
// its exact quantiles inf{x : F(x) >= q} as R grows.
void percentile_interval(std::vector<double>& stats, double level, Interval& out) {
  out.resamples = stats.size();
  if (stats.empty()) {
    out.low = out.high = kNaN;
    return;
  }
  std::sort(stats.begin(), stats.end());
  const double r = double(stats.size());
  auto at = [&](double q) {
    // The tolerance keeps q R = 50 from rounding up to 51 when 0.025 is not exact in binary.
    const double rank = std::ceil(q * r - 1e-9);
    return stats[std::size_t(std::clamp(rank, 1.0, r)) - 1];
  };
  out.low = at((1.0 - level) / 2.0);
  out.high = at((1.0 + level) / 2.0);
}

}  // namespace

Interval bootstrap_ratio(std::span<const double> numerator, std::span<const double> denominator,
                         const BootstrapOptions& options) {
  if (numerator.size() != denominator.size())
    throw Error("bootstrap_ratio: " + std::to_string(numerator.size()) + " numerators but " +
                    std::to_string(denominator.size()) + " denominators",
                "bootstrap_ratio");
  check_options(options, "bootstrap_ratio");
  const std::size_t n = numerator.size();
  Interval out;
  out.samples = n;
  const double den = sum(denominator);
  out.value = n == 0 || den == 0.0 ? kNaN : sum(numerator) / den;
  std::vector<double> stats;
  if (n > 0) {
    stats.reserve(options.resamples);
    std::mt19937_64 rng(options.seed);
    for (std::size_t r = 0; r < options.resamples; ++r) {
      double num_r = 0.0, den_r = 0.0;
      for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = draw_index(rng, n);
        num_r += numerator[i];
        den_r += denominator[i];
      }
      if (den_r != 0.0) stats.push_back(num_r / den_r);  // a ratio exists only here
    }
  }
  percentile_interval(stats, options.level, out);
  return out;
}

Interval paired_bootstrap_difference(std::span<const double> numerator_a,
                                     std::span<const double> numerator_b,
                                     std::span<const double> denominator,
                                     const BootstrapOptions& options) {
  if (numerator_a.size() != denominator.size() || numerator_b.size() != denominator.size())
    throw Error("paired_bootstrap_difference: " + std::to_string(numerator_a.size()) + " and " +
                    std::to_string(numerator_b.size()) + " numerators for " +
                    std::to_string(denominator.size()) + " denominators (one each per unit)",
                "paired_bootstrap_difference");
  // The paired difference is the ratio bootstrap of the per-unit differences: one index set
  // per resample applies to both numerators by construction.
  std::vector<double> difference(denominator.size());
  for (std::size_t i = 0; i < difference.size(); ++i)
    difference[i] = numerator_b[i] - numerator_a[i];
  return bootstrap_ratio(difference, denominator, options);
}

}  // namespace erg
