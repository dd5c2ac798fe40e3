#include "models/runtime/linear.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace erg::models::runtime {
namespace {

// Eight independent partial sums: a fixed summation order the compiler can vectorize.
inline float dot_f32(const float* w, const float* x, std::size_t n) {
  float acc[8] = {};
  std::size_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int k = 0; k < 8; ++k)
      acc[k] += w[j + k] * x[j + k];
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; j < n; ++j)
    sum += w[j] * x[j];
  return sum;
}

inline float dot_i8(const std::int8_t* w, const float* x, std::size_t n) {
  float acc[8] = {};
  std::size_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int k = 0; k < 8; ++k)
      acc[k] += float(w[j + k]) * x[j + k];
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; j < n; ++j)
    sum += float(w[j]) * x[j];
  return sum;
}

inline float nibble(const std::uint8_t* packed, std::size_t k) {
  const std::uint8_t byte = packed[k / 2];
  const int v = (k % 2 == 0) ? (byte & 0x0f) : (byte >> 4);
  return float(v >= 8 ? v - 16 : v);
}

// int4 over columns [c0, c1) of a byte-aligned row; c0 is even except possibly at row start.
inline float dot_i4(const std::uint8_t* row, const float* x, std::size_t c0, std::size_t c1) {
  float acc0 = 0.0f, acc1 = 0.0f;
  std::size_t c = c0;
  if (c % 2 == 1 && c < c1) {
    acc1 += nibble(row, c) * x[c];
    ++c;
  }
  for (; c + 2 <= c1; c += 2) {
    const std::uint8_t byte = row[c / 2];
    const int lo = byte & 0x0f, hi = byte >> 4;
    acc0 += float(lo >= 8 ? lo - 16 : lo) * x[c];
    acc1 += float(hi >= 8 ? hi - 16 : hi) * x[c + 1];
  }
  if (c < c1) acc0 += nibble(row, c) * x[c];
  return acc0 + acc1;
}

// One output of a stored row s (dense/rows formats) for input vector x.
inline float row_dot(const Weight& w, std::size_t s, const float* x) {
  switch (w.precision) {
    case Precision::kInt8:
      return w.scales[s] * dot_i8(w.q8.data() + s * w.cols, x, w.cols);
    case Precision::kInt4: {
      const std::uint8_t* row = w.q4.data() + s * w.row_bytes_q4();
      const std::size_t g = w.groups();
      if (g == 1) return w.scales[s] * dot_i4(row, x, 0, w.cols);
      float sum = 0.0f;
      for (std::size_t k = 0; k < g; ++k) {
        const std::size_t c0 = k * w.group_size, c1 = std::min(w.cols, c0 + w.group_size);
        sum += w.scales[s * g + k] * dot_i4(row, x, c0, c1);
      }
      return sum;
    }
    default:
      return dot_f32(w.f32.data() + s * w.cols, x, w.cols);
  }
}

inline float csr_dot(const Weight& w, std::size_t r, const float* x) {
  const std::size_t k0 = w.row_ptr[r], k1 = w.row_ptr[r + 1];
  float sum = 0.0f;
  switch (w.precision) {
    case Precision::kInt8:
      for (std::size_t k = k0; k < k1; ++k)
        sum += float(w.q8[k]) * x[w.col_idx[k]];
      return w.scales[r] * sum;
    case Precision::kInt4:
      for (std::size_t k = k0; k < k1; ++k)
        sum += nibble(w.q4.data(), k) * x[w.col_idx[k]];
      return w.scales[r] * sum;
    default:
      for (std::size_t k = k0; k < k1; ++k)
        sum += w.f32[k] * x[w.col_idx[k]];
      return sum;
  }
}

}  // namespace

void matmul(const Weight& w, In x, Out y, const Probe& probe) {
  const std::size_t n = w.cols == 0 ? 0 : x.data.size() / w.cols;
  if (x.data.size() != n * w.cols || y.data.size() != n * w.rows) {
    throw Error("matmul shapes: x has " + std::to_string(x.data.size()) + ", y has " +
                    std::to_string(y.data.size()) + " values for a " + std::to_string(w.rows) +
                    "x" + std::to_string(w.cols) + " weight",
                w.name.empty() ? std::string("matmul") : w.name);
  }
  const float* xs = x.data.data();
  float* ys = y.data.data();
  const bool has_bias = !w.bias.empty();
  if (w.format == WeightFormat::kCsr) {
    for (std::size_t r = 0; r < w.rows; ++r)
      for (std::size_t t = 0; t < n; ++t)
        ys[t * w.rows + r] = csr_dot(w, r, xs + t * w.cols) + (has_bias ? w.bias[r] : 0.0f);
  } else {
    if (w.format == WeightFormat::kRows)
      for (std::size_t t = 0; t < n; ++t)
        for (std::size_t r = 0; r < w.rows; ++r)
          ys[t * w.rows + r] = has_bias ? w.bias[r] : 0.0f;
    const std::size_t stored = w.stored_rows();
    for (std::size_t s = 0; s < stored; ++s) {
      const std::size_t r = w.format == WeightFormat::kRows ? w.kept_rows[s] : s;
      for (std::size_t t = 0; t < n; ++t)
        ys[t * w.rows + r] = row_dot(w, s, xs + t * w.cols) + (has_bias ? w.bias[r] : 0.0f);
    }
  }
  if (probe.sink) {
    probe.read(w.address, w.stored_bytes(), w.tensor);
    probe.read(x.address, x.bytes(), x.tensor);
    probe.write(y.address, y.bytes(), y.tensor);
    probe.compute(std::uint64_t(w.nonzeros()) * n, w.precision);
  }
}

void matvec(const Weight& w, In x, Out y, const Probe& probe) {
  if (x.data.size() != w.cols || y.data.size() != w.rows) {
    throw Error("matvec shapes: x has " + std::to_string(x.data.size()) + ", y has " +
                    std::to_string(y.data.size()) + " values for a " + std::to_string(w.rows) +
                    "x" + std::to_string(w.cols) + " weight",
                w.name.empty() ? std::string("matvec") : w.name);
  }
  matmul(w, x, y, probe);
}

}  // namespace erg::models::runtime
