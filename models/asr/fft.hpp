#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

namespace erg::models::asr {

// In-place iterative radix-2 complex FFT in double precision (float32 FFTs, as in torchaudio,
// err by up to 5e-4 in the log energy of weak low mel bins), of a fixed power-of-two size, with the
// twiddles and the bit-reversal permutation computed once. transform() neither allocates nor
// throws.
class Fft {
 public:
  // Throws erg::Error unless size is a power of two >= 2.
  explicit Fft(std::size_t size);

  std::size_t size() const { return size_; }
  // X[k] = sum_n x[n] exp(-2 pi i k n / N); data.size() must equal size().
  void transform(std::span<std::complex<double>> data) const;

 private:
  std::size_t size_;
  std::vector<std::size_t> bit_reverse_;
  std::vector<std::complex<double>> twiddles_;  // exp(-2 pi i k / N), k < N/2
};

// Power spectrum |X[k]|^2, k = 0..N/2, of a real frame of power-of-two size N, through one
// complex FFT of size N/2 (even samples as real part, odd as imaginary) and a split step.
class RealPowerSpectrum {
 public:
  // Throws erg::Error unless size is a power of two >= 4.
  explicit RealPowerSpectrum(std::size_t size);

  std::size_t size() const { return size_; }
  std::size_t num_bins() const { return size_ / 2 + 1; }
  // frame.size() == size(), power.size() == num_bins(). No allocation.
  void compute(std::span<const double> frame, std::span<double> power);

 private:
  std::size_t size_;
  Fft half_;
  std::vector<std::complex<double>> scratch_;
  std::vector<std::complex<double>> split_twiddles_;  // exp(-2 pi i k / N), k <= N/2
};

}  // namespace erg::models::asr
