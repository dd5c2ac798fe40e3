#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/access_sink.hpp"
#include "core/component_registry.hpp"
#include "models/llm/llm_config.hpp"
#include "models/runtime/attention.hpp"
#include "models/runtime/probe.hpp"
#include "models/runtime/variant.hpp"
#include "models/runtime/weight.hpp"
#include "models/runtime/weight_store.hpp"

namespace erg::models::llm {

// A Llama-style decoder whose shared final norm + LM head can follow any layer (LayerSkip).
// The forward pass is models/llm/TRAINING.md, "Forward pass", step for step. The model owns
// its KV cache, a hidden-state buffer of up to context_length rows, and the exit query cache
// used by self-speculative decoding. Components: llm.embed, llm.layer.N, llm.head.
class LlamaModel {
 public:
  // Loads <path>.safetensors; the architecture comes from __metadata__["config"] or, failing
  // that, from the "config"/"architecture" object of the JSON file beside it. A `.bin` path is
  // read as a llama2.c checkpoint (llama2c_checkpoint.hpp), converted to the same layout. The
  // variant's transforms apply per component (llm.layer.N, llm.head; llm.embed accepts pin only).
  static LlamaModel load(const std::filesystem::path& path, const runtime::Variant& variant = {},
                         ComponentRegistry& registry = ComponentRegistry::global());

  const LlmConfig& config() const { return config_; }
  std::size_t n_layers() const { return config_.n_layers; }

  // Sends on_tensor for every tensor and routes all later events to `sink` (null detaches).
  void attach(AccessSink* sink);

  // Empties the KV cache of every layer.
  void reset() { crop(0); }
  // Keeps the first `length` cached positions of every layer (drops rejected drafts).
  void crop(std::size_t length);
  std::size_t cached(std::size_t layer) const { return kv_len_[layer]; }

  // Hidden rows [0, n) <- embedding of `tokens`.
  void embed(std::span<const int> tokens);
  // Runs layers [first, last) over hidden rows [0, n) at positions pos .. pos + n - 1 (causal),
  // appending their keys and values; each layer's cache must hold exactly `pos` positions.
  // Throws erg::Error past the context length.
  void run_layers(std::size_t first, std::size_t last, std::size_t pos, std::size_t n);
  // Shared exit (final RMSNorm + head) on hidden rows [0, n); returns [n, vocab] logits.
  std::span<const float> exit_logits(std::size_t n);
  // Hidden row `row` <-> exit query cache slot `slot`.
  void save_exit_state(std::size_t row, std::size_t slot);
  void load_exit_states(std::size_t slots);
  std::span<const float> hidden(std::size_t n) const {
    return std::span<const float>(x_.data).first(n * config_.dim);
  }

  // Counters since load (or reset_counters): invocations per layer, weight bytes read.
  const std::vector<std::uint64_t>& layer_invocations() const { return layer_invocations_; }
  std::uint64_t weight_bytes_read() const { return weight_bytes_read_; }
  std::uint64_t head_invocations() const { return head_invocations_; }
  void reset_counters();
  // Bytes of weights one invocation of a layer / of the head reads.
  std::uint64_t layer_weight_bytes(std::size_t layer) const { return layers_[layer].bytes; }
  std::uint64_t head_weight_bytes() const { return head_bytes_; }
  const runtime::WeightStore& store() const { return store_; }

 private:
  struct Layer {
    runtime::Buffer attn_norm, mlp_norm;
    runtime::Weight wq, wk, wv, wo, w_gate, w_up, w_down;
    runtime::Buffer k_cache, v_cache;
    ComponentId component = kNoComponent;
    std::uint64_t bytes = 0;
  };

  // Named fp32 tensors in the TRAINING.md layout: a safetensors file or a converted checkpoint.
  struct TensorSource;

  LlamaModel(LlmConfig config, ComponentRegistry& registry);
  static LlamaModel build(LlmConfig config, const TensorSource& source,
                          const runtime::Variant& variant, ComponentRegistry& registry,
                          const std::string& model_name);
  void layer_forward(Layer& layer, std::size_t pos, std::size_t n);
  ComponentId exit_cache_component() const {
    return store_.tensors()[exit_cache_.tensor].component;
  }

  LlmConfig config_;
  runtime::WeightStore store_;
  runtime::AttentionShape shape_;
  runtime::RopeTable rope_;
  runtime::Buffer embed_, final_norm_;
  runtime::Weight head_;
  std::vector<Layer> layers_;
  // Activations, [context_length, width] each.
  runtime::Buffer x_, a_, q_, k_, v_, att_, proj_, gate_, up_, logits_, exit_cache_;
  std::vector<float> scores_;
  std::vector<std::size_t> kv_len_;
  ComponentId embed_component_ = kNoComponent, head_component_ = kNoComponent;
  AccessSink* sink_ = nullptr;
  std::vector<std::uint64_t> layer_invocations_;
  std::uint64_t head_invocations_ = 0;
  std::uint64_t weight_bytes_read_ = 0;
  std::uint64_t head_bytes_ = 0;
};

}  // namespace erg::models::llm
