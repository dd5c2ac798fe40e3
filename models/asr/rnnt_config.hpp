#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/asr/fbank.hpp"
#include "models/runtime/elementwise.hpp"

namespace erg::models::asr {

enum class EncoderKind : std::uint8_t { kLstm, kEmformer };

struct LstmEncoderConfig {
  std::size_t layers = 0;
  std::size_t hidden = 0;
  // Stacked frames the encoder consumes per invocation (the fixture's 32 fbank frames). The
  // output does not depend on it; invocation counts and latency do.
  std::size_t chunk = 8;
};

struct EmformerConfig {
  std::size_t d_model = 0;
  std::size_t heads = 0;
  std::size_t ffn_dim = 0;
  std::size_t layers = 0;
  std::size_t chunk = 0;  // C, stacked frames per chunk
  std::size_t left = 0;   // L, cached key/value rows per layer
  std::size_t right = 0;  // R, lookahead frames
  std::size_t n_rel = 0;
  std::size_t rel_offset = 0;
};

// The architecture, vocabulary and frontend of a shipped RNN-T model, from its JSON
// (models/asr/TRAINING.md, "Export format").
struct RnntConfig {
  std::string name;
  EncoderKind encoder = EncoderKind::kLstm;
  std::size_t n_mels = 0;
  std::size_t stack_frames = 0;
  LstmEncoderConfig lstm;
  EmformerConfig emformer;
  std::size_t embed_dim = 0;
  std::size_t predictor_hidden = 0;
  std::size_t vocab_rows = 0;  // predictor embedding rows (vocabulary + blank)
  std::size_t joiner_dim = 0;
  std::size_t n_out = 0;  // joiner outputs (vocabulary + blank)
  runtime::Activation joiner_activation = runtime::Activation::kTanh;
  int blank_id = 0;
  std::vector<std::string> vocabulary;  // index = token id
  FbankOptions fbank;
  std::vector<float> mean;  // normalization per mel bin
  std::vector<float> std;
  // Recommended decoding setting (optional "decoding": {"blank_penalty": P}; 0 when absent),
  // tuned on the dev split at export.
  float blank_penalty = 0.0f;

  std::size_t encoder_dim() const {
    return encoder == EncoderKind::kLstm ? lstm.hidden : emformer.d_model;
  }
  std::size_t stacked_dim() const { return n_mels * stack_frames; }

  // Throws erg::Error naming `where` and the field ("architecture.emformer.heads") when a field
  // is missing, of the wrong type or inconsistent.
  static RnntConfig parse(const nlohmann::json& json, const std::string& where);
};

std::string_view to_string(EncoderKind kind);

}  // namespace erg::models::asr
