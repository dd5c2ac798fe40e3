#include "models/asr/feature_normalizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace erg::models::asr {
namespace {

TEST(AsrFeatureNormalizer, SubtractsMeanAndDividesByStd) {
  const FeatureNormalizer norm({1.0f, -2.0f, 0.5f}, {2.0f, 4.0f, 0.25f}, "test");
  FeatureMatrix m(3);
  auto r0 = m.append_row();
  r0[0] = 5.0f;  // (5 - 1) / 2 = 2
  r0[1] = 2.0f;  // (2 + 2) / 4 = 1
  r0[2] = 0.0f;  // (0 - 0.5) / 0.25 = -2
  auto r1 = m.append_row();
  r1[0] = 1.0f;   // 0
  r1[1] = -6.0f;  // -1
  r1[2] = 1.0f;   // 2
  norm.apply(m);
  EXPECT_FLOAT_EQ(m.row(0)[0], 2.0f);
  EXPECT_FLOAT_EQ(m.row(0)[1], 1.0f);
  EXPECT_FLOAT_EQ(m.row(0)[2], -2.0f);
  EXPECT_FLOAT_EQ(m.row(1)[0], 0.0f);
  EXPECT_FLOAT_EQ(m.row(1)[1], -1.0f);
  EXPECT_FLOAT_EQ(m.row(1)[2], 2.0f);
}

TEST(AsrFeatureNormalizer, RejectsBadStatisticsNamingTheSource) {
  try {
    FeatureNormalizer({0.0f, 0.0f}, {1.0f}, "models/weights/asr-lstm.json");
    FAIL() << "expected erg::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "models/weights/asr-lstm.json");
    EXPECT_NE(std::string(e.what()).find("2 means but 1 standard deviations"), std::string::npos);
  }
  EXPECT_THROW(FeatureNormalizer({}, {}, "x"), Error);
  EXPECT_THROW(FeatureNormalizer({0.0f}, {0.0f}, "x"), Error);
  EXPECT_THROW(FeatureNormalizer({0.0f}, {-1.0f}, "x"), Error);
  EXPECT_THROW(FeatureNormalizer({std::nanf("")}, {1.0f}, "x"), Error);
  EXPECT_THROW(FeatureNormalizer({0.0f}, {std::numeric_limits<float>::infinity()}, "x"), Error);
}

TEST(AsrFeatureNormalizer, RejectsMismatchedFeatures) {
  const FeatureNormalizer norm({0.0f, 0.0f}, {1.0f, 1.0f}, "x");
  FeatureMatrix m(3);
  m.append_row();
  EXPECT_THROW(norm.apply(m), Error);
}

}  // namespace
}  // namespace erg::models::asr
