#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "models/specs/schedule.hpp"
#include "models/specs/spec_emitter.hpp"

namespace erg::models::specs {
namespace {

constexpr std::uint64_t kF32 = sizeof(float);

struct EncoderLayer {
  ComponentId id;
  SpecTensor norms, q, kv, out, ffn_in, ffn_out, kv_cache, activations;
};

}  // namespace

ScheduleSummary emit_rnnt_schedule(const RnntShape& s, const RnntWorkload& w,
                                   const runtime::Variant& variant, AccessSink& sink) {
  if (!(w.blank_ratio > 0.0 && w.blank_ratio <= 1.0)) {
    throw Error("blank_ratio must lie in (0, 1]", "RNN-T workload");
  }
  SpecEmitter e(sink, variant);
  auto& reg = ComponentRegistry::global();
  const std::uint64_t d = s.d_model;
  const std::uint64_t chunk_in = s.segment_frames + s.right_context_frames;  // input frames
  const std::uint64_t chunk_enc =
      (chunk_in + s.time_reduction_stride - 1) / s.time_reduction_stride;
  const std::uint64_t out_frames = s.segment_frames / s.time_reduction_stride;

  // Encoder tensors, as torchaudio's _EmformerEncoder lays them out.
  const auto input = e.weight("asr.encoder.input", "linear", s.input_proj_dim, s.input_dim, false);
  const auto input_id = input.component;
  std::vector<EncoderLayer> layers;
  for (std::uint64_t l = 0; l < s.layers; ++l) {
    const std::string c = "asr.encoder.layer." + std::to_string(l);
    layers.push_back(
        {reg.intern(c), e.buffer(c, "norms", 6 * d * kF32), e.weight(c, "attn_q", d, d, true),
         e.weight(c, "attn_kv", 2 * d, d, true), e.weight(c, "attn_out", d, d, true),
         e.weight(c, "ffn_in", s.ffn_dim, d, true), e.weight(c, "ffn_out", d, s.ffn_dim, true),
         e.buffer(c, "kv_cache", (s.left_context_frames + chunk_enc) * 2 * d * kF32),
         e.buffer(c, "activations", chunk_enc * s.ffn_dim * kF32)});
  }
  const auto enc_out = e.weight("asr.encoder.output", "linear", s.encoder_output_dim, d, true);
  // Predictor: embedding, LSTM stack, output projection; state per hypothesis.
  const auto embed = e.weight("asr.predictor", "embedding", s.vocab, s.embed_dim, false);
  std::vector<std::pair<SpecTensor, SpecTensor>> lstm;
  for (std::uint64_t l = 0; l < s.lstm_layers; ++l) {
    const std::uint64_t in = l == 0 ? s.embed_dim : s.lstm_hidden;
    lstm.emplace_back(e.weight("asr.predictor", "lstm." + std::to_string(l) + ".w_ih",
                               4 * s.lstm_hidden, in, true),
                      e.weight("asr.predictor", "lstm." + std::to_string(l) + ".w_hh",
                               4 * s.lstm_hidden, s.lstm_hidden, true));
  }
  const auto pred_out = e.weight("asr.predictor", "output", s.joiner_dim, s.lstm_hidden, true);
  const auto pred_state =
      e.buffer("asr.predictor", "state", w.beam * s.lstm_layers * 2 * s.lstm_hidden * kF32);
  const auto pred_id = pred_out.component;
  // Joiner: add, relu, linear to the vocabulary.
  const auto joiner = e.weight("asr.joiner", "linear", s.vocab, s.joiner_dim, true);
  const auto joiner_io =
      e.buffer("asr.joiner", "activations", w.beam * (s.joiner_dim + s.vocab) * kF32);
  const auto joiner_id = joiner.component;
  const auto enc_out_id = enc_out.component;

  ScheduleSummary summary;
  summary.audio_seconds = w.audio_seconds;
  const auto total_in =
      static_cast<std::uint64_t>(std::llround(w.audio_seconds * w.input_frames_per_second));
  const std::uint64_t chunks = (total_in + s.segment_frames - 1) / s.segment_frames;
  const double symbols_per_frame = 1.0 / w.blank_ratio - 1.0;
  const std::uint64_t hyp_batches = w.batch_hypotheses ? 1 : w.beam;
  const std::uint64_t hyps_per_batch = w.batch_hypotheses ? w.beam : 1;
  double symbol_accumulator = 0.0;

  for (std::uint64_t chunk = 0; chunk < chunks; ++chunk) {
    ++summary.encoder_chunks;
    e.invoke(input_id);
    e.apply(input, chunk_in);
    for (const auto& L : layers) {
      e.invoke(L.id);
      e.read(L.norms);
      e.apply(L.q, chunk_enc);
      e.apply(L.kv, chunk_enc);
      const std::uint64_t context =
          std::min<std::uint64_t>(s.left_context_frames, chunk * out_frames) + chunk_enc;
      e.read(L.kv_cache, context * 2 * d * kF32);
      e.compute(L.id, 2 * chunk_enc * context * d, Precision::kFp32);  // scores and weighted sum
      e.write(L.kv_cache, chunk_enc * 2 * d * kF32);
      e.apply(L.out, chunk_enc);
      e.apply(L.ffn_in, chunk_enc);
      e.write(L.activations);
      e.read(L.activations);
      e.apply(L.ffn_out, chunk_enc);
    }
    e.invoke(enc_out_id);
    e.apply(enc_out, out_frames);

    for (std::uint64_t f = 0; f < out_frames; ++f) {
      ++summary.encoder_frames;
      symbol_accumulator += symbols_per_frame;
      const auto symbols = static_cast<std::uint64_t>(std::floor(symbol_accumulator + 1e-9));
      symbol_accumulator -= static_cast<double>(symbols);
      summary.emitted_symbols += symbols * w.beam;
      for (std::uint64_t step = 0; step <= symbols; ++step) {
        for (std::uint64_t b = 0; b < hyp_batches; ++b) {
          e.invoke(joiner_id, hyps_per_batch);
          e.read(joiner_io, hyps_per_batch * s.joiner_dim * kF32);
          e.compute(joiner_id, hyps_per_batch * s.joiner_dim, Precision::kFp32);  // add + relu
          e.apply(joiner, hyps_per_batch);
          e.write(joiner_io, hyps_per_batch * s.vocab * kF32);
        }
        if (step == symbols) break;
        // A non-blank symbol extends each hypothesis: the predictor runs on it.
        for (std::uint64_t b = 0; b < hyp_batches; ++b) {
          e.invoke(pred_id, hyps_per_batch);
          e.lookup(embed, hyps_per_batch);
          e.read(pred_state);
          for (const auto& [w_ih, w_hh] : lstm) {
            e.apply(w_ih, hyps_per_batch);
            e.apply(w_hh, hyps_per_batch);
          }
          e.apply(pred_out, hyps_per_batch);
          e.write(pred_state);
        }
      }
    }
  }
  return summary;
}

}  // namespace erg::models::specs
