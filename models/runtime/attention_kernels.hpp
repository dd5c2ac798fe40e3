#pragma once

#include <cstddef>

namespace erg::models::runtime {

// The two per-head loops of attention after the scores, vectorized with AVX2+FMA when
// use_avx2_fma() (chosen once per process) and portable otherwise. Each query position runs
// the same code whatever else is batched with it, so batched and one-at-a-time decoding agree
// bit for bit.

// s[t] <- exp(scale * s[t] - max) / sum, over n > 0 scores.
void softmax_scaled(float* s, std::size_t n, float scale);

// out[i] = sum over t < n of w[t] * v[t * stride + i], for i < dim.
void weighted_rows(const float* w, std::size_t n, const float* v, std::size_t stride,
                   std::size_t dim, float* out);

}  // namespace erg::models::runtime
