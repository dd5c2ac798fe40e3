#include "models/llm/llama_model.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "models/llm/llama2c_checkpoint.hpp"
#include "models/runtime/elementwise.hpp"
#include "models/runtime/invocation_scope.hpp"
#include "models/runtime/linear.hpp"
#include "models/runtime/safetensors.hpp"

namespace erg::models::llm {

using runtime::Buffer;
using runtime::In;
using runtime::Out;
using runtime::Probe;
using runtime::Weight;

namespace {

LlmConfig read_config(const runtime::SafetensorsFile& file, const std::filesystem::path& path) {
  const auto& meta = file.metadata();
  if (const auto it = meta.find("config"); it != meta.end()) {
    const std::string where = path.string() + ", __metadata__.config";
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(it->second);
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("bad JSON: ") + e.what(), where);
    }
    for (const char* key : {"bos_id", "eos_id", "pad_id"})
      if (j.is_object() && !j.contains(key) && meta.count(key)) j[key] = meta.at(key);
    return LlmConfig::from_json(j, where);
  }
  auto sidecar = path;
  sidecar.replace_extension(".json");
  std::ifstream in(sidecar);
  if (!in)
    throw Error("no architecture: neither __metadata__.config nor a readable sidecar JSON",
                path.string() + " and " + sidecar.string());
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("bad JSON: ") + e.what(), sidecar.string());
  }
  for (const char* key : {"config", "architecture"})
    if (j.contains(key) && j[key].is_object())
      return LlmConfig::from_json(j[key], sidecar.string());
  return LlmConfig::from_json(j, sidecar.string());
}

Buffer zeros(std::size_t n) {
  return Buffer{std::vector<float>(n, 0.0f)};
}

}  // namespace

LlamaModel::LlamaModel(LlmConfig config, ComponentRegistry& registry)
    : config_(std::move(config)),
      store_(registry),
      shape_{config_.n_heads, config_.n_kv_heads, config_.head_dim},
      rope_(config_.head_dim, config_.context_length, config_.rope_theta) {}

struct LlamaModel::TensorSource {
  std::function<std::vector<float>(const std::string& name, std::span<const std::int64_t> shape)>
      read;
  std::function<bool(const std::string& name)> contains;
};

LlamaModel LlamaModel::load(const std::filesystem::path& path, const runtime::Variant& variant,
                            ComponentRegistry& registry) {
  if (is_llama2c_checkpoint(path)) {
    auto ck = Llama2cCheckpoint::read(path);
    const std::string where = path.string();
    TensorSource source{[&](const std::string& name, std::span<const std::int64_t> shape) {
                          const auto it = ck.tensors.find(name);
                          std::size_t size = 1;
                          for (const auto s : shape)
                            size *= std::size_t(s);
                          if (it == ck.tensors.end() || it->second.size() != size)
                            throw Error("converted checkpoint lacks tensor '" + name + "' of " +
                                            std::to_string(size) + " values",
                                        where);
                          // The embedding is read twice when the classifier is shared; the rest
                          // move out.
                          if (name == "embed.weight") return std::vector<float>(it->second);
                          return std::move(it->second);
                        },
                        [&](const std::string& name) { return ck.tensors.count(name) > 0; }};
    return build(ck.config, source, variant, registry, path.stem().string());
  }
  const runtime::SafetensorsFile file(path);
  const TensorSource source{[&](const std::string& name, std::span<const std::int64_t> shape) {
                              return file.read_f32(name, shape);
                            },
                            [&](const std::string& name) { return file.contains(name); }};
  return build(read_config(file, path), source, variant, registry, path.stem().string());
}

LlamaModel LlamaModel::build(LlmConfig config, const TensorSource& file,
                             const runtime::Variant& variant, ComponentRegistry& registry,
                             const std::string& model_name) {
  LlamaModel m(std::move(config), registry);
  const auto& c = m.config_;
  const std::size_t d = c.dim, qd = c.n_heads * c.head_dim, kvd = c.n_kv_heads * c.head_dim;
  const auto ctx = c.context_length;
  // The components the variant's transforms apply to (activations and caches take none).
  std::vector<std::string> components{"llm.embed", "llm.head"};
  for (std::size_t l = 0; l < c.n_layers; ++l)
    components.push_back("llm.layer." + std::to_string(l));
  runtime::check_components(variant, components, model_name);

  auto vec = [&](const std::string& name, std::size_t size, const std::string& component) {
    const std::vector<std::int64_t> shape{std::int64_t(size)};
    Buffer b{file.read(name, shape)};
    m.store_.place(b, name, component, variant.for_component(component).pin);
    return b;
  };
  auto matrix = [&](const std::string& name, std::size_t rows, std::size_t cols,
                    const std::string& component) {
    const std::vector<std::int64_t> shape{std::int64_t(rows), std::int64_t(cols)};
    const auto t = variant.for_component(component);
    Weight w =
        runtime::apply_transform(t, runtime::dense_weight(rows, cols, file.read(name, shape)));
    m.store_.place(w, name, component, t.pin);
    return w;
  };

  const auto embed_t = variant.for_component("llm.embed");
  if (embed_t.prune_ratio > 0 || embed_t.precision != Precision::kFp32)
    throw Error("llm.embed supports only 'pin' (it is a table lookup, read one row per token)",
                "variant");
  {
    const std::vector<std::int64_t> shape{std::int64_t(c.vocab_size), std::int64_t(d)};
    m.embed_.data = file.read("embed.weight", shape);
    m.store_.place(m.embed_, "embed.weight", "llm.embed", embed_t.pin);
  }
  m.embed_component_ = m.store_.component("llm.embed");
  for (std::size_t l = 0; l < c.n_layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    const std::string comp = "llm.layer." + std::to_string(l);
    Layer layer;
    layer.attn_norm = vec(p + "attn_norm.weight", d, comp);
    layer.wq = matrix(p + "wq.weight", qd, d, comp);
    layer.wk = matrix(p + "wk.weight", kvd, d, comp);
    layer.wv = matrix(p + "wv.weight", kvd, d, comp);
    layer.wo = matrix(p + "wo.weight", d, qd, comp);
    layer.mlp_norm = vec(p + "mlp_norm.weight", d, comp);
    layer.w_gate = matrix(p + "w_gate.weight", c.ffn_dim, d, comp);
    layer.w_up = matrix(p + "w_up.weight", c.ffn_dim, d, comp);
    layer.w_down = matrix(p + "w_down.weight", d, c.ffn_dim, comp);
    layer.k_cache = zeros(ctx * kvd);
    layer.v_cache = zeros(ctx * kvd);
    m.store_.place(layer.k_cache, p + "k_cache", comp);
    m.store_.place(layer.v_cache, p + "v_cache", comp);
    layer.component = m.store_.component(comp);
    layer.bytes = 2 * d * sizeof(float);
    for (const Weight* w :
         {&layer.wq, &layer.wk, &layer.wv, &layer.wo, &layer.w_gate, &layer.w_up, &layer.w_down})
      layer.bytes += w->stored_bytes();
    m.layers_.push_back(std::move(layer));
  }
  m.final_norm_ = vec("norm.weight", d, "llm.head");
  const bool tied = c.tie_embeddings && !file.contains("head.weight");
  m.head_ = matrix(tied ? "embed.weight" : "head.weight", c.vocab_size, d, "llm.head");
  m.head_component_ = m.store_.component("llm.head");
  m.head_bytes_ = m.head_.stored_bytes() + d * sizeof(float);

  const std::pair<Buffer*, std::size_t> acts[] = {{&m.x_, d},          {&m.a_, d},
                                                  {&m.q_, qd},         {&m.k_, kvd},
                                                  {&m.v_, kvd},        {&m.att_, qd},
                                                  {&m.proj_, d},       {&m.gate_, c.ffn_dim},
                                                  {&m.up_, c.ffn_dim}, {&m.logits_, c.vocab_size},
                                                  {&m.exit_cache_, d}};
  const char* names[] = {
      "x", "a", "q", "k", "v", "att", "proj", "gate", "up", "logits", "exit_query_cache"};
  for (std::size_t i = 0; i < std::size(acts); ++i) {
    *acts[i].first = zeros(ctx * acts[i].second);
    const bool exit = i + 1 == std::size(acts);
    m.store_.place(*acts[i].first, std::string("act.") + names[i],
                   exit ? "llm.exit_cache" : "llm.activations");
  }
  m.scores_.assign(ctx, 0.0f);
  m.kv_len_.assign(c.n_layers, 0);
  m.layer_invocations_.assign(c.n_layers, 0);
  return m;
}

void LlamaModel::attach(AccessSink* sink) {
  sink_ = sink;
  if (sink_) store_.declare(*sink_);
}

void LlamaModel::crop(std::size_t length) {
  for (auto& len : kv_len_)
    len = std::min(len, length);
}

void LlamaModel::reset_counters() {
  std::fill(layer_invocations_.begin(), layer_invocations_.end(), 0);
  head_invocations_ = 0;
  weight_bytes_read_ = 0;
}

void LlamaModel::embed(std::span<const int> tokens) {
  const std::size_t d = config_.dim;
  if (tokens.size() > config_.context_length)
    throw Error(std::to_string(tokens.size()) + " tokens exceed the context length " +
                    std::to_string(config_.context_length),
                "LlamaModel::embed");
  const Probe probe{sink_, embed_component_};
  const runtime::InvocationScope scope(sink_, embed_component_);
  for (std::size_t t = 0; t < tokens.size(); ++t) {
    const int id = tokens[t];
    if (id < 0 || std::size_t(id) >= config_.vocab_size)
      throw Error("token id " + std::to_string(id) + " outside the vocabulary of " +
                      std::to_string(config_.vocab_size),
                  "LlamaModel::embed");
    std::memcpy(x_.data.data() + t * d, embed_.data.data() + std::size_t(id) * d,
                d * sizeof(float));
    if (sink_) probe.read(embed_.address + std::uint64_t(id) * d * 4, d * 4, embed_.tensor);
  }
  if (sink_) probe.write(x_.address, tokens.size() * d * 4, x_.tensor);
  weight_bytes_read_ += tokens.size() * d * sizeof(float);
}

void LlamaModel::run_layers(std::size_t first, std::size_t last, std::size_t pos, std::size_t n) {
  if (first > last || last > config_.n_layers)
    throw Error("layer range [" + std::to_string(first) + ", " + std::to_string(last) +
                    ") outside 0.." + std::to_string(config_.n_layers),
                "LlamaModel::run_layers");
  if (pos + n > config_.context_length)
    throw Error("position " + std::to_string(pos + n - 1) + " beyond the context length " +
                    std::to_string(config_.context_length),
                "LlamaModel::run_layers");
  for (std::size_t l = first; l < last; ++l) {
    if (kv_len_[l] != pos)
      throw Error("layer " + std::to_string(l) + " caches " + std::to_string(kv_len_[l]) +
                      " positions, but the pass starts at position " + std::to_string(pos),
                  "LlamaModel::run_layers");
    layer_forward(layers_[l], pos, n);
    kv_len_[l] = pos + n;
    ++layer_invocations_[l];
    weight_bytes_read_ += layers_[l].bytes;
  }
}

void LlamaModel::layer_forward(Layer& layer, std::size_t pos, std::size_t n) {
  using runtime::Activation;
  const Probe p{sink_, layer.component};
  const runtime::InvocationScope scope(sink_, layer.component);
  const std::size_t d = config_.dim, qd = shape_.q_dim(), kvd = shape_.kv_dim(),
                    f = config_.ffn_dim;
  const float eps = config_.norm_eps;
  const In x_in = x_.in(0, n * d);
  const Out x_out = x_.out(0, n * d);

  // Attention: a = RMSNorm(x); q, k, v projections; RoPE; cache; causal attention; residual.
  runtime::rms_norm(x_in, layer.attn_norm.in(), eps, a_.out(0, n * d), p);
  runtime::matmul(layer.wq, a_.in(0, n * d), q_.out(0, n * qd), p);
  runtime::matmul(layer.wk, a_.in(0, n * d), k_.out(0, n * kvd), p);
  runtime::matmul(layer.wv, a_.in(0, n * d), v_.out(0, n * kvd), p);
  for (std::size_t t = 0; t < n; ++t) {
    rope_.apply(q_.out(t * qd, qd), shape_.heads, pos + t, p);
    rope_.apply(k_.out(t * kvd, kvd), shape_.kv_heads, pos + t, p);
  }
  std::memcpy(layer.k_cache.data.data() + pos * kvd, k_.data.data(), n * kvd * sizeof(float));
  std::memcpy(layer.v_cache.data.data() + pos * kvd, v_.data.data(), n * kvd * sizeof(float));
  if (sink_) {
    p.read(k_.address, n * kvd * 4, k_.tensor);
    p.write(layer.k_cache.address + pos * kvd * 4, n * kvd * 4, layer.k_cache.tensor);
    p.read(v_.address, n * kvd * 4, v_.tensor);
    p.write(layer.v_cache.address + pos * kvd * 4, n * kvd * 4, layer.v_cache.tensor);
  }
  for (std::size_t t = 0; t < n; ++t)
    runtime::attend(shape_, q_.in(t * qd, qd), layer.k_cache.in(), layer.v_cache.in(), 0,
                    pos + t + 1, att_.out(t * qd, qd), scores_, p);
  runtime::matmul(layer.wo, att_.in(0, n * qd), proj_.out(0, n * d), p);
  runtime::add(x_in, proj_.in(0, n * d), x_out, p);

  // SwiGLU MLP: x += W_down (silu(W_gate m) * W_up m), m = RMSNorm(x).
  runtime::rms_norm(x_in, layer.mlp_norm.in(), eps, a_.out(0, n * d), p);
  runtime::matmul(layer.w_gate, a_.in(0, n * d), gate_.out(0, n * f), p);
  runtime::matmul(layer.w_up, a_.in(0, n * d), up_.out(0, n * f), p);
  runtime::activate(Activation::kSilu, gate_.in(0, n * f), gate_.out(0, n * f), p);
  runtime::multiply(gate_.in(0, n * f), up_.in(0, n * f), gate_.out(0, n * f), p);
  runtime::matmul(layer.w_down, gate_.in(0, n * f), proj_.out(0, n * d), p);
  runtime::add(x_in, proj_.in(0, n * d), x_out, p);
}

std::span<const float> LlamaModel::exit_logits(std::size_t n) {
  const std::size_t d = config_.dim, vocab = config_.vocab_size;
  if (n == 0 || n > config_.context_length)
    throw Error("exit_logits over " + std::to_string(n) + " rows", "LlamaModel::exit_logits");
  const Probe p{sink_, head_component_};
  const runtime::InvocationScope scope(sink_, head_component_);
  runtime::rms_norm(x_.in(0, n * d), final_norm_.in(), config_.norm_eps, a_.out(0, n * d), p);
  runtime::matmul(head_, a_.in(0, n * d), logits_.out(0, n * vocab), p);
  ++head_invocations_;
  weight_bytes_read_ += head_bytes_;
  return std::span<const float>(logits_.data).first(n * vocab);
}

void LlamaModel::save_exit_state(std::size_t row, std::size_t slot) {
  const std::size_t d = config_.dim;
  if (row >= config_.context_length || slot >= config_.context_length)
    throw Error("exit query cache slot " + std::to_string(slot) + " out of range",
                "LlamaModel::save_exit_state");
  std::memcpy(exit_cache_.data.data() + slot * d, x_.data.data() + row * d, d * sizeof(float));
  if (sink_) {
    const Probe p{sink_, exit_cache_component()};
    p.read(x_.address + row * d * 4, d * 4, x_.tensor);
    p.write(exit_cache_.address + slot * d * 4, d * 4, exit_cache_.tensor);
  }
}

void LlamaModel::load_exit_states(std::size_t slots) {
  const std::size_t d = config_.dim;
  if (slots > config_.context_length)
    throw Error(
        "exit query cache holds at most " + std::to_string(config_.context_length) + " slots",
        "LlamaModel::load_exit_states");
  std::memcpy(x_.data.data(), exit_cache_.data.data(), slots * d * sizeof(float));
  if (sink_) {
    const Probe p{sink_, exit_cache_component()};
    p.read(exit_cache_.address, slots * d * 4, exit_cache_.tensor);
    p.write(x_.address, slots * d * 4, x_.tensor);
  }
}

}  // namespace erg::models::llm
