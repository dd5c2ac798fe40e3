#include "models/runtime/linear.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <string>
#include <type_traits>

#include "core/error.hpp"
#include "models/runtime/simd_dispatch.hpp"

namespace erg::models::runtime {
namespace {

// Where the matmul kernel puts the (scaled) dot of stored row s with token t: y[t * stride + row],
// with the kept-row mapping of a row-pruned weight and the bias when there are any.
struct StoreRow {
  float* y;
  std::size_t stride;
  const std::uint32_t* row_of;  // null: stored row s is output row s
  const float* bias;            // null: no bias
  void operator()(std::size_t s, std::size_t t, float v) const {
    const std::size_t r = row_of ? row_of[s] : s;
    y[t * stride + r] = bias ? v + bias[r] : v;
  }
};

// Scale of each stored row's dot: none (fp32), one per row (groups == 1) or one per group of
// group_cols columns ([stored row][group]).
struct Scales {
  const float* scale = nullptr;
  std::size_t groups = 1;
  std::size_t group_cols = 0;
};

// Portable kernels: eight independent partial sums, a fixed summation order the compiler can
// vectorize with SSE.
template <class E>
float dot_scalar(const E* w, const float* x, std::size_t n) {
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

// Signed value of each 4-bit code.
constexpr float kNibble[16] = {0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1};

// int4 over columns [c0, c1) of a byte-aligned row: unpack 64 columns at a time through a
// lookup table into fp32, then the fp32 dot product.
float dot_i4_scalar(const std::uint8_t* row, const float* x, std::size_t c0, std::size_t c1) {
  float buf[64];
  float sum = 0.0f;
  std::size_t c = c0;
  if (c % 2 == 1 && c < c1) {
    sum += nibble(row, c) * x[c];
    ++c;
  }
  while (c + 2 <= c1) {
    const std::size_t n = std::min<std::size_t>(64, (c1 - c) & ~std::size_t{1});
    const std::uint8_t* bytes = row + c / 2;
    for (std::size_t j = 0; j < n / 2; ++j) {
      buf[2 * j] = kNibble[bytes[j] & 0x0f];
      buf[2 * j + 1] = kNibble[bytes[j] >> 4];
    }
    sum += dot_scalar(buf, x + c, n);
    c += n;
  }
  if (c < c1) sum += nibble(row, c) * x[c];
  return sum;
}

// Portable matmul kernels, row by row with the scalar dot products.
void rows_f32_portable(const float* w, std::size_t ldw, std::size_t rows, std::size_t cols,
                       const float* x, std::size_t n, const Scales&, const StoreRow& store) {
  for (std::size_t s = 0; s < rows; ++s)
    for (std::size_t t = 0; t < n; ++t)
      store(s, t, dot_scalar(w + s * ldw, x + t * cols, cols));
}
void rows_i8_portable(const std::int8_t* w, std::size_t ldw, std::size_t rows, std::size_t cols,
                      const float* x, std::size_t n, const Scales& sc, const StoreRow& store) {
  for (std::size_t s = 0; s < rows; ++s)
    for (std::size_t t = 0; t < n; ++t)
      store(s, t, sc.scale[s] * dot_scalar(w + s * ldw, x + t * cols, cols));
}
void rows_i4_portable(const std::uint8_t* w, std::size_t ldw, std::size_t rows, std::size_t cols,
                      const float* x, std::size_t n, const Scales& sc, const StoreRow& store) {
  for (std::size_t s = 0; s < rows; ++s)
    for (std::size_t t = 0; t < n; ++t) {
      const std::uint8_t* row = w + s * ldw;
      const float* xt = x + t * cols;
      if (sc.groups == 1) {
        store(s, t, sc.scale[s] * dot_i4_scalar(row, xt, 0, cols));
        continue;
      }
      float sum = 0.0f;
      for (std::size_t k = 0; k < sc.groups; ++k) {
        const std::size_t c0 = k * sc.group_cols, c1 = std::min(cols, c0 + sc.group_cols);
        sum += sc.scale[s * sc.groups + k] * dot_i4_scalar(row, xt, c0, c1);
      }
      store(s, t, sum);
    }
}

#if defined(__x86_64__) || defined(__i386__)
// The matmul kernel (linear_blocks.inc), built for AVX2 (8 accumulator chains) and for
// AVX-512VL (16 chains: with 32 registers a 4-row x 4-token block keeps every accumulator,
// weight and x in registers, which made the 3-5 position verifier pass ~25% faster).
namespace avx2 {
#pragma GCC push_options
#pragma GCC target("avx2,fma")
constexpr int kMaxChains = 8;
#include "models/runtime/linear_blocks.inc"
#pragma GCC pop_options
}  // namespace avx2

namespace avx512 {
#pragma GCC push_options
#pragma GCC target("avx2,fma,avx512f,avx512vl")
constexpr int kMaxChains = 16;
#include "models/runtime/linear_blocks.inc"
#pragma GCC pop_options
}  // namespace avx512
#endif

// Portable CSR dot: the kept values in order.
template <class E>
float csr_dot_scalar(const E* values, const std::uint16_t* col_idx, std::size_t k0, std::size_t k1,
                     const float* x) {
  float sum = 0.0f;
  for (std::size_t k = k0; k < k1; ++k) {
    if constexpr (std::is_same_v<E, std::uint8_t>)
      sum += nibble(values, k) * x[col_idx[k]];
    else
      sum += float(values[k]) * x[col_idx[k]];
  }
  return sum;
}

template <class E>
using Rows = void (*)(const E*, std::size_t, std::size_t, std::size_t, const float*, std::size_t,
                      const Scales&, const StoreRow&);
template <class E>
using CsrDot = float (*)(const E*, const std::uint16_t*, std::size_t, std::size_t, const float*);

// Runtime dispatch, resolved once; every caller (matvec and matmul alike) uses the same kernel,
// so batching never changes a result.
struct Kernels {
  Rows<float> f32 = rows_f32_portable;
  Rows<std::int8_t> i8 = rows_i8_portable;
  Rows<std::uint8_t> i4 = rows_i4_portable;
  CsrDot<float> csr_f32 = csr_dot_scalar<float>;
  CsrDot<std::int8_t> csr_i8 = csr_dot_scalar<std::int8_t>;
  CsrDot<std::uint8_t> csr_i4 = csr_dot_scalar<std::uint8_t>;
  Kernels() {
#if defined(__x86_64__) || defined(__i386__)
    if (use_avx2_fma()) {
      const bool wide = use_avx512vl();
      f32 = wide ? avx512::rows<avx512::F32> : avx2::rows<avx2::F32>;
      i8 = wide ? avx512::rows<avx512::I8> : avx2::rows<avx2::I8>;
      i4 = wide ? avx512::rows<avx512::I4> : avx2::rows<avx2::I4>;
      csr_f32 = wide ? avx512::csr_dot<avx512::F32> : avx2::csr_dot<avx2::F32>;
      csr_i8 = wide ? avx512::csr_dot<avx512::I8> : avx2::csr_dot<avx2::I8>;
      csr_i4 = wide ? avx512::csr_dot<avx512::I4> : avx2::csr_dot<avx2::I4>;
    }
#endif
  }
};
const Kernels kKernels;

// Dense/rows formats: every stored row against n tokens.
void dense_rows(const Weight& w, const float* xs, std::size_t n, const StoreRow& store) {
  const std::size_t stored = w.stored_rows();
  switch (w.precision) {
    case Precision::kInt8:
      kKernels.i8(w.q8.data(), w.cols, stored, w.cols, xs, n, {w.scales.data(), 1, w.cols}, store);
      return;
    case Precision::kInt4: {
      const Scales sc{w.scales.data(), w.groups(), w.groups() == 1 ? w.cols : w.group_size};
      // The vector kernel scales whole 8-column chunks per group; other group sizes take the
      // portable kernel (row by row, much slower).
      const auto kernel = sc.groups == 1 || sc.group_cols % 8 == 0 ? kKernels.i4 : rows_i4_portable;
      kernel(w.q4.data(), w.row_bytes_q4(), stored, w.cols, xs, n, sc, store);
      return;
    }
    default:
      kKernels.f32(w.f32.data(), w.cols, stored, w.cols, xs, n, {}, store);
  }
}

inline float csr_dot(const Weight& w, std::size_t r, const float* x) {
  const std::size_t k0 = w.row_ptr[r], k1 = w.row_ptr[r + 1];
  const std::uint16_t* idx = w.col_idx.data();
  switch (w.precision) {
    case Precision::kInt8:
      return w.scales[r] * kKernels.csr_i8(w.q8.data(), idx, k0, k1, x);
    case Precision::kInt4:
      return w.scales[r] * kKernels.csr_i4(w.q4.data(), idx, k0, k1, x);
    default:
      return kKernels.csr_f32(w.f32.data(), idx, k0, k1, x);
  }
}

}  // namespace

void dot_rows(const float* x, const float* rows, std::size_t stride, std::size_t count,
              std::size_t n, float* out) {
  const StoreRow store{out, 0, nullptr, nullptr};
  kKernels.f32(rows, stride, count, n, x, 1, {}, store);
}

void matmul(const Weight& w, In x, Out y, const Probe& probe) {
  // Tokens: from x, or from y for a weight without columns (its outputs are the bias).
  const std::size_t n = w.cols != 0   ? x.data.size() / w.cols
                        : w.rows != 0 ? y.data.size() / w.rows
                                      : 0;
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
    const StoreRow store{ys, w.rows, w.format == WeightFormat::kRows ? w.kept_rows.data() : nullptr,
                         has_bias ? w.bias.data() : nullptr};
    dense_rows(w, xs, n, store);
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
