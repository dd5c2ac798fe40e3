#include "models/runtime/vector_exp.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "models/runtime/simd_dispatch.hpp"

namespace erg::models::runtime {
namespace {

#if defined(__x86_64__) || defined(__i386__)
// exp(x) = 2^k e^r with k = round(x log2 e) and |r| <= ln2 / 2; e^r from a degree-6 polynomial
// (the Cephes expf coefficients), ln 2 split in two so that r keeps its low bits.
__attribute__((target("avx2,fma"))) __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.7f));
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // 2^k: k + 127 in the exponent field (k is in [-126, 128] after the clamp).
  const __m256i e =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

__attribute__((target("avx2,fma"))) __m256 silu8(__m256 x) {
  const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), x));
  return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

// y = f(x), 8 lanes at a time; a ragged tail goes through f padded to 8 lanes.
template <__m256 (*F)(__m256)>
__attribute__((target("avx2,fma"))) void map8(const float* x, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, F(_mm256_loadu_ps(x + i)));
  if (i < n) {
    float tail[8] = {};
    std::memcpy(tail, x + i, (n - i) * sizeof(float));
    _mm256_storeu_ps(tail, F(_mm256_loadu_ps(tail)));
    std::memcpy(y + i, tail, (n - i) * sizeof(float));
  }
}
#endif

const bool kAvx2 = use_avx2_fma();

}  // namespace

void exp_inplace(float* x, std::size_t n) {
#if defined(__x86_64__) || defined(__i386__)
  if (kAvx2) return map8<exp8>(x, x, n);
#endif
  for (std::size_t i = 0; i < n; ++i)
    x[i] = std::exp(x[i]);
}

void silu(const float* x, float* y, std::size_t n) {
#if defined(__x86_64__) || defined(__i386__)
  if (kAvx2) return map8<silu8>(x, y, n);
#endif
  for (std::size_t i = 0; i < n; ++i)
    y[i] = x[i] / (1.0f + std::exp(-x[i]));
}

}  // namespace erg::models::runtime
