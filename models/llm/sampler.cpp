#include "models/llm/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace erg::models::llm {

int argmax(std::span<const float> logits) {
  int best = 0;
  for (std::size_t i = 1; i < logits.size(); ++i)
    if (logits[i] > logits[std::size_t(best)]) best = int(i);
  return best;
}

std::vector<double> sampling_distribution(std::span<const float> logits,
                                          const SamplingParams& params) {
  const std::size_t n = logits.size();
  std::vector<double> probs(n, 0.0);
  if (n == 0) return probs;
  if (params.greedy()) {
    probs[std::size_t(argmax(logits))] = 1.0;
    return probs;
  }
  double mx = logits[0];
  for (float v : logits)
    mx = std::max(mx, double(v));
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    probs[i] = std::exp((double(logits[i]) - mx) / params.temperature);
    sum += probs[i];
  }
  for (auto& p : probs)
    p /= sum;
  const bool top_k = params.top_k > 0 && params.top_k < n;
  const bool top_p = params.top_p < 1.0;
  if (!top_k && !top_p) return probs;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return probs[a] > probs[b]; });
  std::size_t keep = top_k ? params.top_k : n;
  if (top_p) {
    // top-p applies to the distribution renormalized after top-k (as chained HF warpers do).
    double k_mass = 0.0;
    for (std::size_t k = 0; k < keep; ++k)
      k_mass += probs[order[k]];
    double mass = 0.0;
    std::size_t k = 0;
    while (k < keep) {
      mass += probs[order[k++]];
      if (mass >= params.top_p * k_mass) break;
    }
    keep = std::max<std::size_t>(k, 1);
  }
  std::vector<double> out(n, 0.0);
  double kept = 0.0;
  for (std::size_t k = 0; k < keep; ++k)
    kept += probs[order[k]];
  for (std::size_t k = 0; k < keep; ++k)
    out[order[k]] = probs[order[k]] / kept;
  return out;
}

int sample_index(std::span<const double> probs, double u) {
  double total = 0.0;
  for (double p : probs)
    total += p;
  double target = u * total, acc = 0.0;
  int last = 0;
  for (std::size_t i = 0; i < probs.size(); ++i) {
    if (probs[i] <= 0.0) continue;
    acc += probs[i];
    last = int(i);
    if (target < acc) return int(i);
  }
  return last;  // rounding at the top end
}

std::uint64_t Rng::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace erg::models::llm
