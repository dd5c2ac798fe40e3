#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "models/specs/schedule.hpp"
#include "models/specs/spec_emitter.hpp"

namespace erg::models::specs {
namespace {

constexpr std::uint64_t kF32 = sizeof(float);

struct Layer {
  ComponentId id;
  SpecTensor norms, wq, wk, wv, wo, w_gate, w_up, w_down, kv_cache, activations;
};

class LlmEmitter {
 public:
  LlmEmitter(const LlmShape& s, const LlmWorkload& w, const runtime::Variant& variant,
             AccessSink& sink)
      : s_(s), e_(sink, variant) {
    const std::uint64_t d = s.d_model;
    const std::uint64_t head_dim = d / s.heads;
    kv_dim_ = head_dim * s.kv_heads;
    const std::uint64_t max_positions = w.prompt_tokens + w.generated_tokens + w.speculations + 1;
    embed_ = e_.weight("llm.embed", "weight", s.vocab, d, false);
    auto& reg = ComponentRegistry::global();
    for (std::uint64_t l = 0; l < s.layers; ++l) {
      const std::string c = "llm.layer." + std::to_string(l);
      layers_.push_back(
          {reg.intern(c), e_.buffer(c, "norms", 2 * d * kF32), e_.weight(c, "wq", d, d, false),
           e_.weight(c, "wk", kv_dim_, d, false), e_.weight(c, "wv", kv_dim_, d, false),
           e_.weight(c, "wo", d, d, false), e_.weight(c, "w_gate", s.ffn_dim, d, false),
           e_.weight(c, "w_up", s.ffn_dim, d, false), e_.weight(c, "w_down", d, s.ffn_dim, false),
           e_.buffer(c, "kv_cache", max_positions * 2 * kv_dim_ * s.kv_bytes_per_element),
           e_.buffer(c, "activations", (w.speculations + 1) * s.ffn_dim * kF32)});
    }
    head_norm_ = e_.buffer("llm.head", "norm", d * kF32);
    // A tied head reads the embedding table as its weight, under the head's component.
    head_ = s.tied_embeddings ? embed_ : e_.weight("llm.head", "weight", s.vocab, d, false);
    head_.component = head_norm_.component;
  }

  void embed(std::uint64_t tokens) {
    e_.invoke(embed_.component);
    e_.lookup(embed_, tokens);
  }

  // `n` positions through layers [first, last), with `past` positions already in the KV cache.
  void layers(std::uint64_t first, std::uint64_t last, std::uint64_t n, std::uint64_t past) {
    const std::uint64_t kv_row = 2 * kv_dim_ * s_.kv_bytes_per_element;
    for (std::uint64_t l = first; l < last; ++l) {
      const auto& L = layers_[l];
      e_.invoke(L.id);
      e_.read(L.norms);
      e_.apply(L.wq, n);
      e_.apply(L.wk, n);
      e_.apply(L.wv, n);
      e_.write(L.kv_cache, n * kv_row);
      e_.read(L.kv_cache, (past + n) * kv_row);
      // Causal attention: position i attends to past + i + 1 keys, for scores and values.
      const std::uint64_t keys = n * past + n * (n + 1) / 2;
      e_.compute(L.id, 2 * keys * s_.d_model, Precision::kFp32);
      e_.apply(L.wo, n);
      e_.apply(L.w_gate, n);
      e_.apply(L.w_up, n);
      e_.write(L.activations, n * s_.ffn_dim * kF32);
      e_.read(L.activations, n * s_.ffn_dim * kF32);
      e_.apply(L.w_down, n);
    }
  }

  void head(std::uint64_t n) {
    e_.invoke(head_.component);
    e_.read(head_norm_);
    e_.apply(head_, n);
  }

 private:
  const LlmShape& s_;
  SpecEmitter e_;
  std::uint64_t kv_dim_ = 0;
  SpecTensor embed_, head_norm_, head_;
  std::vector<Layer> layers_;
};

}  // namespace

double expected_tokens_per_cycle(double acceptance, std::uint64_t speculations) {
  double sum = 1.0;
  double p = 1.0;
  for (std::uint64_t i = 0; i < speculations; ++i) {
    p *= acceptance;
    sum += p;
  }
  return sum;
}

ScheduleSummary emit_llm_schedule(const LlmShape& s, const LlmWorkload& w,
                                  const runtime::Variant& variant, AccessSink& sink) {
  const bool drafts = w.strategy != LlmStrategy::kAutoregressive;
  if (drafts && (w.exit_layer == 0 || w.exit_layer > s.layers)) {
    throw Error("exit_layer " + std::to_string(w.exit_layer) + " outside [1, " +
                    std::to_string(s.layers) + "]",
                "LLM workload");
  }
  if (w.strategy == LlmStrategy::kSelfSpeculative && w.speculations == 0) {
    throw Error("self-speculative decoding needs speculations >= 1", "LLM workload");
  }
  LlmEmitter m(s, w, variant, sink);
  ScheduleSummary summary;
  // Prefill: the prompt in one batched pass at full depth.
  std::uint64_t position = 0;
  if (w.prompt_tokens > 0) {
    m.embed(w.prompt_tokens);
    m.layers(0, s.layers, w.prompt_tokens, 0);
    m.head(1);
    position = w.prompt_tokens;
  }
  const std::uint64_t depth = w.strategy == LlmStrategy::kEarlyExit ? w.exit_layer : s.layers;
  if (w.strategy != LlmStrategy::kSelfSpeculative) {
    for (std::uint64_t t = 0; t < w.generated_tokens; ++t) {
      m.embed(1);
      m.layers(0, depth, 1, position);
      m.head(1);
      ++position;
    }
    summary.tokens = w.generated_tokens;
    return summary;
  }
  const double per_cycle = expected_tokens_per_cycle(w.acceptance, w.speculations);
  double accumulator = 0.0;
  while (summary.tokens < w.generated_tokens) {
    ++summary.draft_cycles;
    for (std::uint64_t i = 0; i < w.speculations; ++i) {  // draft with the first E layers
      m.embed(1);
      m.layers(0, w.exit_layer, 1, position + i);
      m.head(1);
    }
    // Verify all drafts at once, reusing layers < E through the exit-layer hidden states.
    m.layers(w.exit_layer, s.layers, w.speculations, position);
    m.head(w.speculations);
    summary.drafted_tokens += w.speculations;
    accumulator += per_cycle;
    auto produced = static_cast<std::uint64_t>(std::floor(accumulator + 1e-9));
    produced = std::max<std::uint64_t>(1, std::min(produced, w.speculations + 1));
    accumulator -= static_cast<double>(produced);
    summary.accepted_tokens += produced - 1;
    summary.tokens += produced;
    position += produced;
  }
  return summary;
}

}  // namespace erg::models::specs
