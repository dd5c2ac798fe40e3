#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "models/asr/predictor.hpp"
#include "models/asr/rnnt_model.hpp"

namespace erg::models::asr {

enum class DecodeStrategy : std::uint8_t { kGreedy, kBeam };

struct DecodeOptions {
  DecodeStrategy strategy = DecodeStrategy::kGreedy;
  std::size_t beam = 4;                   // kBeam: hypotheses kept per frame
  std::size_t max_symbols_per_frame = 4;  // kGreedy: cap on tokens emitted at one frame
  // Subtracted from the blank logit before the argmax (greedy) or the log-softmax (beam), as
  // sherpa/icefall's blank_penalty: > 0 trades deletions for insertions.
  float blank_penalty = 0.0f;

  static DecodeOptions greedy(std::size_t max_symbols = 4) {
    return {DecodeStrategy::kGreedy, 1, max_symbols, 0.0f};
  }
  static DecodeOptions beam_search(std::size_t beam) {
    return {DecodeStrategy::kBeam, beam, 1, 0.0f};
  }
  DecodeOptions with_blank_penalty(float penalty) const {
    DecodeOptions o = *this;
    o.blank_penalty = penalty;
    return o;
  }
};

std::string_view to_string(DecodeStrategy strategy);

// Per decoder since reset().
struct DecoderStats {
  std::uint64_t frames = 0;
  std::uint64_t joiner_calls = 0;
  std::uint64_t predictor_calls = 0;    // including the start step on blank (at frame 0)
  std::uint64_t symbols = 0;            // non-blank tokens fed to the predictor
  std::uint64_t capped_frames = 0;      // greedy: frames that hit max_symbols_per_frame
  std::uint64_t hypothesis_frames = 0;  // sum over frames of the hypotheses scored
};

// Frame-synchronous RNN-T decoding over encoder output frames, as scripts/train/asr/decode.py:
//  greedy: per frame, emit argmax tokens until blank or the cap;
//  beam:   "modified beam search" (one symbol per frame); candidates with equal token
//          sequences merge by log-sum-exp; the best N survive; no length normalization.
class RnntDecoder {
 public:
  // Throws erg::Error on beam 0 or max_symbols_per_frame 0.
  RnntDecoder(RnntModel& model, DecodeOptions options);

  // Starts a new utterance; the predictor's first step (on blank) waits for the first frame.
  void reset();
  // Decodes one encoder output frame (encoder_dim values).
  void push_frame(std::span<const float> encoder_frame);
  // The best hypothesis so far (the final answer after the last frame).
  std::vector<int> tokens() const;
  const DecoderStats& stats() const { return stats_; }
  const DecodeOptions& options() const { return options_; }

 private:
  struct Hypothesis {
    std::vector<int> tokens;
    double log_prob = 0.0;
    PredictorState state;
    std::vector<float> pred_proj;
  };
  struct Candidate {
    std::vector<int> tokens;
    double log_prob;
    std::size_t parent;
    int token;  // -1: blank (no predictor step)
  };
  void start();
  void step_predictor(Hypothesis& hyp, int token);
  void greedy_frame();
  void beam_frame();
  static void merge(std::vector<Candidate>& cands, Candidate cand);

  RnntModel& model_;
  DecodeOptions options_;
  int blank_;
  std::vector<Hypothesis> hyps_;
  std::vector<float> enc_proj_;
  std::vector<float> log_probs_;
  std::vector<int> order_;
  DecoderStats stats_;
};

}  // namespace erg::models::asr
