// Word error rate of the shipped models over the committed 100-utterance test set
// (tests/fixtures/asr/testset), through the whole streaming path (FLAC -> fbank -> encoder ->
// greedy decoding). The bounds are measured, not derived: see kBounds.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <string>

#include "core/error.hpp"
#include "models/asr/rnnt_decoder.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/test_set.hpp"
#include "tests/models/asr/rnnt_test_support.hpp"

namespace erg::models::asr {
namespace {

using testing::model_path;
using testing::test_set_dir;

void print(const std::string& what, const TestSetResult& r) {
  std::cout << "[ WER      ] " << what << ":";
  for (const auto& [group, acc] : r.groups)
    std::cout << " " << group << " " << 100.0 * acc.wer() << "%";
  std::cout << " | held-out mean " << 100.0 * r.heldout_mean_wer() << "% | RTF "
            << r.decode_s / r.audio_s << "\n";
}

struct Bound {
  const char* encoder;
  double train_voices_wer_max;  // fraction
  double heldout_mean_wer_max;  // fraction
};

// Upper bounds on fp32 greedy WER on the committed set, a few points above what the shipped
// weights measured (the C++ figures equal the Python decoder's in the JSON's
// wer.testset_committed; lstm exported 2026-11-29 17:36 UTC, emformer 15:00 UTC): lstm 5.1 %
// training voices, 10.5 % held-out mean; emformer 1.0 % and 12.4 %. They guard against the
// engine or an export getting worse (models/asr/ENGINE.md has the 1200-utterance test split
// figures).
constexpr Bound kBounds[] = {{"lstm", 0.08, 0.14}, {"emformer", 0.05, 0.16}};

class RnntWer : public ::testing::TestWithParam<Bound> {};

TEST_P(RnntWer, TestSetWerFp32AndInt8) {
  const Bound b = GetParam();
  if (!testing::shipped(b.encoder)) GTEST_SKIP() << "no shipped asr-" << b.encoder;
  const auto utts = read_test_set(test_set_dir());
  ASSERT_EQ(utts.size(), 100U);  // the committed set (tests/fixtures/asr/README.md)
  auto fp32 = RnntModel::load(model_path(b.encoder));
  const auto r32 = evaluate_test_set(fp32, utts, DecodeOptions::greedy(4));
  print(std::string(b.encoder) + " fp32 greedy", r32);
  auto int8 = RnntModel::load(model_path(b.encoder), runtime::Variant::parse("asr:bits=8"));
  const auto r8 = evaluate_test_set(int8, utts, DecodeOptions::greedy(4));
  print(std::string(b.encoder) + " int8 greedy", r8);

  // 40 utterances of training voices and 20 of each of three held-out voices.
  ASSERT_EQ(r32.groups.size(), 4U);
  EXPECT_EQ(r32.groups.at(kTrainVoices).utterances(), 40U);
  EXPECT_TRUE(std::isfinite(r32.all.wer()));
  EXPECT_LE(r32.groups.at(kTrainVoices).wer(), b.train_voices_wer_max);
  EXPECT_LE(r32.heldout_mean_wer(), b.heldout_mean_wer_max);
  EXPECT_TRUE(std::isfinite(r8.all.wer()));
  // Per-channel int8 stays within one WER point of fp32 over the whole set (issue 4; measured
  // per group: lstm -1.0 point on training voices and -0.3 held-out mean, emformer +0.3 on
  // training voices and the same held-out mean).
  EXPECT_LE(std::abs(r8.all.wer() - r32.all.wer()), 0.01);
}

// Two models on two threads share out the utterances; the result equals one model's.
TEST(RnntTestSet, ThreadedEvaluationEqualsOneModel) {
  if (!testing::shipped("lstm")) GTEST_SKIP() << "no shipped asr-lstm";
  auto utts = read_test_set(test_set_dir());
  utts.resize(30);
  auto a = RnntModel::load(model_path("lstm"));
  auto b = RnntModel::load(model_path("lstm"));
  const auto options = DecodeOptions::beam_search(2);
  const auto one = evaluate_test_set(a, utts, options);
  RnntModel* const both[] = {&a, &b};
  const auto two = evaluate_test_set(both, utts, options);
  EXPECT_EQ(two.hypotheses, one.hypotheses);
  EXPECT_EQ(two.per_utterance, one.per_utterance);
  // One entry per utterance, in listing order, summing to the corpus totals.
  ASSERT_EQ(one.per_utterance.size(), utts.size());
  WordErrors sum;
  for (const auto& e : one.per_utterance)
    sum += e;
  EXPECT_EQ(sum, one.all.totals());
  EXPECT_EQ(one.per_utterance[3], word_errors(utts[3].text, one.hypotheses[3]));
  EXPECT_EQ(two.all.totals().substitutions, one.all.totals().substitutions);
  EXPECT_EQ(two.all.totals().deletions, one.all.totals().deletions);
  EXPECT_EQ(two.joiner_invocations, one.joiner_invocations);
  EXPECT_EQ(two.encoder_invocations, one.encoder_invocations);
  EXPECT_DOUBLE_EQ(two.audio_s, one.audio_s);

  // A missing file's error comes back from whichever thread met it.
  utts[17].file = utts[17].file.parent_path() / "no-such-utterance.flac";
  try {
    evaluate_test_set(both, utts, options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-utterance.flac"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(ShippedModels, RnntWer, ::testing::Values(kBounds[0], kBounds[1]),
                         [](const auto& info) { return std::string(info.param.encoder); });

}  // namespace
}  // namespace erg::models::asr
