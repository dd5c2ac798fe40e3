#include "core/bootstrap.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.hpp"

namespace erg {
namespace {

// Three utterances: A 0 errors / 1 word, B 1 / 1, C 1 / 2 (WER 2/4 = 0.5 on the full sample).
// Derived by hand: a resample is a count vector (cA, cB, cC) summing to 3, with probability
// 3! / (cA! cB! cC!) / 27. The ratio (cB + cC) / (cA + cB + 2 cC) of each and its weight (/27):
//   (3,0,0) 0    1 | (2,0,1) 1/4  3 | (2,1,0) 1/3  3 | (1,0,2) 2/5  3 | (0,0,3) 1/2  1
//   (1,1,1) 1/2  6 | (0,1,2) 3/5  3 | (1,2,0) 2/3  3 | (0,2,1) 3/4  3 | (0,3,0) 1    1
// so the CDF (x27) is 1, 4, 7, 10, 17, 20, 23, 26, 27 at 0, 1/4, 1/3, 2/5, 1/2, 3/5, 2/3, 3/4, 1.
// Level 0.6 asks for the quantiles at 0.2 (5.4/27) and 0.8 (21.6/27): 1/3 and 2/3. Level 0.95
// asks for 0.025 (0.675/27) and 0.975 (26.325/27): 0 and 1. Each q sits at least 0.012 from a
// CDF step, 9 standard errors of the empirical CDF with 20,000 resamples, so the percentile
// endpoints equal these exactly.
const std::vector<double> kHandErrors = {0, 1, 1};
const std::vector<double> kHandWords = {1, 1, 2};

TEST(Bootstrap, HandDerivedThreeUtterances) {
  BootstrapOptions o;
  o.resamples = 20000;
  o.level = 0.6;
  const Interval mid = bootstrap_ratio(kHandErrors, kHandWords, o);
  EXPECT_DOUBLE_EQ(mid.value, 0.5);
  EXPECT_DOUBLE_EQ(mid.low, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(mid.high, 2.0 / 3.0);
  EXPECT_EQ(mid.samples, 3U);
  EXPECT_EQ(mid.resamples, 20000U);

  o.level = 0.95;
  const Interval wide = bootstrap_ratio(kHandErrors, kHandWords, o);
  EXPECT_DOUBLE_EQ(wide.low, 0.0);
  EXPECT_DOUBLE_EQ(wide.high, 1.0);
}

// Binomial(n, p) CDF, from the pmf recurrence P(x + 1) = P(x) (n - x) / (x + 1) p / (1 - p).
std::vector<double> binomial_cdf(int n, double p) {
  std::vector<double> cdf(std::size_t(n) + 1);
  double pmf = std::pow(1.0 - p, n), total = 0.0;
  for (int x = 0; x <= n; ++x) {
    total += pmf;
    cdf[std::size_t(x)] = total;
    pmf *= double(n - x) / double(x + 1) * p / (1.0 - p);
  }
  return cdf;
}

// inf{x : F(x) >= q}, as a fraction of n.
double binomial_quantile(const std::vector<double>& cdf, double q) {
  for (std::size_t x = 0; x < cdf.size(); ++x)
    if (cdf[x] >= q) return double(x) / double(cdf.size() - 1);
  return 1.0;
}

// n one-word utterances, k of them wrong: a resample's error count is Binomial(n, k/n), so the
// bootstrap distribution of the WER is Binomial(n, k/n) / n (the analytic reference).
TEST(Bootstrap, AnalyticBinomialCase) {
  constexpr int n = 100, k = 10;
  std::vector<double> errors(n, 0.0), words(n, 1.0);
  for (int i = 0; i < k; ++i)
    errors[std::size_t(i) * 7 % n] = 1.0;  // spread out; the order does not matter
  const BootstrapOptions o;                // 2000 resamples, level 0.95
  const Interval r = bootstrap_ratio(errors, words, o);
  EXPECT_DOUBLE_EQ(r.value, 0.1);
  EXPECT_EQ(r.resamples, 2000U);

  // The percentile endpoint from R resamples is the exact quantile at q +- a few standard
  // errors sqrt(q (1 - q) / R) of the empirical CDF; 4 of them.
  const auto cdf = binomial_cdf(n, 0.1);
  const double q_low = 0.025, q_high = 0.975;
  const double tol = 4.0 * std::sqrt(q_low * (1 - q_low) / double(o.resamples));
  EXPECT_GE(r.low, binomial_quantile(cdf, q_low - tol));
  EXPECT_LE(r.low, binomial_quantile(cdf, q_low + tol));
  EXPECT_GE(r.high, binomial_quantile(cdf, q_high - tol));
  EXPECT_LE(r.high, binomial_quantile(cdf, q_high + tol));
  // Here: low 0.04 or 0.05 (F(4) = 0.0237, F(5) = 0.0576), high 0.16 or 0.17.
  EXPECT_GE(r.low, 0.04);
  EXPECT_LE(r.low, 0.05);
  EXPECT_GE(r.high, 0.16);
  EXPECT_LE(r.high, 0.17);
  // And roughly the normal approximation p +- 1.96 sqrt(p (1 - p) / n) = [0.041, 0.159], within
  // the lattice step 1/n.
  const double half = 1.96 * std::sqrt(0.1 * 0.9 / n);
  EXPECT_NEAR(r.low, 0.1 - half, 1.0 / n + 1e-12);
  EXPECT_NEAR(r.high, 0.1 + half, 1.0 / n + 1e-12);

  // With many resamples the endpoints are the exact binomial quantiles (F(4) = 0.0237 lies 5
  // standard errors below 0.025 with 400,000 resamples).
  BootstrapOptions many;
  many.resamples = 400000;
  const Interval m = bootstrap_ratio(errors, words, many);
  EXPECT_DOUBLE_EQ(m.low, binomial_quantile(cdf, q_low));    // 0.05
  EXPECT_DOUBLE_EQ(m.high, binomial_quantile(cdf, q_high));  // 0.16
}

TEST(Bootstrap, PairedIdenticalIsExactlyZero) {
  const std::vector<double> a = {0, 2, 1, 3, 0, 1}, words = {3, 5, 2, 8, 1, 4};
  const Interval d = paired_bootstrap_difference(a, a, words);
  EXPECT_EQ(d.value, 0.0);
  EXPECT_EQ(d.low, 0.0);
  EXPECT_EQ(d.high, 0.0);
  EXPECT_EQ(d.samples, 6U);
  EXPECT_EQ(d.resamples, BootstrapOptions{}.resamples);
}

TEST(Bootstrap, PairedConstantShiftIsExact) {
  // b_i = a_i + c words_i: every resample's difference is c sum(words) / sum(words) = c.
  const std::vector<double> a = {0, 2, 1, 3, 0, 1}, words = {3, 5, 2, 8, 1, 4};
  std::vector<double> b;
  for (std::size_t i = 0; i < a.size(); ++i)
    b.push_back(a[i] + 0.5 * words[i]);
  const Interval d = paired_bootstrap_difference(a, b, words);
  EXPECT_DOUBLE_EQ(d.value, 0.5);
  EXPECT_DOUBLE_EQ(d.low, 0.5);
  EXPECT_DOUBLE_EQ(d.high, 0.5);
  // Equal word counts, one more error per utterance: 1 / words exactly.
  const std::vector<double> four(6, 4.0), a4 = {0, 1, 0, 2, 1, 0};
  std::vector<double> b4;
  for (const double x : a4)
    b4.push_back(x + 1.0);
  const Interval e = paired_bootstrap_difference(a4, b4, four);
  EXPECT_DOUBLE_EQ(e.low, 0.25);
  EXPECT_DOUBLE_EQ(e.high, 0.25);
}

TEST(Bootstrap, PairedIsNarrowerThanEitherAlone) {
  // b is a plus small independent noise: the utterance-to-utterance spread, which dominates
  // each WER's own interval, cancels in the paired difference.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> spread(0, 6), noise(0, 1);
  std::vector<double> a, b, words;
  for (int i = 0; i < 200; ++i) {
    words.push_back(10.0);
    a.push_back(double(spread(rng)));
    b.push_back(a.back() + double(noise(rng)));
  }
  const Interval ia = bootstrap_ratio(a, words), ib = bootstrap_ratio(b, words);
  const Interval d = paired_bootstrap_difference(a, b, words);
  const double paired = d.high - d.low;
  EXPECT_GT(paired, 0.0);
  EXPECT_LT(paired, 0.5 * (ia.high - ia.low));
  EXPECT_LT(paired, 0.5 * (ib.high - ib.low));
  // The unpaired difference of independent estimates would have width about
  // sqrt(wa^2 + wb^2); paired is far below it.
  EXPECT_LT(paired, 0.5 * std::hypot(ia.high - ia.low, ib.high - ib.low));
  EXPECT_LE(d.low, d.value);
  EXPECT_GE(d.high, d.value);
  EXPECT_GT(d.low, 0.0);  // b really is worse: the CI excludes 0
}

TEST(Bootstrap, SameSeedSameIntervalOtherSeedOther) {
  std::vector<double> e, w;
  for (int i = 0; i < 50; ++i) {
    e.push_back(double(i % 5));
    w.push_back(double(5 + i % 7));
  }
  const Interval x = bootstrap_ratio(e, w), y = bootstrap_ratio(e, w);
  EXPECT_EQ(x.low, y.low);
  EXPECT_EQ(x.high, y.high);
  BootstrapOptions other;
  other.seed = 1;
  const Interval z = bootstrap_ratio(e, w, other);
  EXPECT_TRUE(z.low != x.low || z.high != x.high);
  EXPECT_EQ(z.value, x.value);  // the estimate never depends on the resampling
}

TEST(Bootstrap, LengthMismatchAndBadLevelThrow) {
  const std::vector<double> two = {1, 2}, three = {1, 2, 3};
  EXPECT_THROW(bootstrap_ratio(two, three), Error);
  EXPECT_THROW(paired_bootstrap_difference(two, three, three), Error);
  EXPECT_THROW(paired_bootstrap_difference(three, two, three), Error);
  BootstrapOptions bad;
  bad.level = 1.0;
  EXPECT_THROW(bootstrap_ratio(three, three, bad), Error);
}

TEST(Bootstrap, EmptyAndZeroDenominators) {
  const Interval empty = bootstrap_ratio({}, {});
  EXPECT_TRUE(std::isnan(empty.value));
  EXPECT_TRUE(std::isnan(empty.low) && std::isnan(empty.high));
  EXPECT_EQ(empty.resamples, 0U);
  EXPECT_EQ(empty.samples, 0U);
  EXPECT_EQ(paired_bootstrap_difference({}, {}, {}).resamples, 0U);

  // Every denominator 0: no resample has a ratio.
  const std::vector<double> zeros = {0, 0}, ones = {1, 1};
  const Interval none = bootstrap_ratio(ones, zeros);
  EXPECT_TRUE(std::isnan(none.value));
  EXPECT_EQ(none.resamples, 0U);

  // One unit of two has denominator 0: a resample drawing it twice (probability 1/4) is skipped,
  // and the rest all give 1 / 1 = 1 (from {1/1, 1/1 + 0}).
  const std::vector<double> num = {1, 0}, den = {1, 0};
  const Interval some = bootstrap_ratio(num, den);
  EXPECT_DOUBLE_EQ(some.value, 1.0);
  EXPECT_DOUBLE_EQ(some.low, 1.0);
  EXPECT_DOUBLE_EQ(some.high, 1.0);
  EXPECT_GT(some.resamples, 1300U);  // about 1500 of 2000
  EXPECT_LT(some.resamples, 1700U);
}

}  // namespace
}  // namespace erg
