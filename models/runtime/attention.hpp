#pragma once

#include <cstddef>
#include <vector>

#include "models/runtime/probe.hpp"

namespace erg::models::runtime {

// Multi-head attention geometry; grouped-query when kv_heads < heads (query head h reads kv
// head h / (heads / kv_heads)).
struct AttentionShape {
  std::size_t heads = 1;
  std::size_t kv_heads = 1;
  std::size_t head_dim = 1;

  std::size_t q_dim() const { return heads * head_dim; }
  std::size_t kv_dim() const { return kv_heads * head_dim; }
};

// One query position against cached keys and values. Caches are row-major [positions, kv_dim];
// the query attends to cache rows [begin, end) (a left-context window or a causal prefix), with
// scores scaled by 1/sqrt(head_dim). `scores` is a work buffer of at least end - begin values.
// Reports one read of each cache range, the query read and the output write.
void attend(const AttentionShape& shape, In q, In k_cache, In v_cache, std::size_t begin,
            std::size_t end, Out out, std::span<float> scores, const Probe& probe = {});

// Rotary position embedding, HF-Llama "rotate half": dimension i pairs with i + head_dim/2 and
// angle(pos, i) = pos * theta^(-2i/head_dim), computed in double and rounded to fp32.
class RopeTable {
 public:
  RopeTable(std::size_t head_dim, std::size_t max_positions, double theta);

  // Rotates `heads` consecutive head vectors of x (in place) for position `pos`.
  void apply(Out x, std::size_t heads, std::size_t pos, const Probe& probe = {}) const;
  std::size_t max_positions() const { return max_positions_; }

 private:
  std::size_t head_dim_;
  std::size_t max_positions_;
  std::vector<float> cos_;  // [max_positions, head_dim / 2]
  std::vector<float> sin_;
};

}  // namespace erg::models::runtime
