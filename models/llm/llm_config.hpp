#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace erg::models::llm {

// The architecture of a Llama-style LayerSkip decoder (models/llm/TRAINING.md, "Dimensions").
struct LlmConfig {
  std::size_t vocab_size = 259;
  std::size_t dim = 0;
  std::size_t n_layers = 0;
  std::size_t n_heads = 0;
  std::size_t n_kv_heads = 0;
  std::size_t head_dim = 0;
  std::size_t ffn_dim = 0;
  std::size_t context_length = 0;
  double rope_theta = 10000.0;
  float norm_eps = 1e-5f;
  bool tie_embeddings = false;
  int bos_id = 256;
  int eos_id = 257;
  int pad_id = 258;

  // Reads the keys named above; throws erg::Error naming `where` and the missing or bad key.
  static LlmConfig from_json(const nlohmann::json& json, const std::string& where);
  nlohmann::json to_json() const;
  // Checks the dimensions fit together (heads divide, even head_dim, ...).
  void validate(const std::string& where) const;
};

}  // namespace erg::models::llm
