#include "core/units.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace erg::units {
namespace {

TEST(Units, ConvertsEnergyBetweenPicojoulesAndJoules) {
  EXPECT_DOUBLE_EQ(pj_to_j(1e12), 1.0);
  EXPECT_DOUBLE_EQ(j_to_pj(2.5), 2.5e12);
  EXPECT_DOUBLE_EQ(uj_to_j(1500.0), 1.5e-3);
  EXPECT_DOUBLE_EQ(pj_to_uj(3.0e6), 3.0);
}

TEST(Units, PowerOfEmptyIntervalIsZeroNotInfinite) {
  EXPECT_DOUBLE_EQ(power_w(10.0, 2.0), 5.0);
  EXPECT_DOUBLE_EQ(power_w(10.0, 0.0), 0.0);
}

TEST(Units, FormatsWithNearestSiPrefix) {
  EXPECT_EQ(format_energy(3.1e-6), "3.10 uJ");
  EXPECT_EQ(format_energy(412e-12), "412 pJ");
  EXPECT_EQ(format_energy(1.25), "1.25 J");
  EXPECT_EQ(format_energy(0.0), "0.00 J");
  EXPECT_EQ(format_power(0.31), "310 mW");
  EXPECT_EQ(format_time(0.0012), "1.20 ms");
}

TEST(Units, FormatsBytesInBinaryUnits) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(32 * kKiB), "32 KiB");
  EXPECT_EQ(format_bytes(3 * kMiB / 2), "1.50 MiB");
}

TEST(Units, ParsesByteSizes) {
  EXPECT_EQ(parse_bytes("512"), 512u);
  EXPECT_EQ(parse_bytes("32K"), 32 * kKiB);
  EXPECT_EQ(parse_bytes("32KiB"), 32 * kKiB);
  EXPECT_EQ(parse_bytes("1 MiB"), kMiB);
  EXPECT_EQ(parse_bytes("2G"), 2 * kGiB);
}

TEST(Units, RejectsMalformedByteSizesNamingTheText) {
  for (const char* bad : {"", "abc", "12 parsecs", "-3K", "99999999999999999999"}) {
    try {
      parse_bytes(bad);
      FAIL() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace erg::units
