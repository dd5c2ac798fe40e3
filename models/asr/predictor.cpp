#include "models/asr/predictor.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "models/runtime/invocation_scope.hpp"
#include "models/runtime/lstm_cell.hpp"

namespace erg::models::asr {

Predictor::Predictor(const RnntConfig& config, RnntWeights& weights)
    : hidden_(config.predictor_hidden),
      embed_dim_(config.embed_dim),
      rows_(config.vocab_rows),
      component_(weights.component("asr.predictor")) {
  embed_ = weights.tensor("predictor.embed.weight", "asr.predictor",
                          {std::int64_t(rows_), std::int64_t(embed_dim_)});
  w_ih_ = weights.matrix("predictor.lstm.weight_ih", "predictor.lstm.bias_ih", "asr.predictor",
                         4 * hidden_, embed_dim_);
  w_hh_ = weights.matrix("predictor.lstm.weight_hh", "predictor.lstm.bias_hh", "asr.predictor",
                         4 * hidden_, hidden_);
  h_ = weights.scratch("predictor.state.h", "asr.predictor", hidden_);
  c_ = weights.scratch("predictor.state.c", "asr.predictor", hidden_);
  gates_ = weights.scratch("predictor.act.gates", "asr.predictor", 4 * hidden_);
  scratch_ = weights.scratch("predictor.act.gates_hh", "asr.predictor", 4 * hidden_);
}

void Predictor::step(int token, PredictorState& state) {
  if (token < 0 || std::size_t(token) >= rows_)
    throw Error(
        "predictor token " + std::to_string(token) + " outside [0, " + std::to_string(rows_) + ")",
        "asr.predictor");
  const runtime::Probe probe{sink_, component_};
  const runtime::InvocationScope scope(sink_, component_);
  ++invocations_;
  std::copy(state.h.begin(), state.h.end(), h_.data.begin());
  std::copy(state.c.begin(), state.c.end(), c_.data.begin());
  runtime::lstm_cell(w_ih_, w_hh_, embed_.in(std::size_t(token) * embed_dim_, embed_dim_), h_.out(),
                     c_.out(), gates_.out(), scratch_.out(), probe);
  std::copy(h_.data.begin(), h_.data.end(), state.h.begin());
  std::copy(c_.data.begin(), c_.data.end(), state.c.begin());
}

}  // namespace erg::models::asr
