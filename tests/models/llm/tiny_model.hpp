#pragma once

#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "models/llm/llm_config.hpp"
#include "models/runtime/safetensors.hpp"

namespace erg::models::llm::testing {

// A tiny random LayerSkip-layout model written with the runtime's safetensors writer, the
// architecture in __metadata__.config as the exporter writes it (models/llm/TRAINING.md).
struct TinyModel {
  LlmConfig config;
  std::map<std::string, std::vector<float>> tensors;
  std::map<std::string, std::vector<std::int64_t>> shapes;
  std::filesystem::path path;
};

inline LlmConfig tiny_config() {
  LlmConfig c;
  c.vocab_size = 259;
  c.dim = 32;
  c.n_layers = 4;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.head_dim = 8;
  c.ffn_dim = 48;
  c.context_length = 96;
  c.rope_theta = 10000.0;
  c.norm_eps = 1e-5f;
  return c;
}

// (Re)writes the model file from `m.tensors`.
inline void rewrite(const TinyModel& m) {
  std::vector<runtime::SafetensorsTensor> list;
  for (const auto& [n, v] : m.tensors)
    list.push_back(runtime::f32_tensor(n, m.shapes.at(n), v));
  runtime::write_safetensors(
      m.path, list, {{"format", "erg-llm-layerskip-v1"}, {"config", m.config.to_json().dump()}});
}

// `deep_scale` multiplies the output projections of layers past the first half: small values
// make deep layers change little, so early exits agree with the full model more often.
inline TinyModel write_tiny_model(const std::string& name, unsigned seed,
                                  LlmConfig c = tiny_config(), float head_std = 0.3f,
                                  float deep_scale = 1.0f) {
  TinyModel m;
  m.config = c;
  std::mt19937 rng(seed);
  auto add = [&](const std::string& n, std::vector<std::int64_t> shape, float stddev, float mean) {
    std::size_t count = 1;
    for (auto s : shape)
      count *= std::size_t(s);
    std::normal_distribution<float> dist(mean, stddev);
    std::vector<float> v(count);
    for (auto& x : v)
      x = dist(rng);
    m.tensors[n] = std::move(v);
    m.shapes[n] = std::move(shape);
  };
  const auto d = std::int64_t(c.dim), qd = std::int64_t(c.n_heads * c.head_dim),
             kvd = std::int64_t(c.n_kv_heads * c.head_dim), f = std::int64_t(c.ffn_dim),
             vocab = std::int64_t(c.vocab_size);
  add("embed.weight", {vocab, d}, 1.0f, 0.0f);
  for (std::size_t l = 0; l < c.n_layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    const float out_std = 0.2f * (l >= c.n_layers / 2 ? deep_scale : 1.0f);
    add(p + "attn_norm.weight", {d}, 0.1f, 1.0f);
    add(p + "wq.weight", {qd, d}, 0.3f, 0.0f);
    add(p + "wk.weight", {kvd, d}, 0.3f, 0.0f);
    add(p + "wv.weight", {kvd, d}, 0.3f, 0.0f);
    add(p + "wo.weight", {d, qd}, out_std, 0.0f);
    add(p + "mlp_norm.weight", {d}, 0.1f, 1.0f);
    add(p + "w_gate.weight", {f, d}, 0.3f, 0.0f);
    add(p + "w_up.weight", {f, d}, 0.3f, 0.0f);
    add(p + "w_down.weight", {d, f}, out_std, 0.0f);
  }
  add("norm.weight", {d}, 0.1f, 1.0f);
  add("head.weight", {vocab, d}, head_std, 0.0f);
  m.path = std::filesystem::temp_directory_path() /
           ("erg_llm_" + std::to_string(::getpid()) + "_" + name + ".safetensors");
  rewrite(m);
  return m;
}

}  // namespace erg::models::llm::testing
