#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "models/llm/llama_model.hpp"

namespace erg::models::llm {

struct ExitPerplexity {
  std::size_t exit_layer = 0;  // layers run before the shared head (1..L)
  double loss_nats_per_byte = 0.0;
  double bits_per_byte = 0.0;
  double perplexity = 0.0;
};

struct PerplexityReport {
  std::vector<ExitPerplexity> exits;  // one per exit layer, 1..L
  std::size_t scored_bytes = 0;
};

// The protocol of models/llm/TRAINING.md ("Perplexity protocol"): `ids` (normally [BOS] +
// bytes) cut into consecutive windows of `window` inputs (0: the context length), each run from
// an empty cache; window k predicts ids[k*w + 1 .. k*w + w]; only byte targets (< 256) count.
PerplexityReport exit_perplexity(LlamaModel& model, std::span<const int> ids,
                                 std::size_t window = 0);

}  // namespace erg::models::llm
