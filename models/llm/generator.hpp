#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/llm/llama_model.hpp"
#include "models/llm/sampler.hpp"

namespace erg::models::llm {

enum class Strategy : std::uint8_t { kAutoregressive, kEarlyExit, kSelfSpeculative };

std::string_view to_string(Strategy strategy);
// "ar", "exit", "selfspec"; throws erg::Error otherwise.
Strategy parse_strategy(std::string_view text);

struct GenerateOptions {
  Strategy strategy = Strategy::kAutoregressive;
  std::size_t exit_layer = 0;    // E: early exit depth, and the drafter depth of self-speculation
  std::size_t speculations = 4;  // d: tokens drafted per self-speculative round (the most)
  // Ends a round's drafting early once the drafter's top probability for its latest token is
  // below this (0 = always draft d). The rule looks only at the drafter, so greedy output and the
  // sampling distribution are unchanged; it saves draft passes that would likely be rejected.
  double draft_confidence = 0.0;
  std::size_t max_new_tokens = 64;
  std::vector<std::string> stop;  // stop sequences (removed from the returned text)
  bool stop_at_eos = true;
  // The text a token adds after the token before it (the prompt's last for the first); empty:
  // byte-level, ids 0..255 are bytes and the rest add nothing (llama2.c vocabularies set it).
  std::function<std::string(int previous, int token)> token_text;
  SamplingParams sampling;
  std::uint64_t seed = 42;
};

struct GenerationStats {
  std::size_t prompt_tokens = 0;
  std::size_t new_tokens = 0;
  double time_s = 0.0;
  std::size_t rounds = 0;                        // self-speculative draft/verify rounds
  std::size_t drafted = 0;                       // tokens proposed by the drafter
  std::size_t accepted = 0;                      // drafted tokens the verifier kept
  std::vector<std::uint64_t> layer_invocations;  // per layer, this generation
  std::uint64_t head_invocations = 0;
  std::uint64_t weight_bytes = 0;  // weights read (embedding rows, layers, head)

  double tokens_per_s() const { return time_s > 0 ? double(new_tokens) / time_s : 0.0; }
  double acceptance_rate() const { return drafted ? double(accepted) / double(drafted) : 0.0; }
  double weight_bytes_per_token() const {
    return new_tokens ? double(weight_bytes) / double(new_tokens) : 0.0;
  }
};

struct Generation {
  std::vector<int> tokens;  // generated ids (EOS excluded; a matched stop sequence included)
  std::string text;         // the text of `tokens` (token_text), minus a matched stop sequence
  std::string stop_reason;  // "max_tokens", "eos", "stop_sequence", "context"
  GenerationStats stats;
};

// Generates a continuation of `prompt` (ids, normally [BOS] + bytes). Greedy self-speculative
// decoding returns exactly the autoregressive output; with temperature > 0 it uses speculative
// sampling (accept with min(1, p/q), else resample from normalized max(0, p - q)), whose output
// follows the full-depth sampling distribution. Throws erg::Error for invalid options.
Generation generate(LlamaModel& model, std::span<const int> prompt, const GenerateOptions& options);

}  // namespace erg::models::llm
