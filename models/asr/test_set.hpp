#pragma once

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "models/asr/rnnt_decoder.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/word_error_rate.hpp"

namespace erg::models::asr {

// One line of a test set listing (testset.tsv: file, text, voice, heldout 0/1).
struct TestUtterance {
  std::filesystem::path file;  // absolute (the listing's directory + file)
  std::string text;
  std::string voice;
  bool heldout = false;
};

// Reads <dir>/testset.tsv (or a .tsv path). Throws erg::Error naming the file and line on a
// missing header column, a short line, a bad heldout flag or a voice held out on some lines only.
std::vector<TestUtterance> read_test_set(const std::filesystem::path& dir_or_tsv);

// Corpus WER per group: "train_voices" (every non-held-out voice together) and each held-out
// voice by name.
struct TestSetResult {
  std::map<std::string, WerAccumulator> groups;
  WerAccumulator all;
  std::vector<std::string> hypotheses;    // per utterance, in listing order
  std::vector<WordErrors> per_utterance;  // per utterance, in listing order (for bootstraps)
  double audio_s = 0.0;
  double decode_s = 0.0;  // wall time of recognition (frontend included)
  std::uint64_t encoder_invocations = 0, predictor_invocations = 0, joiner_invocations = 0;

  // Mean of the held-out voices' WERs (fraction), NaN when there are none.
  double heldout_mean_wer() const;
};

inline constexpr const char* kTrainVoices = "train_voices";

// Recognizes every utterance (whole file pushed, streaming path) and scores it.
TestSetResult evaluate_test_set(RnntModel& model, const std::vector<TestUtterance>& utterances,
                                const DecodeOptions& options);
// The same on one thread per model (the models loaded alike): utterances are shared out, and the
// result is identical to one model's. decode_s stays the sum of per-utterance decode times.
// Rethrows the first failing utterance's error, in listing order.
TestSetResult evaluate_test_set(std::span<RnntModel* const> models,
                                const std::vector<TestUtterance>& utterances,
                                const DecodeOptions& options);

// WER with bootstrap intervals from a result's per_utterance errors: overall, per voice and per
// group, each group resampling its own utterances only.
struct VoiceWer {
  std::string voice;
  bool heldout = false;
  WerEstimate estimate;
};
struct WerSummary {
  BootstrapOptions options;
  WerEstimate overall;
  std::vector<VoiceWer> voices;               // every voice, training ones too, sorted by name
  std::map<std::string, WerEstimate> groups;  // the groups of TestSetResult::groups
  double heldout_mean_wer = 0.0;              // TestSetResult::heldout_mean_wer()
};
// Throws erg::Error when result.per_utterance does not hold one entry per utterance.
WerSummary summarize(const std::vector<TestUtterance>& utterances, const TestSetResult& result,
                     const BootstrapOptions& options = {});

}  // namespace erg::models::asr
