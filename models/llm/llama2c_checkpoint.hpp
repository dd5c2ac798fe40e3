#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "models/llm/llm_config.hpp"

namespace erg::models::llm {

// A Llama checkpoint in Karpathy's llama2.c `.bin` format (models/llm/TRAINING.md, "llama2.c
// checkpoints"), converted at load to erg's names and layout so LlamaModel runs it unchanged:
// version 0 (legacy 7-int32 header, vocab_size < 0 = unshared classifier), version 1 ("ak42"
// 256-byte header, fp32) and version 2 (Q8_0: int8 values then one fp32 scale per group,
// dequantized to fp32 here). The rows of wq and wk are permuted within each head from
// llama2.c's interleaved RoPE pairs (2i, 2i+1) to erg's rotate_half pairs (i, i + hd/2).
struct Llama2cCheckpoint {
  int version = 0;
  std::size_t group_size = 0;  // Q8_0 group (version 2), else 0
  bool shared_classifier = true;
  LlmConfig config;
  // fp32 tensors under erg's names (TRAINING.md, "Export format"); "head.weight" only when the
  // classifier is not shared (config.tie_embeddings = shared_classifier).
  std::map<std::string, std::vector<float>> tensors;

  // Throws erg::Error naming the file, the field and what was expected for a truncated file, a
  // bad magic or version, a size that differs from the header's, or absurd dimensions.
  static Llama2cCheckpoint read(const std::filesystem::path& path);
};

// True for a path erg reads as a llama2.c checkpoint (extension ".bin").
bool is_llama2c_checkpoint(const std::filesystem::path& path);

// One q/k projection [heads * head_dim, cols] with rows in llama2.c's interleaved order -> the
// rotate_half order: within a head, row 2j + a (a in {0, 1}) moves to row a * head_dim/2 + j.
std::vector<float> interleaved_to_rotate_half(std::span<const float> w, std::size_t heads,
                                              std::size_t head_dim, std::size_t cols);

}  // namespace erg::models::llm
