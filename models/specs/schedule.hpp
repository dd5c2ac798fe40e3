#pragma once

#include <cstdint>

#include "core/access_sink.hpp"
#include "models/runtime/variant.hpp"
#include "models/specs/shape_spec.hpp"

namespace erg::models::specs {

// What a schedule covered, to normalize energy per second of audio or per token.
struct ScheduleSummary {
  double audio_seconds = 0.0;
  std::uint64_t encoder_chunks = 0;
  std::uint64_t encoder_frames = 0;  // after time reduction
  std::uint64_t emitted_symbols = 0;
  std::uint64_t tokens = 0;  // LLM tokens generated
  std::uint64_t draft_cycles = 0;
  std::uint64_t drafted_tokens = 0;
  std::uint64_t accepted_tokens = 0;
};

// Streams the events of decoding `workload.audio_seconds` of audio with an RNN-T of `shape`:
// the encoder once per chunk (every layer reads its weights once for the chunk's frames), the
// joiner once per encoder frame x hypothesis x (emitted symbol + 1), the predictor once per
// emitted non-blank symbol x hypothesis. Components: asr.encoder.{input,layer.N,output},
// asr.predictor, asr.joiner. Symbol emissions are spread evenly (a deterministic accumulator),
// so the same workload always gives the same trace.
ScheduleSummary emit_rnnt_schedule(const RnntShape& shape, const RnntWorkload& workload,
                                   const runtime::Variant& variant, AccessSink& sink);

// Streams the events of prefilling `prompt_tokens` and generating `generated_tokens` with a
// Llama-style decoder: llm.embed, llm.layer.N, llm.head. Self-speculative decoding drafts d
// tokens with layers [0, E) and the shared head, then verifies them in one pass of layers
// [E, L); with per-token acceptance a, a cycle yields sum_{i=1..d} a^i + 1 tokens on average
// (the accepted prefix plus the verifier's token), spread evenly by an accumulator.
ScheduleSummary emit_llm_schedule(const LlmShape& shape, const LlmWorkload& workload,
                                  const runtime::Variant& variant, AccessSink& sink);

// Expected tokens per self-speculative cycle: sum_{i=1..d} a^i + 1.
double expected_tokens_per_cycle(double acceptance, std::uint64_t speculations);

}  // namespace erg::models::specs
