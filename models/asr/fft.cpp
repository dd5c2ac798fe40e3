#include "models/asr/fft.hpp"

#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace erg::models::asr {
namespace {

bool is_power_of_two(std::size_t n) {
  return n != 0 && (n & (n - 1)) == 0;
}

}  // namespace

Fft::Fft(std::size_t size) : size_(size) {
  if (size < 2 || !is_power_of_two(size)) {
    throw Error("FFT size " + std::to_string(size) + " is not a power of two >= 2", "Fft");
  }
  std::size_t log2_size = 0;
  while ((std::size_t{1} << log2_size) < size)
    ++log2_size;
  bit_reverse_.resize(size);
  for (std::size_t i = 0; i < size; ++i) {
    std::size_t r = 0;
    for (std::size_t b = 0; b < log2_size; ++b)
      r |= ((i >> b) & 1U) << (log2_size - 1 - b);
    bit_reverse_[i] = r;
  }
  twiddles_.resize(size / 2);
  for (std::size_t k = 0; k < size / 2; ++k) {
    const double angle =
        -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(size);
    twiddles_[k] = {std::cos(angle), std::sin(angle)};
  }
}

void Fft::transform(std::span<std::complex<double>> data) const {
  for (std::size_t i = 0; i < size_; ++i) {
    if (i < bit_reverse_[i]) std::swap(data[i], data[bit_reverse_[i]]);
  }
  // Plain doubles (std::complex<T> is array-compatible with T[2]): building std::complex
  // values here made the compiler spill halves to the stack and reload them as one 16-byte
  // value, a store-forwarding stall that cost ~5x.
  double* d = reinterpret_cast<double*>(data.data());
  const double* tw = reinterpret_cast<const double*>(twiddles_.data());
  for (std::size_t half = 1; half < size_; half *= 2) {
    const std::size_t stride = size_ / (2 * half);  // twiddle index step for this stage
    for (std::size_t start = 0; start < size_; start += 2 * half) {
      double* a = d + 2 * start;
      double* b = d + 2 * (start + half);
      for (std::size_t j = 0; j < half; ++j) {
        const double w_re = tw[2 * j * stride];
        const double w_im = tw[2 * j * stride + 1];
        const double b_re = b[2 * j];
        const double b_im = b[2 * j + 1];
        const double wb_re = w_re * b_re - w_im * b_im;
        const double wb_im = w_re * b_im + w_im * b_re;
        const double a_re = a[2 * j];
        const double a_im = a[2 * j + 1];
        a[2 * j] = a_re + wb_re;
        a[2 * j + 1] = a_im + wb_im;
        b[2 * j] = a_re - wb_re;
        b[2 * j + 1] = a_im - wb_im;
      }
    }
  }
}

RealPowerSpectrum::RealPowerSpectrum(std::size_t size)
    : size_(size), half_(size >= 4 && is_power_of_two(size) ? size / 2 : 2) {
  if (size < 4 || !is_power_of_two(size)) {
    throw Error("real FFT size " + std::to_string(size) + " is not a power of two >= 4",
                "RealPowerSpectrum");
  }
  scratch_.resize(size / 2);
  split_twiddles_.resize(size / 2 + 1);
  for (std::size_t k = 0; k <= size / 2; ++k) {
    const double angle =
        -2.0 * std::numbers::pi * static_cast<double>(k) / static_cast<double>(size);
    split_twiddles_[k] = {std::cos(angle), std::sin(angle)};
  }
}

void RealPowerSpectrum::compute(std::span<const double> frame, std::span<double> power) {
  const std::size_t half = size_ / 2;
  for (std::size_t n = 0; n < half; ++n)
    scratch_[n] = {frame[2 * n], frame[2 * n + 1]};
  half_.transform(scratch_);
  // With Z = FFT(z), z[n] = x[2n] + i x[2n+1]:  E[k] = (Z[k] + conj(Z[N/2-k])) / 2 (even part),
  // O[k] = (Z[k] - conj(Z[N/2-k])) / 2i (odd part), X[k] = E[k] + exp(-2 pi i k / N) O[k].
  for (std::size_t k = 0; k <= half; ++k) {
    const std::complex<double> zk = scratch_[k == half ? 0 : k];
    const std::complex<double> zc = std::conj(scratch_[k == 0 ? 0 : half - k]);
    const double even_re = 0.5 * (zk.real() + zc.real());
    const double even_im = 0.5 * (zk.imag() + zc.imag());
    // (zk - zc) / 2i = (im, -re) / 2
    const double odd_re = 0.5 * (zk.imag() - zc.imag());
    const double odd_im = -0.5 * (zk.real() - zc.real());
    const std::complex<double> w = split_twiddles_[k];
    const double re = even_re + w.real() * odd_re - w.imag() * odd_im;
    const double im = even_im + w.real() * odd_im + w.imag() * odd_re;
    power[k] = re * re + im * im;
  }
}

}  // namespace erg::models::asr
