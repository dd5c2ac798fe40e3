#include "models/asr/emformer_encoder.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "models/runtime/elementwise.hpp"
#include "models/runtime/invocation_scope.hpp"
#include "models/runtime/linear.hpp"

namespace erg::models::asr {

using runtime::Probe;

namespace {
constexpr float kLayerNormEps = 1e-5f;
}

EmformerEncoder::EmformerEncoder(const RnntConfig& config, RnntWeights& weights)
    : cfg_(config.emformer),
      input_dim_(config.stacked_dim()),
      component_(weights.component("asr.encoder")),
      input_component_(weights.component("asr.encoder.input")),
      out_component_(weights.component("asr.encoder.ln_out")) {
  const std::size_t d = cfg_.d_model, f = cfg_.ffn_dim, wmax = cfg_.chunk + cfg_.right;
  const auto sd = std::int64_t(d);
  input_ = weights.linear("encoder.input.", "asr.encoder.input", d, input_dim_);
  for (std::size_t l = 0; l < cfg_.layers; ++l) {
    const std::string comp = "asr.encoder.layer." + std::to_string(l);
    const std::string p = "encoder.layers." + std::to_string(l) + ".";
    Layer layer;
    layer.ln_attn_w = weights.tensor(p + "ln_attn.weight", comp, {sd});
    layer.ln_attn_b = weights.tensor(p + "ln_attn.bias", comp, {sd});
    layer.q = weights.linear(p + "q.", comp, d, d);
    layer.k_proj = weights.linear(p + "k.", comp, d, d);
    layer.v_proj = weights.linear(p + "v.", comp, d, d);
    layer.rel_bias =
        weights.tensor(p + "rel_bias", comp, {std::int64_t(cfg_.heads), std::int64_t(cfg_.n_rel)});
    layer.o = weights.linear(p + "o.", comp, d, d);
    layer.ln_ffn_w = weights.tensor(p + "ln_ffn.weight", comp, {sd});
    layer.ln_ffn_b = weights.tensor(p + "ln_ffn.bias", comp, {sd});
    layer.ffn1 = weights.linear(p + "ffn1.", comp, f, d);
    layer.ffn2 = weights.linear(p + "ffn2.", comp, d, f);
    layer.k = weights.scratch(p + "k_cache", comp, (cfg_.left + wmax) * d);
    layer.v = weights.scratch(p + "v_cache", comp, (cfg_.left + wmax) * d);
    layer.component = weights.component(comp);
    layers_.push_back(std::move(layer));
  }
  ln_out_w_ = weights.tensor("encoder.ln_out.weight", "asr.encoder.ln_out", {sd});
  ln_out_b_ = weights.tensor("encoder.ln_out.bias", "asr.encoder.ln_out", {sd});
  window_ = weights.scratch("encoder.act.window", "asr.encoder", wmax * input_dim_);
  z_ = weights.scratch("encoder.act.z", "asr.encoder", wmax * d);
  y_ = weights.scratch("encoder.act.y", "asr.encoder", wmax * d);
  q_ = weights.scratch("encoder.act.q", "asr.encoder", wmax * d);
  att_ = weights.scratch("encoder.act.att", "asr.encoder", wmax * d);
  proj_ = weights.scratch("encoder.act.proj", "asr.encoder", wmax * d);
  ffn_ = weights.scratch("encoder.act.ffn", "asr.encoder", wmax * f);
  out_ = weights.scratch("encoder.act.out", "asr.encoder", cfg_.chunk * d);
  scores_.resize(cfg_.left + wmax);
}

void EmformerEncoder::reset() {
  pending_.clear();
  for (auto& l : layers_)
    l.cached = 0;
}

// Scaled dot-product attention of the window's queries against [cache; window] keys, plus the
// relative-position bias rel_bias[h, (pos_j - pos_i) + rel_offset].
void EmformerEncoder::attention(Layer& layer, std::size_t w, const Probe& probe) {
  const std::size_t d = cfg_.d_model, hd = d / cfg_.heads, lc = layer.cached, nk = lc + w;
  const float scale = 1.0f / std::sqrt(float(hd));
  const float* kk = layer.k.data.data();
  const float* vv = layer.v.data.data();
  for (std::size_t i = 0; i < w; ++i) {
    const float* qi = q_.data.data() + i * d;
    float* oi = att_.data.data() + i * d;
    for (std::size_t h = 0; h < cfg_.heads; ++h) {
      const float* bias = layer.rel_bias.data.data() + h * cfg_.n_rel;
      float mx = -INFINITY;
      for (std::size_t j = 0; j < nk; ++j) {
        const float* kj = kk + j * d + h * hd;
        float s = 0.0f;
        for (std::size_t e = 0; e < hd; ++e)
          s += qi[h * hd + e] * kj[e];
        // pos_j - pos_i + offset, with pos_j = j - lc; always within [0, n_rel) (config check).
        const std::size_t rel = j + cfg_.rel_offset - lc - i;
        s = s * scale + bias[rel];
        scores_[j] = s;
        mx = std::max(mx, s);
      }
      float sum = 0.0f;
      for (std::size_t j = 0; j < nk; ++j) {
        scores_[j] = std::exp(scores_[j] - mx);
        sum += scores_[j];
      }
      const float inv = 1.0f / sum;
      float* oh = oi + h * hd;
      std::fill(oh, oh + hd, 0.0f);
      for (std::size_t j = 0; j < nk; ++j) {
        const float a = scores_[j] * inv;
        const float* vj = vv + j * d + h * hd;
        for (std::size_t e = 0; e < hd; ++e)
          oh[e] += a * vj[e];
      }
    }
  }
  if (probe.sink) {
    probe.read(q_.address, 4 * w * d, q_.tensor);
    probe.read(layer.k.address, 4 * nk * d, layer.k.tensor);
    probe.read(layer.v.address, 4 * nk * d, layer.v.tensor);
    probe.read(layer.rel_bias.address, 4 * layer.rel_bias.data.size(), layer.rel_bias.tensor);
    probe.write(att_.address, 4 * w * d, att_.tensor);
    probe.compute(2 * std::uint64_t(w) * nk * d, Precision::kFp32);
  }
}

void EmformerEncoder::run_window(std::size_t w, std::size_t n, std::vector<float>& out) {
  const std::size_t d = cfg_.d_model, f = cfg_.ffn_dim;
  const runtime::InvocationScope scope(sink_, component_);
  ++invocations_;
  std::copy(pending_.begin(), pending_.begin() + w * input_dim_, window_.data.begin());
  {
    const Probe probe{sink_, input_component_};
    const runtime::InvocationScope input_scope(sink_, input_component_);
    runtime::matmul(input_, window_.in(0, w * input_dim_), z_.out(0, w * d), probe);
  }
  for (auto& layer : layers_) {
    const Probe probe{sink_, layer.component};
    const runtime::InvocationScope layer_scope(sink_, layer.component);
    const std::size_t lc = layer.cached;
    runtime::layer_norm(z_.in(0, w * d), layer.ln_attn_w.in(), layer.ln_attn_b.in(), kLayerNormEps,
                        y_.out(0, w * d), probe);
    runtime::matmul(layer.q, y_.in(0, w * d), q_.out(0, w * d), probe);
    runtime::matmul(layer.k_proj, y_.in(0, w * d), layer.k.out(lc * d, w * d), probe);
    runtime::matmul(layer.v_proj, y_.in(0, w * d), layer.v.out(lc * d, w * d), probe);
    attention(layer, w, probe);
    runtime::matmul(layer.o, att_.in(0, w * d), proj_.out(0, w * d), probe);
    runtime::add(z_.in(0, w * d), proj_.in(0, w * d), z_.out(0, w * d), probe);
    runtime::layer_norm(z_.in(0, w * d), layer.ln_ffn_w.in(), layer.ln_ffn_b.in(), kLayerNormEps,
                        y_.out(0, w * d), probe);
    runtime::matmul(layer.ffn1, y_.in(0, w * d), ffn_.out(0, w * f), probe);
    runtime::activate(runtime::Activation::kRelu, ffn_.in(0, w * f), ffn_.out(0, w * f), probe);
    runtime::matmul(layer.ffn2, ffn_.in(0, w * f), proj_.out(0, w * d), probe);
    runtime::add(z_.in(0, w * d), proj_.in(0, w * d), z_.out(0, w * d), probe);
    // New cache: the last L rows of [cache; keys of the n chunk frames].
    const std::size_t total = lc + n, keep = std::min(total, cfg_.left), drop = total - keep;
    if (drop > 0) {
      std::copy(layer.k.data.begin() + drop * d, layer.k.data.begin() + total * d,
                layer.k.data.begin());
      std::copy(layer.v.data.begin() + drop * d, layer.v.data.begin() + total * d,
                layer.v.data.begin());
      if (sink_) {
        probe.write(layer.k.address, 4 * keep * d, layer.k.tensor);
        probe.write(layer.v.address, 4 * keep * d, layer.v.tensor);
      }
    }
    layer.cached = keep;
  }
  {
    const Probe probe{sink_, out_component_};
    const runtime::InvocationScope out_scope(sink_, out_component_);
    runtime::layer_norm(z_.in(0, n * d), ln_out_w_.in(), ln_out_b_.in(), kLayerNormEps,
                        out_.out(0, n * d), probe);
  }
  out.insert(out.end(), out_.data.begin(), out_.data.begin() + n * d);
  frames_out_ += n;
  pending_.erase(pending_.begin(), pending_.begin() + n * input_dim_);
}

std::size_t EmformerEncoder::push(std::span<const float> frames, std::vector<float>& out) {
  if (frames.size() % input_dim_ != 0)
    throw Error("encoder input of " + std::to_string(frames.size()) +
                    " values is not a whole number of " + std::to_string(input_dim_) +
                    "-value stacked frames",
                "asr.encoder");
  pending_.insert(pending_.end(), frames.begin(), frames.end());
  const std::size_t window = cfg_.chunk + cfg_.right;
  std::size_t produced = 0;
  while (pending_.size() >= window * input_dim_) {
    run_window(window, cfg_.chunk, out);
    produced += cfg_.chunk;
  }
  return produced;
}

std::size_t EmformerEncoder::finish(std::vector<float>& out) {
  std::size_t produced = 0;
  while (!pending_.empty()) {
    const std::size_t rows = pending_.size() / input_dim_;
    const std::size_t n = std::min(rows, cfg_.chunk);
    run_window(std::min(rows, cfg_.chunk + cfg_.right), n, out);
    produced += n;
  }
  return produced;
}

}  // namespace erg::models::asr
