#pragma once

#include "models/runtime/probe.hpp"
#include "models/runtime/weight.hpp"

namespace erg::models::runtime {

// out[i] = x . rows[i * stride .. i * stride + n) for i < count (attention scores), with the
// fp32 matmul kernel (AVX2+FMA when the CPU has it, else portable; chosen once per process).
void dot_rows(const float* x, const float* rows, std::size_t stride, std::size_t count,
              std::size_t n, float* out);

// y = W x + b, for a weight of any format and precision. x: [cols], y: [rows].
// Reports one read of the stored weight bytes (values + indices + scales + bias), one read of x,
// one write of y and rows x cols MACs (nonzeros for pruned weights) in the weight's precision.
void matvec(const Weight& w, In x, Out y, const Probe& probe = {});

// Y[t] = W X[t] + b for n = x.size() / cols positions (row-major [n, cols] -> [n, rows]). The
// weight is read once for all positions; each output is computed exactly as matvec computes it,
// so batching never changes a result bit.
void matmul(const Weight& w, In x, Out y, const Probe& probe = {});

}  // namespace erg::models::runtime
