#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace erg::models::specs {

// Shapes of a streaming Emformer RNN-T (torchaudio's emformer_rnnt layout).
struct RnntShape {
  std::uint64_t input_dim = 80;
  std::uint64_t input_proj_dim = 128;  // input linear, per input frame, before time reduction
  std::uint64_t time_reduction_stride = 4;
  std::uint64_t layers = 20;
  std::uint64_t d_model = 512;
  std::uint64_t ffn_dim = 2048;
  std::uint64_t heads = 8;
  std::uint64_t segment_frames = 16;  // input frames per chunk
  std::uint64_t right_context_frames = 4;
  std::uint64_t left_context_frames = 30;  // encoder frames of attention memory
  std::uint64_t encoder_output_dim = 1024;
  std::uint64_t vocab = 4097;  // including blank
  std::uint64_t embed_dim = 512;
  std::uint64_t lstm_layers = 3;
  std::uint64_t lstm_hidden = 512;
  std::uint64_t joiner_dim = 1024;
};

// How the RNN-T is driven: the invocation schedule's parameters.
struct RnntWorkload {
  double audio_seconds = 1.0;
  double input_frames_per_second = 100.0;
  double blank_ratio = 0.8;  // fraction of joiner outputs that are blank
  std::uint64_t beam = 4;
  bool batch_hypotheses = true;  // one weight read per step for all hypotheses
};

// Shapes of a Llama-style decoder.
struct LlmShape {
  std::uint64_t layers = 32;
  std::uint64_t d_model = 4096;
  std::uint64_t ffn_dim = 11008;
  std::uint64_t heads = 32;
  std::uint64_t kv_heads = 32;
  std::uint64_t vocab = 32000;
  bool tied_embeddings = false;
  std::uint64_t kv_bytes_per_element = 2;  // fp16 KV cache
};

enum class LlmStrategy { kAutoregressive, kEarlyExit, kSelfSpeculative };

struct LlmWorkload {
  std::uint64_t prompt_tokens = 128;
  std::uint64_t generated_tokens = 64;
  LlmStrategy strategy = LlmStrategy::kAutoregressive;
  std::uint64_t exit_layer = 0;    // E: draft (or exit) with layers [0, E)
  std::uint64_t speculations = 0;  // d: tokens drafted per cycle
  double acceptance = 0.8;         // probability that each drafted token matches the verifier
};

// A shape-only model spec from models/specs/<name>.toml: shapes, default workload, sources.
struct ShapeSpec {
  std::string name;
  std::string description;
  std::vector<std::string> sources;
  std::variant<RnntShape, LlmShape> shape;
  std::variant<RnntWorkload, LlmWorkload> workload;
};

// Loads a spec by name (models/specs/<name>.toml under the data root) or by path. Errors name
// the file, line, key and expected type.
ShapeSpec load_shape_spec(std::string_view name_or_path);

LlmStrategy parse_llm_strategy(std::string_view text);  // "ar", "exit", "selfspec"
std::string_view to_string(LlmStrategy strategy);

}  // namespace erg::models::specs
