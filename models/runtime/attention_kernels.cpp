#include "models/runtime/attention_kernels.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "models/runtime/avx2_reduce.hpp"
#include "models/runtime/simd_dispatch.hpp"
#include "models/runtime/vector_exp.hpp"

namespace erg::models::runtime {
namespace {

void softmax_portable(float* s, std::size_t n, float scale) {
  float mx = -INFINITY;
  for (std::size_t t = 0; t < n; ++t) {
    s[t] *= scale;
    mx = std::max(mx, s[t]);
  }
  for (std::size_t t = 0; t < n; ++t)
    s[t] -= mx;
  exp_inplace(s, n);
  float sum = 0.0f;
  for (std::size_t t = 0; t < n; ++t)
    sum += s[t];
  const float inv = 1.0f / sum;
  for (std::size_t t = 0; t < n; ++t)
    s[t] *= inv;
}

__attribute__((target("avx2,fma"))) void softmax_avx2(float* s, std::size_t n, float scale) {
  const __m256 vs = _mm256_set1_ps(scale);
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  std::size_t t = 0;
  for (; t + 8 <= n; t += 8) {
    const __m256 x = _mm256_mul_ps(_mm256_loadu_ps(s + t), vs);
    _mm256_storeu_ps(s + t, x);
    vmax = _mm256_max_ps(vmax, x);
  }
  float mx = hmax256(vmax);
  for (; t < n; ++t) {
    s[t] *= scale;
    mx = std::max(mx, s[t]);
  }
  const __m256 vm = _mm256_set1_ps(mx);
  for (t = 0; t + 8 <= n; t += 8)
    _mm256_storeu_ps(s + t, _mm256_sub_ps(_mm256_loadu_ps(s + t), vm));
  for (; t < n; ++t)
    s[t] -= mx;
  exp_inplace(s, n);
  __m256 vsum = _mm256_setzero_ps();
  for (t = 0; t + 8 <= n; t += 8)
    vsum = _mm256_add_ps(vsum, _mm256_loadu_ps(s + t));
  float sum = hsum256(vsum);
  for (; t < n; ++t)
    sum += s[t];
  const __m256 inv = _mm256_set1_ps(1.0f / sum);
  for (t = 0; t + 8 <= n; t += 8)
    _mm256_storeu_ps(s + t, _mm256_mul_ps(_mm256_loadu_ps(s + t), inv));
  for (; t < n; ++t)
    s[t] *= 1.0f / sum;
}

void weighted_rows_portable(const float* w, std::size_t n, const float* v, std::size_t stride,
                            std::size_t dim, float* out) {
  for (std::size_t i = 0; i < dim; ++i)
    out[i] = 0.0f;
  for (std::size_t t = 0; t < n; ++t) {
    const float* row = v + t * stride;
    for (std::size_t i = 0; i < dim; ++i)
      out[i] += w[t] * row[i];
  }
}

// Eight output lanes per accumulator, two positions in flight (separate accumulators, added
// at the end) so the FMA latency chain does not bound the loop.
template <std::size_t kVecs>
__attribute__((target("avx2,fma"))) void weighted_rows_avx2(const float* w, std::size_t n,
                                                            const float* v, std::size_t stride,
                                                            float* out) {
  __m256 a[kVecs], b[kVecs];
  for (std::size_t j = 0; j < kVecs; ++j)
    a[j] = b[j] = _mm256_setzero_ps();
  std::size_t t = 0;
  for (; t + 2 <= n; t += 2) {
    const __m256 w0 = _mm256_broadcast_ss(w + t), w1 = _mm256_broadcast_ss(w + t + 1);
    const float* r0 = v + t * stride;
    const float* r1 = r0 + stride;
    for (std::size_t j = 0; j < kVecs; ++j) {
      a[j] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(r0 + 8 * j), a[j]);
      b[j] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(r1 + 8 * j), b[j]);
    }
  }
  if (t < n) {
    const __m256 w0 = _mm256_broadcast_ss(w + t);
    const float* r0 = v + t * stride;
    for (std::size_t j = 0; j < kVecs; ++j)
      a[j] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(r0 + 8 * j), a[j]);
  }
  for (std::size_t j = 0; j < kVecs; ++j)
    _mm256_storeu_ps(out + 8 * j, _mm256_add_ps(a[j], b[j]));
}

}  // namespace

void softmax_scaled(float* s, std::size_t n, float scale) {
  if (use_avx2_fma())
    softmax_avx2(s, n, scale);
  else
    softmax_portable(s, n, scale);
}

void weighted_rows(const float* w, std::size_t n, const float* v, std::size_t stride,
                   std::size_t dim, float* out) {
  if (use_avx2_fma()) {
    switch (dim) {
      case 16:
        return weighted_rows_avx2<2>(w, n, v, stride, out);
      case 32:
        return weighted_rows_avx2<4>(w, n, v, stride, out);
      case 64:
        return weighted_rows_avx2<8>(w, n, v, stride, out);
      default:
        break;
    }
  }
  weighted_rows_portable(w, n, v, stride, dim, out);
}

}  // namespace erg::models::runtime
