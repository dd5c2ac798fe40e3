#include "models/llm/perplexity.hpp"

#include <cmath>

#include "core/error.hpp"

namespace erg::models::llm {

PerplexityReport exit_perplexity(LlamaModel& model, std::span<const int> ids, std::size_t window) {
  const auto& c = model.config();
  if (window == 0) window = c.context_length;
  if (window > c.context_length)
    throw Error("window " + std::to_string(window) + " exceeds the context length " +
                    std::to_string(c.context_length),
                "exit_perplexity");
  const std::size_t L = c.n_layers, vocab = c.vocab_size;
  std::vector<double> nll(L, 0.0);
  PerplexityReport report;
  for (std::size_t start = 0; start + 1 < ids.size(); start += window) {
    const std::size_t n = std::min(window, ids.size() - 1 - start);
    model.reset();
    model.embed(ids.subspan(start, n));
    for (std::size_t l = 0; l < L; ++l) {
      model.run_layers(l, l + 1, 0, n);
      const auto logits = model.exit_logits(n);
      for (std::size_t t = 0; t < n; ++t) {
        const int target = ids[start + t + 1];
        if (target < 0 || target >= 256) continue;
        const auto row = logits.subspan(t * vocab, vocab);
        double mx = row[0];
        for (float v : row)
          mx = std::max(mx, double(v));
        double sum = 0.0;
        for (float v : row)
          sum += std::exp(double(v) - mx);
        nll[l] += std::log(sum) + mx - double(row[std::size_t(target)]);
      }
    }
    for (std::size_t t = 0; t < n; ++t)
      if (ids[start + t + 1] >= 0 && ids[start + t + 1] < 256) ++report.scored_bytes;
  }
  for (std::size_t l = 0; l < L; ++l) {
    ExitPerplexity e;
    e.exit_layer = l + 1;
    e.loss_nats_per_byte = report.scored_bytes ? nll[l] / double(report.scored_bytes) : 0.0;
    e.bits_per_byte = e.loss_nats_per_byte / std::log(2.0);
    e.perplexity = std::exp(e.loss_nats_per_byte);
    report.exits.push_back(e);
  }
  return report;
}

}  // namespace erg::models::llm
