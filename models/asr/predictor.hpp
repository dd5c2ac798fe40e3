#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "models/asr/rnnt_config.hpp"
#include "models/asr/rnnt_weights.hpp"

namespace erg::models::asr {

// The state of one hypothesis' predictor: LSTM (h, c); h is also the predictor output p_u.
struct PredictorState {
  std::vector<float> h;
  std::vector<float> c;
};

// Embedding + one LSTM layer (TRAINING.md, "Predictor"). Component asr.predictor, one
// invocation per step. States live with the hypotheses; a step copies one into the predictor's
// working buffers (stable addresses), runs the cell and copies it back.
class Predictor {
 public:
  Predictor(const RnntConfig& config, RnntWeights& weights);

  std::size_t hidden() const { return hidden_; }
  PredictorState zero_state() const {
    return {std::vector<float>(hidden_), std::vector<float>(hidden_)};
  }
  // Feeds `token` (blank = the start symbol) and advances `state`. No throw for a valid token.
  void step(int token, PredictorState& state);
  void attach(AccessSink* sink) { sink_ = sink; }

  std::uint64_t invocations() const { return invocations_; }
  void reset_counters() { invocations_ = 0; }

 private:
  std::size_t hidden_, embed_dim_, rows_;
  ComponentId component_;
  runtime::Buffer embed_;
  runtime::Weight w_ih_, w_hh_;
  runtime::Buffer h_, c_, gates_, scratch_;
  AccessSink* sink_ = nullptr;
  std::uint64_t invocations_ = 0;
};

}  // namespace erg::models::asr
