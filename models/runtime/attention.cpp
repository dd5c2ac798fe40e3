#include "models/runtime/attention.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "models/runtime/attention_kernels.hpp"
#include "models/runtime/linear.hpp"
#include "models/runtime/vector_exp.hpp"

namespace erg::models::runtime {

void attend(const AttentionShape& shape, In q, In k_cache, In v_cache, std::size_t begin,
            std::size_t end, Out out, std::span<float> scores, const Probe& probe) {
  const std::size_t kv_dim = shape.kv_dim(), hd = shape.head_dim;
  if (q.data.size() != shape.q_dim() || out.data.size() != shape.q_dim() || begin >= end ||
      end * kv_dim > k_cache.data.size() || end * kv_dim > v_cache.data.size() ||
      scores.size() < end - begin || shape.kv_heads == 0 || shape.heads % shape.kv_heads != 0) {
    throw Error("attention shapes disagree: q " + std::to_string(q.data.size()) + ", window [" +
                    std::to_string(begin) + ", " + std::to_string(end) + "), cache " +
                    std::to_string(k_cache.data.size()) + " values",
                "attend");
  }
  const std::size_t group = shape.heads / shape.kv_heads;
  const float scale = 1.0f / std::sqrt(float(hd));
  const std::size_t n = end - begin;
  for (std::size_t h = 0; h < shape.heads; ++h) {
    const float* qh = q.data.data() + h * hd;
    const std::size_t kvh = h / group;
    dot_rows(qh, k_cache.data.data() + begin * kv_dim + kvh * hd, kv_dim, n, hd, scores.data());
    softmax_scaled(scores.data(), n, scale);
    weighted_rows(scores.data(), n, v_cache.data.data() + begin * kv_dim + kvh * hd, kv_dim, hd,
                  out.data.data() + h * hd);
  }
  if (probe.sink) {
    const std::uint64_t range_bytes = std::uint64_t(n) * kv_dim * sizeof(float);
    const std::uint64_t offset = std::uint64_t(begin) * kv_dim * sizeof(float);
    probe.read(q.address, q.bytes(), q.tensor);
    probe.read(k_cache.address + offset, range_bytes, k_cache.tensor);
    probe.read(v_cache.address + offset, range_bytes, v_cache.tensor);
    probe.write(out.address, out.bytes(), out.tensor);
    probe.compute(2 * std::uint64_t(shape.heads) * n * hd, Precision::kFp32);
  }
}

RopeTable::RopeTable(std::size_t head_dim, std::size_t max_positions, double theta)
    : head_dim_(head_dim), max_positions_(max_positions) {
  if (head_dim == 0 || head_dim % 2 != 0)
    throw Error("rotary head_dim " + std::to_string(head_dim) + " must be even and positive",
                "RopeTable");
  const std::size_t half = head_dim / 2;
  cos_.resize(max_positions * half);
  sin_.resize(max_positions * half);
  for (std::size_t p = 0; p < max_positions; ++p) {
    for (std::size_t i = 0; i < half; ++i) {
      const double inv_freq = std::pow(theta, -2.0 * double(i) / double(head_dim));
      const double angle = double(p) * inv_freq;
      cos_[p * half + i] = static_cast<float>(std::cos(angle));
      sin_[p * half + i] = static_cast<float>(std::sin(angle));
    }
  }
}

void RopeTable::apply(Out x, std::size_t heads, std::size_t pos, const Probe& probe) const {
  if (pos >= max_positions_ || x.data.size() != heads * head_dim_) {
    throw Error("rotary position " + std::to_string(pos) + " of " + std::to_string(max_positions_) +
                    " or size " + std::to_string(x.data.size()) + " out of range",
                "RopeTable::apply");
  }
  const std::size_t half = head_dim_ / 2;
  const float* c = cos_.data() + pos * half;
  const float* s = sin_.data() + pos * half;
  for (std::size_t h = 0; h < heads; ++h) {
    float* v = x.data.data() + h * head_dim_;
    for (std::size_t i = 0; i < half; ++i) {
      const float x1 = v[i], x2 = v[i + half];
      v[i] = x1 * c[i] - x2 * s[i];
      v[i + half] = x2 * c[i] + x1 * s[i];
    }
  }
  if (probe.sink) {
    probe.read(x.address, x.bytes(), x.tensor);
    probe.write(x.address, x.bytes(), x.tensor);
    probe.compute(2 * x.data.size(), Precision::kFp32);
  }
}

}  // namespace erg::models::runtime
