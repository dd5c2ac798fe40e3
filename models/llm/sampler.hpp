#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace erg::models::llm {

// temperature 0 means greedy (argmax). top_k 0 and top_p 1 disable those filters.
struct SamplingParams {
  double temperature = 0.0;
  std::size_t top_k = 0;
  double top_p = 1.0;

  bool greedy() const { return temperature <= 0.0; }
};

// The first index of the largest logit (ties go to the lower id, so runs are reproducible).
int argmax(std::span<const float> logits);

// softmax(logits / temperature), then top-k, then top-p (the smallest most-probable set whose
// mass reaches top_p), renormalized. Sampling and speculative acceptance both use this.
std::vector<double> sampling_distribution(std::span<const float> logits,
                                          const SamplingParams& params);

// Draws an index from `probs` (non-negative, summing to ~1) with a uniform u in [0, 1).
int sample_index(std::span<const double> probs, double u);

// A small, fully specified generator (SplitMix64), so draws do not depend on the standard
// library's distribution implementations.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  std::uint64_t state_;
};

}  // namespace erg::models::llm
