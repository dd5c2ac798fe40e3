// WER with bootstrap intervals: estimate_wer, the paired comparison, the per-voice summary of a
// test-set result and its JSON. The results are built by hand (no model runs); the intervals
// themselves are tested against hand-derived and binomial cases in tests/core/bootstrap_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "models/asr/test_set.hpp"
#include "models/asr/test_set_json.hpp"
#include "models/asr/word_error_rate.hpp"

namespace erg::models::asr {
namespace {

// Utterances of three voices (train A and B, held-out H) and a result scoring them as if
// decoded: the listing and the errors are made up, so every total is counted by hand.
struct Fixture {
  std::vector<TestUtterance> utts;
  TestSetResult result;
};

Fixture make_fixture() {
  Fixture f;
  const struct {
    const char* voice;
    bool heldout;
    const char* ref;
    const char* hyp;
  } rows[] = {
      {"A", false, "turn on the lights", "turn on the lights"},         // 4 words, 0 errors
      {"A", false, "set a timer", "set the timer"},                     // 3, S 1
      {"B", false, "call mom", "call mom now"},                         // 2, I 1
      {"H", true, "play the latest album", "play latest album"},        // 4, D 1
      {"H", true, "what is the weather", "what is the weather today"},  // 4, I 1
      {"H", true, "hang up", "hang up"},                                // 2, 0
  };
  for (const auto& r : rows) {
    f.utts.push_back({std::string(r.voice) + ".flac", r.ref, r.voice, r.heldout});
    f.result.groups[r.heldout ? r.voice : std::string(kTrainVoices)].add(r.ref, r.hyp);
    f.result.per_utterance.push_back(f.result.all.add(r.ref, r.hyp));
    f.result.hypotheses.push_back(r.hyp);
  }
  return f;
}

TEST(AsrWerSummary, EstimateSumsAndBracketsTheWer) {
  const auto f = make_fixture();
  const WerEstimate e = estimate_wer(f.result.per_utterance);
  EXPECT_EQ(e.totals, (WordErrors{19, 1, 1, 2}));
  EXPECT_EQ(e.utterances, 6U);
  EXPECT_DOUBLE_EQ(e.wer.value, 4.0 / 19.0);
  EXPECT_LE(e.wer.low, e.wer.value);
  EXPECT_GE(e.wer.high, e.wer.value);
  EXPECT_GT(e.wer.high, e.wer.low);
  EXPECT_EQ(e.wer.resamples, 2000U);
  EXPECT_TRUE(std::isnan(estimate_wer({}).wer.value));
}

TEST(AsrWerSummary, PerVoiceAndGroups) {
  const auto f = make_fixture();
  const WerSummary s = summarize(f.utts, f.result);
  ASSERT_EQ(s.voices.size(), 3U);  // sorted by name
  EXPECT_EQ(s.voices[0].voice, "A");
  EXPECT_FALSE(s.voices[0].heldout);
  EXPECT_EQ(s.voices[0].estimate.totals, (WordErrors{7, 1, 0, 0}));
  EXPECT_EQ(s.voices[1].estimate.totals, (WordErrors{2, 0, 0, 1}));
  EXPECT_TRUE(s.voices[2].heldout);
  EXPECT_EQ(s.voices[2].estimate.totals, (WordErrors{10, 0, 1, 1}));
  EXPECT_EQ(s.voices[2].estimate.utterances, 3U);
  // train_voices pools A and B; H is its own group, as in TestSetResult::groups.
  ASSERT_EQ(s.groups.size(), 2U);
  EXPECT_EQ(s.groups.at(kTrainVoices).totals, (WordErrors{9, 1, 0, 1}));
  EXPECT_DOUBLE_EQ(s.groups.at("H").wer.value, 2.0 / 10.0);
  EXPECT_DOUBLE_EQ(s.heldout_mean_wer, 0.2);
  EXPECT_DOUBLE_EQ(s.overall.wer.value, f.result.all.wer());
  // A voice resamples its own utterances: H's interval lies within what its 3 utterances
  // allow (0/2 .. 1/4 per utterance: the ratio of sums stays in [0, 0.25]).
  EXPECT_GE(s.voices[2].estimate.wer.low, 0.0);
  EXPECT_LE(s.voices[2].estimate.wer.high, 0.25);

  auto broken = f.result;
  broken.per_utterance.pop_back();
  EXPECT_THROW(summarize(f.utts, broken), Error);
}

TEST(AsrWerSummary, JsonShape) {
  const auto f = make_fixture();
  const auto j = evaluation_json(f.utts, f.result, summarize(f.utts, f.result), true);
  EXPECT_DOUBLE_EQ(j["wer"].get<double>(), 400.0 / 19.0);
  EXPECT_EQ(j["words"], 19);
  EXPECT_EQ(j["sub"], 1);
  EXPECT_EQ(j["del"], 1);
  EXPECT_EQ(j["ins"], 2);
  EXPECT_EQ(j["utterances"], 6);
  EXPECT_EQ(j["resamples"], 2000);
  ASSERT_EQ(j["ci95"].size(), 2U);
  EXPECT_LE(j["ci95"][0].get<double>(), j["wer"].get<double>());
  EXPECT_GE(j["ci95"][1].get<double>(), j["wer"].get<double>());
  ASSERT_EQ(j["voices"].size(), 3U);
  std::size_t words = 0;
  for (const auto& v : j["voices"]) {
    for (const char* key :
         {"voice", "heldout", "wer", "ci95", "words", "sub", "del", "ins", "utterances"})
      EXPECT_TRUE(v.contains(key)) << key;
    words += v["words"].get<std::size_t>();
  }
  EXPECT_EQ(words, 19U);
  EXPECT_EQ(j["train_voices"]["words"], 9);
  EXPECT_DOUBLE_EQ(j["heldout_mean"].get<double>(), 20.0);
  EXPECT_EQ(j["groups"]["H"]["reference_words"], 10);  // the fields printed before intervals
  EXPECT_TRUE(j["groups"]["H"].contains("ci95"));
  EXPECT_EQ(j["per_utterance"].size(), 6U);
  EXPECT_EQ(per_utterance_from_json(j), f.result.per_utterance);
  EXPECT_FALSE(
      evaluation_json(f.utts, f.result, summarize(f.utts, f.result)).contains("hypotheses"));
  EXPECT_THROW(per_utterance_from_json(nlohmann::json::object()), Error);
}

TEST(AsrWerSummary, PairedComparison) {
  const auto f = make_fixture();
  const auto& a = f.result.per_utterance;
  // A model compared with itself: exactly no difference.
  const WerComparison same = compare_wer(a, a);
  EXPECT_EQ(same.difference.value, 0.0);
  EXPECT_EQ(same.difference.low, 0.0);
  EXPECT_EQ(same.difference.high, 0.0);
  EXPECT_FALSE(same.significant());
  EXPECT_EQ(comparison_verdict(same), "no difference: the CI contains 0");
  const auto j = comparison_json(same, "", "asr:bits=8");
  EXPECT_EQ(j["wer_difference"], 0.0);
  EXPECT_EQ(j["ci95"], nlohmann::json::array({0.0, 0.0}));
  EXPECT_EQ(j["words"], 19);
  EXPECT_EQ(j["utterances"], 6);
  EXPECT_EQ(j["significant"], false);

  // b deletes one more word in every utterance: 6 more errors over 19 words, and every
  // resample's difference is n / (its words) > 0, so the interval lies above 0.
  std::vector<WordErrors> b = a;
  for (auto& e : b)
    ++e.deletions;
  const WerComparison worse = compare_wer(a, b);
  EXPECT_DOUBLE_EQ(worse.difference.value, 6.0 / 19.0);
  EXPECT_GT(worse.difference.low, 0.0);
  EXPECT_TRUE(worse.significant());
  EXPECT_EQ(comparison_verdict(worse, "fp32", "int4"),
            "int4 is worse than fp32: the CI lies above 0");
  EXPECT_EQ(comparison_verdict(compare_wer(b, a), "x", "y"),
            "y is better than x: the CI lies below 0");

  // Different utterances cannot be paired.
  std::vector<WordErrors> shorter(a.begin(), a.end() - 1);
  EXPECT_THROW(paired_wer_difference(a, shorter), Error);
  std::vector<WordErrors> other_words = a;
  other_words[2].reference_words += 1;
  EXPECT_THROW(paired_wer_difference(a, other_words), Error);
}

TEST(AsrWerSummary, VoiceHeldOutOnSomeLinesOnlyIsRejected) {
  const auto dir = std::filesystem::temp_directory_path() / "erg_wer_summary_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "testset.tsv") << "file\ttext\tvoice\theldout\n"
                                        "a.flac\thang up\tv1\t1\n"
                                        "b.flac\tcall mom\tv1\t0\n";
  try {
    read_test_set(dir);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("voice 'v1' is held out on some lines"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("testset.tsv:3"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace erg::models::asr
