#include "models/asr/lstm_encoder.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"
#include "models/runtime/lstm_cell.hpp"

namespace erg::models::asr {

using runtime::Probe;

LstmEncoder::LstmEncoder(const RnntConfig& config, RnntWeights& weights)
    : input_dim_(config.stacked_dim()),
      hidden_(config.lstm.hidden),
      chunk_(config.lstm.chunk),
      component_(weights.component("asr.encoder")) {
  input_ = weights.scratch("encoder.act.input", "asr.encoder", chunk_ * input_dim_);
  gates_ = weights.scratch("encoder.act.gates", "asr.encoder", 4 * hidden_);
  scratch_ = weights.scratch("encoder.act.gates_hh", "asr.encoder", 4 * hidden_);
  for (std::size_t l = 0; l < config.lstm.layers; ++l) {
    const std::string comp = "asr.encoder.layer." + std::to_string(l);
    const std::string p = "encoder.lstm." + std::to_string(l) + ".";
    const std::size_t in = l == 0 ? input_dim_ : hidden_;
    Layer layer;
    layer.w_ih = weights.matrix(p + "weight_ih", p + "bias_ih", comp, 4 * hidden_, in);
    layer.w_hh = weights.matrix(p + "weight_hh", p + "bias_hh", comp, 4 * hidden_, hidden_);
    layer.h = weights.scratch(p + "state.h", comp, hidden_);
    layer.c = weights.scratch(p + "state.c", comp, hidden_);
    layer.out = weights.scratch(p + "act.out", comp, chunk_ * hidden_);
    layer.component = weights.component(comp);
    layers_.push_back(std::move(layer));
  }
}

void LstmEncoder::reset() {
  pending_ = 0;
  for (auto& l : layers_) {
    std::fill(l.h.data.begin(), l.h.data.end(), 0.0f);
    std::fill(l.c.data.begin(), l.c.data.end(), 0.0f);
  }
}

void LstmEncoder::run_chunk(std::size_t n, std::vector<float>& out) {
  if (sink_) sink_->on_invocation(component_);
  ++invocations_;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    Layer& layer = layers_[l];
    const Probe probe{sink_, layer.component};
    if (sink_) sink_->on_invocation(layer.component);
    const std::size_t in_dim = l == 0 ? input_dim_ : hidden_;
    const runtime::Buffer& in = l == 0 ? input_ : layers_[l - 1].out;
    for (std::size_t t = 0; t < n; ++t) {
      runtime::lstm_cell(layer.w_ih, layer.w_hh, in.in(t * in_dim, in_dim), layer.h.out(),
                         layer.c.out(), gates_.out(), scratch_.out(), probe);
      std::copy(layer.h.data.begin(), layer.h.data.end(), layer.out.data.begin() + t * hidden_);
    }
    if (sink_) probe.write(layer.out.address, 4 * n * hidden_, layer.out.tensor);
  }
  const auto& last = layers_.back().out.data;
  out.insert(out.end(), last.begin(), last.begin() + n * hidden_);
  frames_out_ += n;
}

std::size_t LstmEncoder::push(std::span<const float> frames, std::vector<float>& out) {
  if (frames.size() % input_dim_ != 0)
    throw Error("encoder input of " + std::to_string(frames.size()) +
                    " values is not a whole number of " + std::to_string(input_dim_) +
                    "-value stacked frames",
                "asr.encoder");
  std::size_t produced = 0;
  std::size_t rows = frames.size() / input_dim_;
  const float* src = frames.data();
  while (rows > 0) {
    const std::size_t take = std::min(rows, chunk_ - pending_);
    std::copy(src, src + take * input_dim_, input_.data.begin() + pending_ * input_dim_);
    pending_ += take;
    src += take * input_dim_;
    rows -= take;
    if (pending_ == chunk_) {
      run_chunk(chunk_, out);
      produced += chunk_;
      pending_ = 0;
    }
  }
  return produced;
}

std::size_t LstmEncoder::finish(std::vector<float>& out) {
  const std::size_t n = pending_;
  if (n > 0) run_chunk(n, out);
  pending_ = 0;
  return n;
}

}  // namespace erg::models::asr
