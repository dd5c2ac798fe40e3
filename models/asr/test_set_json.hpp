#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/asr/test_set.hpp"
#include "models/asr/word_error_rate.hpp"

namespace erg::models::asr {

// One decoding's test-set figures, the object `erg run asr --eval --json` prints under "greedy"
// and "beam" and AsrModel.evaluate() returns; WERs in percent:
//   wer, ci95 [low, high], words, sub, del, ins, utterances, resamples, ci_level, seed,
//   voices [{voice, heldout, wer, ci95, words, sub, del, ins, utterances}],
//   train_voices {wer, ci95, words, sub, del, ins, utterances} (null without training voices),
//   heldout_mean (null without held-out voices), groups (per group as before, with ci95),
//   overall_wer_percent, heldout_mean_wer_percent, audio_s, decode_s, rtf, *_invocations.
// with_utterances adds per_utterance [{file, words, sub, del, ins}] (what compare needs) and
// hypotheses.
nlohmann::json evaluation_json(const std::vector<TestUtterance>& utterances,
                               const TestSetResult& result, const WerSummary& summary,
                               bool with_utterances = false);

// {variant_a, variant_b, wer_a, wer_b, wer_difference (b - a, percentage points), ci95, words,
//  utterances, resamples, significant, verdict}; an empty variant is the unmodified model.
nlohmann::json comparison_json(const WerComparison& c, std::string_view variant_a,
                               std::string_view variant_b);

// "no difference: the CI contains 0", or "<b> is worse than <a>: the CI lies above 0" (or
// better, below).
std::string comparison_verdict(const WerComparison& c, std::string_view name_a = "a",
                               std::string_view name_b = "b");

// The per_utterance list of an evaluation_json(with_utterances) object back as word errors;
// files gets each entry's file. Throws erg::Error naming the entry on a missing field.
std::vector<WordErrors> per_utterance_from_json(const nlohmann::json& evaluation,
                                                std::vector<std::string>* files = nullptr);

}  // namespace erg::models::asr
