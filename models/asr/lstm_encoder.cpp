#include "models/asr/lstm_encoder.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "models/runtime/elementwise.hpp"
#include "models/runtime/invocation_scope.hpp"
#include "models/runtime/linear.hpp"

namespace erg::models::asr {

using runtime::Probe;

LstmEncoder::LstmEncoder(const RnntConfig& config, RnntWeights& weights)
    : input_dim_(config.stacked_dim()),
      hidden_(config.lstm.hidden),
      chunk_(config.lstm.chunk),
      component_(weights.component("asr.encoder")) {
  input_ = weights.scratch("encoder.act.input", "asr.encoder", chunk_ * input_dim_);
  gates_ = weights.scratch("encoder.act.gates_ih", "asr.encoder", chunk_ * 4 * hidden_);
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
  const runtime::InvocationScope scope(sink_, component_);
  ++invocations_;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    Layer& layer = layers_[l];
    const Probe probe{sink_, layer.component};
    const runtime::InvocationScope layer_scope(sink_, layer.component);
    const std::size_t in_dim = l == 0 ? input_dim_ : hidden_;
    const runtime::Buffer& in = l == 0 ? input_ : layers_[l - 1].out;
    // The input projection of the whole chunk at once (W_ih read once per chunk, not per frame);
    // matmul rows equal matvec bit for bit, so this is exactly the per-frame cell.
    runtime::matmul(layer.w_ih, in.in(0, n * in_dim), gates_.out(0, n * 4 * hidden_), probe);
    for (std::size_t t = 0; t < n; ++t) {
      runtime::matvec(layer.w_hh, layer.h.in(), scratch_.out(), probe);
      const float* g = gates_.data.data() + t * 4 * hidden_;
      const float* r = scratch_.data.data();
      float* h = layer.h.data.data();
      float* c = layer.c.data.data();
      const std::size_t hd = hidden_;
      for (std::size_t k = 0; k < hd; ++k) {  // gate order i, f, g, o as lstm_cell
        const float ig = runtime::sigmoid(g[k] + r[k]);
        const float fg = runtime::sigmoid(g[hd + k] + r[hd + k]);
        const float gg = std::tanh(g[2 * hd + k] + r[2 * hd + k]);
        const float og = runtime::sigmoid(g[3 * hd + k] + r[3 * hd + k]);
        c[k] = fg * c[k] + ig * gg;
        h[k] = og * std::tanh(c[k]);
      }
      std::copy(h, h + hd, layer.out.data.begin() + t * hd);
      if (sink_) {
        probe.read(gates_.address + 4 * t * 4 * hd, 4 * 4 * hd, gates_.tensor);
        probe.read(scratch_.address, 4 * 4 * hd, scratch_.tensor);
        probe.read(layer.c.address, 4 * hd, layer.c.tensor);
        probe.write(layer.c.address, 4 * hd, layer.c.tensor);
        probe.write(layer.h.address, 4 * hd, layer.h.tensor);
        probe.compute(8 * hd, Precision::kFp32);
      }
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
