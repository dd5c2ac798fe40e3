#include "models/asr/fft.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>
#include <random>
#include <vector>

#include "core/error.hpp"

namespace erg::models::asr {
namespace {

// Reference: the DFT definition X[k] = sum_n x[n] exp(-2 pi i k n / N), in double.
std::vector<std::complex<double>> naive_dft(const std::vector<std::complex<double>>& x) {
  const std::size_t n = x.size();
  std::vector<std::complex<double>> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    std::complex<double> acc = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      const double angle =
          -2.0 * std::numbers::pi * static_cast<double>(k * j % n) / static_cast<double>(n);
      acc += std::complex<double>(x[j]) * std::polar(1.0, angle);
    }
    out[k] = acc;
  }
  return out;
}

TEST(AsrFft, MatchesNaiveDftOnRandomInput) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  for (std::size_t n : {2U, 4U, 8U, 64U, 512U}) {
    std::vector<std::complex<double>> x(n);
    for (auto& v : x)
      v = {dist(rng), dist(rng)};
    const auto expected = naive_dft(x);
    Fft fft(n);
    fft.transform(x);
    for (std::size_t k = 0; k < n; ++k) {
      // Both in double; rounding grows ~ log2(N) * eps * sqrt(N), so 1e-12 has ample margin.
      EXPECT_NEAR(x[k].real(), expected[k].real(), 1e-12 * n) << n << " bin " << k;
      EXPECT_NEAR(x[k].imag(), expected[k].imag(), 1e-12 * n) << n << " bin " << k;
    }
  }
}

TEST(AsrFft, ImpulseAndCosineHaveHandDerivedSpectra) {
  // A unit impulse at n = 0 has X[k] = 1 for every k.
  std::vector<std::complex<double>> x(16, 0.0);
  x[0] = 1.0;
  Fft(16).transform(x);
  for (const auto& v : x) {
    EXPECT_DOUBLE_EQ(v.real(), 1.0);
    EXPECT_NEAR(v.imag(), 0.0f, 1e-7);
  }
  // cos(2 pi 3 n / 16) = (e^{+} + e^{-}) / 2, so X[3] = X[13] = 16 / 2 = 8 and 0 elsewhere.
  for (std::size_t n = 0; n < 16; ++n) {
    x[n] = (std::cos(2.0 * std::numbers::pi * 3.0 * n / 16.0));
  }
  Fft(16).transform(x);
  for (std::size_t k = 0; k < 16; ++k) {
    const double expected = (k == 3 || k == 13) ? 8.0 : 0.0;
    EXPECT_NEAR(x[k].real(), expected, 1e-12) << k;
    EXPECT_NEAR(x[k].imag(), 0.0, 1e-12) << k;
  }
}

TEST(AsrFft, RealPowerSpectrumMatchesNaiveDft) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> dist(-1000.0, 1000.0);
  for (std::size_t n : {4U, 16U, 512U}) {
    std::vector<double> frame(n);
    std::vector<std::complex<double>> as_complex(n);
    for (std::size_t i = 0; i < n; ++i)
      as_complex[i] = frame[i] = dist(rng);
    const auto expected = naive_dft(as_complex);
    RealPowerSpectrum spectrum(n);
    std::vector<double> power(spectrum.num_bins());
    spectrum.compute(frame, power);
    ASSERT_EQ(power.size(), n / 2 + 1);
    for (std::size_t k = 0; k <= n / 2; ++k) {
      const double want = std::norm(expected[k]);
      // Relative to the frame's total power (Parseval), the scale of the rounding here.
      double total = 0.0;
      for (double v : frame)
        total += v * v;
      EXPECT_NEAR(power[k], want, 1e-12 * total * static_cast<double>(n)) << n << " bin " << k;
    }
  }
}

TEST(AsrFft, RejectsSizesThatAreNotPowersOfTwo) {
  EXPECT_THROW(Fft(0), Error);
  EXPECT_THROW(Fft(1), Error);
  EXPECT_THROW(Fft(400), Error);
  EXPECT_THROW(RealPowerSpectrum(2), Error);
  EXPECT_THROW(RealPowerSpectrum(400), Error);
}

}  // namespace
}  // namespace erg::models::asr
