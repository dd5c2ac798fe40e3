#include "profiler/statistics.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.hpp"

namespace erg::profiler {
namespace {

// {2, 4, 4, 4, 5, 5, 7, 9}: mean 5, sum of squares 32, sample stddev sqrt(32/7) = 2.13809.
// t(0.975, 7) = 2.364624 (standard t tables), so the half width is
// 2.364624 x 2.138090 / 2.828427 = 1.787488.
TEST(Statistics, MeanStddevAndStudentTInterval) {
  const double values[] = {2, 4, 4, 4, 5, 5, 7, 9};
  const auto s = summarize(values);
  EXPECT_EQ(s.n, 8u);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.stddev, std::sqrt(32.0 / 7.0), 1e-12);
  ASSERT_TRUE(s.ci95_low && s.ci95_high);
  EXPECT_NEAR(*s.ci95_high - 5.0, 1.787488, 1e-5);
  EXPECT_NEAR(5.0 - *s.ci95_low, 1.787488, 1e-5);
  EXPECT_NEAR(*s.cv, std::sqrt(32.0 / 7.0) / 5.0, 1e-12);
  EXPECT_TRUE(s.high_cv);
}

// Two samples: t(0.975, 1) = 12.7062; {10, 10.1}: stddev 0.0707107, half width
// 12.7062 x 0.0707107 / sqrt(2) = 0.635310. CV 0.7% is below the 5% warning.
TEST(Statistics, TwoSamplesUseOneDegreeOfFreedom) {
  const double values[] = {10.0, 10.1};
  const auto s = summarize(values);
  EXPECT_NEAR(*s.ci95_high - s.mean, 0.635310, 1e-5);
  EXPECT_FALSE(s.high_cv);
}

TEST(Statistics, SingleSampleHasNoIntervalAndEmptyIsAnError) {
  const double one[] = {3.0};
  const auto s = summarize(one);
  EXPECT_EQ(s.stddev, 0.0);
  EXPECT_FALSE(s.ci95_low.has_value());
  EXPECT_EQ(to_json(s)["ci95_low"], nullptr);
  EXPECT_THROW(summarize(std::span<const double>{}), Error);
  const double zeros[] = {0.0, 0.0};
  EXPECT_FALSE(summarize(zeros).cv.has_value());
}

}  // namespace
}  // namespace erg::profiler
