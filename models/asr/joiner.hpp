#pragma once

#include <cstdint>
#include <span>

#include "models/asr/rnnt_config.hpp"
#include "models/asr/rnnt_weights.hpp"

namespace erg::models::asr {

// z = act(W_e enc + b_e + W_p pred + b_p); logits = W_o z + b_o (TRAINING.md, "Joiner"). The
// two projections are computed once per encoder frame (asr.joiner.enc_proj) and once per
// predictor step (asr.joiner.pred_proj); join() (asr.joiner) runs once per frame x hypothesis x
// symbol and reads only the output layer's weights.
class Joiner {
 public:
  Joiner(const RnntConfig& config, RnntWeights& weights);

  std::size_t dim() const { return dim_; }
  std::size_t outputs() const { return outputs_; }
  // out (dim()) = W_e enc + b_e.
  void project_encoder(std::span<const float> enc, std::span<float> out);
  // out (dim()) = W_p pred + b_p.
  void project_predictor(std::span<const float> pred, std::span<float> out);
  // The logits (outputs() values) of projected inputs; valid until the next join.
  std::span<const float> join(std::span<const float> enc_proj, std::span<const float> pred_proj);
  void attach(AccessSink* sink) { sink_ = sink; }

  std::uint64_t invocations() const { return invocations_; }
  std::uint64_t enc_proj_invocations() const { return enc_proj_invocations_; }
  std::uint64_t pred_proj_invocations() const { return pred_proj_invocations_; }
  void reset_counters() { invocations_ = enc_proj_invocations_ = pred_proj_invocations_ = 0; }

 private:
  std::size_t dim_, outputs_, enc_dim_, pred_dim_;
  runtime::Activation activation_;
  ComponentId component_, enc_component_, pred_component_;
  runtime::Weight enc_proj_, pred_proj_, out_;
  runtime::Buffer enc_in_, pred_in_, enc_p_, pred_p_, hidden_, logits_;
  AccessSink* sink_ = nullptr;
  std::uint64_t invocations_ = 0, enc_proj_invocations_ = 0, pred_proj_invocations_ = 0;
};

}  // namespace erg::models::asr
