#pragma once

#include <cstddef>

namespace erg::models::runtime {

// x[i] = exp(x[i]) for n values. With AVX2+FMA (chosen once per process, like the matmul
// kernels) a Cephes-style polynomial, 8 lanes at a time, within 2 ulp of std::exp over the
// clamped range [-87.3, 88.7]; a ragged tail goes through the same polynomial, so a value's
// result never depends on its position or on n. Without AVX2, std::exp.
void exp_inplace(float* x, std::size_t n);

// y[i] = x[i] / (1 + exp(-x[i])) (SiLU) through the same exponential. y may alias x.
void silu(const float* x, float* y, std::size_t n);

}  // namespace erg::models::runtime
