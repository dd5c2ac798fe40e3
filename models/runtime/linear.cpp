#include "models/runtime/linear.hpp"

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <string>

#include "core/error.hpp"
#include "models/runtime/avx2_reduce.hpp"
#include "models/runtime/simd_dispatch.hpp"

namespace erg::models::runtime {
namespace {

// Where the fp32 kernel puts the dot of stored row s with token t: y[t * stride + row], with
// the kept-row mapping of a row-pruned weight and the bias when there are any.
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

// Portable kernels: eight independent partial sums, a fixed summation order the compiler can
// vectorize with SSE.
float dot_f32_scalar(const float* w, const float* x, std::size_t n) {
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

float dot_i8_scalar(const std::int8_t* w, const float* x, std::size_t n) {
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

#if defined(__x86_64__) || defined(__i386__)
// AVX2 + FMA versions, chosen once at startup when the CPU has them (models_bench showed the
// SSE-only build at ~3 GMAC/s for int8 against ~9 for fp32).
__attribute__((target("avx2,fma"))) float dot_f32_avx2(const float* w, const float* x,
                                                       std::size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  std::size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j), _mm256_loadu_ps(x + j), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j + 8), _mm256_loadu_ps(x + j + 8), a1);
  }
  for (; j + 8 <= n; j += 8)
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + j), _mm256_loadu_ps(x + j), a0);
  float sum = hsum256(_mm256_add_ps(a0, a1));
  for (; j < n; ++j)
    sum += w[j] * x[j];
  return sum;
}

__attribute__((target("avx2,fma"))) float dot_i8_avx2(const std::int8_t* w, const float* x,
                                                      std::size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  std::size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + j));
    const __m256 w0 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q));
    const __m256 w1 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q, 8)));
    a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + j), a0);
    a1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + j + 8), a1);
  }
  float sum = hsum256(_mm256_add_ps(a0, a1));
  for (; j < n; ++j)
    sum += float(w[j]) * x[j];
  return sum;
}

// int4 with an even first column: 16 columns (8 bytes) per step; nibbles are split, put back in
// column order, sign-extended ((v ^ 8) - 8) and converted to fp32.
__attribute__((target("avx2,fma"))) float dot_i4_avx2(const std::uint8_t* row, const float* x,
                                                      std::size_t c0, std::size_t c1) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  const __m128i mask = _mm_set1_epi8(0x0f), eight = _mm_set1_epi8(8);
  std::size_t c = c0;
  for (; c + 16 <= c1; c += 16) {
    const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + c / 2));
    const __m128i lo = _mm_and_si128(b, mask);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), mask);
    const __m128i v = _mm_sub_epi8(_mm_xor_si128(_mm_unpacklo_epi8(lo, hi), eight), eight);
    const __m256 w0 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v));
    const __m256 w1 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(v, 8)));
    a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + c), a0);
    a1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + c + 8), a1);
  }
  float sum = hsum256(_mm256_add_ps(a0, a1));
  for (; c < c1; ++c) {
    const std::uint8_t byte = row[c / 2];
    const int q = (c % 2 == 0) ? (byte & 0x0f) : (byte >> 4);
    sum += float(q >= 8 ? q - 16 : q) * x[c];
  }
  return sum;
}

// The fp32 matmul kernel (linear_f32_blocks.inc), built for AVX2 (8 accumulator chains) and
// for AVX-512VL (16 chains: with 32 registers a 4-row x 4-token block keeps every accumulator,
// weight and x in registers, which made the 3-5 position verifier pass ~25% faster).
namespace avx2 {
#pragma GCC push_options
#pragma GCC target("avx2,fma")
constexpr int kMaxChains = 8;
#include "models/runtime/linear_f32_blocks.inc"
#pragma GCC pop_options
}  // namespace avx2

namespace avx512 {
#pragma GCC push_options
#pragma GCC target("avx2,fma,avx512f,avx512vl")
constexpr int kMaxChains = 16;
#include "models/runtime/linear_f32_blocks.inc"
#pragma GCC pop_options
}  // namespace avx512

#endif

using DotF32 = float (*)(const float*, const float*, std::size_t);
using DotI8 = float (*)(const std::int8_t*, const float*, std::size_t);
using DotI4 = float (*)(const std::uint8_t*, const float*, std::size_t, std::size_t);
using RowsF32 = void (*)(const float*, std::size_t, std::size_t, std::size_t, const float*,
                         std::size_t, const StoreRow&);

// The portable canonical dot is dot_f32_scalar, row by row.
void rows_f32_portable(const float* w, std::size_t ldw, std::size_t rows, std::size_t cols,
                       const float* x, std::size_t n, const StoreRow& store) {
  for (std::size_t s = 0; s < rows; ++s)
    for (std::size_t t = 0; t < n; ++t)
      store(s, t, dot_f32_scalar(w + s * ldw, x + t * cols, cols));
}
float dot_i4_portable(const std::uint8_t* row, const float* x, std::size_t c0, std::size_t c1);

// Runtime dispatch, resolved once; every caller (matvec and matmul alike) uses the same kernel,
// so batching never changes a result.
struct Kernels {
  DotF32 f32 = dot_f32_scalar;
  DotI8 i8 = dot_i8_scalar;
  DotI4 i4 = dot_i4_portable;
  RowsF32 rows_f32 = rows_f32_portable;
  Kernels() {
#if defined(__x86_64__) || defined(__i386__)
    if (use_avx2_fma()) {
      f32 = dot_f32_avx2;
      i8 = dot_i8_avx2;
      i4 = dot_i4_avx2;
      rows_f32 = use_avx512vl() ? avx512::rows_f32 : avx2::rows_f32;
    }
#endif
  }
};
const Kernels kKernels;

inline float dot_f32(const float* w, const float* x, std::size_t n) {
  return kKernels.f32(w, x, n);
}
inline float dot_i8(const std::int8_t* w, const float* x, std::size_t n) {
  return kKernels.i8(w, x, n);
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
float dot_i4_portable(const std::uint8_t* row, const float* x, std::size_t c0, std::size_t c1) {
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
    sum += dot_f32(buf, x + c, n);
    c += n;
  }
  if (c < c1) sum += nibble(row, c) * x[c];
  return sum;
}

inline float dot_i4(const std::uint8_t* row, const float* x, std::size_t c0, std::size_t c1) {
  if (c0 % 2 == 1) return dot_i4_portable(row, x, c0, c1);
  return kKernels.i4(row, x, c0, c1);
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

void dot_rows(const float* x, const float* rows, std::size_t stride, std::size_t count,
              std::size_t n, float* out) {
  const StoreRow store{out, 0, nullptr, nullptr};
  kKernels.rows_f32(rows, stride, count, n, x, 1, store);
}

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
    const bool kept = w.format == WeightFormat::kRows;
    if (w.precision == Precision::kFp32) {
      const StoreRow store{ys, w.rows, kept ? w.kept_rows.data() : nullptr,
                           has_bias ? w.bias.data() : nullptr};
      kKernels.rows_f32(w.f32.data(), w.cols, stored, w.cols, xs, n, store);
    } else {
      for (std::size_t s = 0; s < stored; ++s) {
        const std::size_t r = kept ? w.kept_rows[s] : s;
        const float b = has_bias ? w.bias[r] : 0.0f;
        for (std::size_t t = 0; t < n; ++t)
          ys[t * w.rows + r] = row_dot(w, s, xs + t * w.cols) + b;
      }
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
