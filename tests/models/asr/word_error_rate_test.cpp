#include "models/asr/word_error_rate.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace erg::models::asr {
namespace {

// All expectations below are counted by hand from the word sequences.

TEST(AsrWordErrorRate, SplitsOnAnyWhitespace) {
  const auto words = split_words("  set a\ttimer\n for  ten minutes ");
  ASSERT_EQ(words.size(), 6U);
  EXPECT_EQ(words[0], "set");
  EXPECT_EQ(words[2], "timer");
  EXPECT_EQ(words[5], "minutes");
  EXPECT_TRUE(split_words(" \t\n").empty());
}

TEST(AsrWordErrorRate, IdenticalIsZero) {
  const WordErrors e = word_errors("call mom on mobile", "call mom on mobile");
  EXPECT_EQ(e, (WordErrors{4, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(e.wer(), 0.0);
}

TEST(AsrWordErrorRate, OneOfEachKind) {
  // ref: turn on the kitchen lights ; hyp: turn the kitchen light please
  // "on" deleted, "lights" -> "light" substituted, "please" inserted: S=1 D=1 I=1 over 5.
  const WordErrors e = word_errors("turn on the kitchen lights", "turn the kitchen light please");
  EXPECT_EQ(e, (WordErrors{5, 1, 1, 1}));
  EXPECT_DOUBLE_EQ(e.wer(), 3.0 / 5.0);
}

TEST(AsrWordErrorRate, EmptyHypothesisDeletesEverything) {
  EXPECT_EQ(word_errors("what is the weather", ""), (WordErrors{4, 0, 4, 0}));
  EXPECT_DOUBLE_EQ(word_errors("what is the weather", "").wer(), 1.0);
}

TEST(AsrWordErrorRate, EmptyReferenceCountsInsertions) {
  const WordErrors e = word_errors("", "stop music");
  EXPECT_EQ(e, (WordErrors{0, 0, 0, 2}));
  EXPECT_TRUE(std::isinf(e.wer()));
  EXPECT_DOUBLE_EQ(word_errors("", "").wer(), 0.0);
}

TEST(AsrWordErrorRate, InsertionsCanPushWerAboveOne) {
  // ref "hi" vs hyp "oh hi there you": three insertions over one word = 300%.
  const WordErrors e = word_errors("hi", "oh hi there you");
  EXPECT_EQ(e, (WordErrors{1, 0, 0, 3}));
  EXPECT_DOUBLE_EQ(e.wer(), 3.0);
}

TEST(AsrWordErrorRate, TiesPreferSubstitutions) {
  // ref "a b" vs hyp "b c": two substitutions, or delete a / keep b / insert c, both cost 2.
  // The documented tie-break takes the diagonal first: S=2.
  EXPECT_EQ(word_errors("a b", "b c"), (WordErrors{2, 2, 0, 0}));
  // A shifted sentence: ref "x set alarm" vs hyp "set alarm now": delete x, insert now (cost 2)
  // beats three substitutions (cost 3).
  EXPECT_EQ(word_errors("x set alarm", "set alarm now"), (WordErrors{3, 0, 1, 1}));
}

TEST(AsrWordErrorRate, AccumulatesOverASetNotAMeanOfRates) {
  WerAccumulator acc;
  acc.add("set a timer", "set a timer");                         // 0 errors / 3 words
  acc.add("play jazz", "play");                                  // 1 deletion / 2 words
  const WordErrors& last = acc.add("call bob", "call rob now");  // S=1, I=1 / 2 words
  EXPECT_EQ(last, (WordErrors{2, 1, 0, 1}));
  EXPECT_EQ(acc.totals(), (WordErrors{7, 1, 1, 1}));
  EXPECT_EQ(acc.utterances(), 3U);
  EXPECT_EQ(acc.utterances_with_errors(), 2U);
  // 3 errors over 7 words, not the mean (0 + 0.5 + 1.0) / 3.
  EXPECT_DOUBLE_EQ(acc.wer(), 3.0 / 7.0);
}

}  // namespace
}  // namespace erg::models::asr
