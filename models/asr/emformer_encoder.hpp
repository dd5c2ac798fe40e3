#pragma once

#include <vector>

#include "models/asr/encoder.hpp"
#include "models/asr/rnnt_config.hpp"
#include "models/asr/rnnt_weights.hpp"

namespace erg::models::asr {

// Emformer-lite (TRAINING.md, "Emformer-lite encoder"): chunks of C stacked frames processed as
// a window with R lookahead frames; each layer attends to a cache of the last L chunk-frame keys
// and values, with a learned relative-position bias per head. Components asr.encoder.input,
// asr.encoder.layer.N, asr.encoder.ln_out, under asr.encoder (one invocation per chunk).
class EmformerEncoder final : public Encoder {
 public:
  EmformerEncoder(const RnntConfig& config, RnntWeights& weights);

  std::size_t input_dim() const override { return input_dim_; }
  std::size_t output_dim() const override { return cfg_.d_model; }
  std::size_t chunk_frames() const override { return cfg_.chunk; }
  std::size_t push(std::span<const float> frames, std::vector<float>& out) override;
  std::size_t finish(std::vector<float>& out) override;
  void reset() override;
  void attach(AccessSink* sink) override { sink_ = sink; }

  // Cached key / value rows of a layer ([cached_rows, d_model], oldest first).
  std::size_t cached_rows(std::size_t layer) const { return layers_[layer].cached; }
  std::span<const float> key_cache(std::size_t layer) const {
    return std::span<const float>(layers_[layer].k.data)
        .first(layers_[layer].cached * cfg_.d_model);
  }
  std::span<const float> value_cache(std::size_t layer) const {
    return std::span<const float>(layers_[layer].v.data)
        .first(layers_[layer].cached * cfg_.d_model);
  }

 private:
  struct Layer {
    runtime::Buffer ln_attn_w, ln_attn_b, ln_ffn_w, ln_ffn_b, rel_bias;
    runtime::Weight q, k_proj, v_proj, o, ffn1, ffn2;
    runtime::Buffer k, v;  // [L + C + R, d]: cached rows, then the window's rows
    std::size_t cached = 0;
    ComponentId component = kNoComponent;
  };
  // Runs one window of `w` rows from pending_, emitting its first `n` rows.
  void run_window(std::size_t w, std::size_t n, std::vector<float>& out);
  void attention(Layer& layer, std::size_t w, const runtime::Probe& probe);

  EmformerConfig cfg_;
  std::size_t input_dim_;
  ComponentId component_, input_component_, out_component_;
  runtime::Weight input_;
  runtime::Buffer ln_out_w_, ln_out_b_;
  std::vector<Layer> layers_;
  // Activations, [C + R, width].
  runtime::Buffer window_, z_, y_, q_, att_, proj_, ffn_, out_;
  std::vector<float> scores_;
  std::vector<float> pending_;  // stacked input rows from the current chunk's start
  AccessSink* sink_ = nullptr;
};

}  // namespace erg::models::asr
