// llama2.c's tokenizer.bin (models/llm/llama2c_tokenizer.hpp) on the fixture vocabulary of
// scripts/train/llm/make_llama2c_fixtures.py (tests/fixtures/llm/README.md): ids 0 <unk>,
// 1 BOS, 2 EOS, 3..258 the byte pieces <0x00>..<0xFF>, 259 " ", 260..285 "a".."z", 286 "é",
// then the merges with their scores: 287 "th" -1, 288 "he" -2, 289 "the" -3, 290 " the" -4,
// 291 "at" -5, 292 " c" -6, 293 " cat" -7. Expectations are derived by hand from run.c's
// algorithm (dummy " " prefix, one piece per UTF-8 character or its bytes' <0xXX> pieces, then
// merge the adjacent pair whose concatenation has the highest score until none is a piece).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/llm/llama2c_tokenizer.hpp"

namespace erg::models::llm {
namespace {

namespace fs = std::filesystem;

const fs::path& tokenizer_path() {
  static const fs::path p = data_root() / "tests/fixtures/llm/llama2c/tokenizer.bin";
  return p;
}

TEST(Llama2cTokenizer, ReadsPiecesAndScores) {
  const Llama2cTokenizer t(tokenizer_path(), 294);
  EXPECT_EQ(t.vocab_size(), 294u);
  EXPECT_EQ(t.token(1), "\n<s>\n");
  EXPECT_EQ(t.token(3), "<0x00>");
  EXPECT_EQ(t.token(259), " ");
  EXPECT_EQ(t.token(286), "\xc3\xa9");
  EXPECT_EQ(t.token(293), " cat");
  EXPECT_FLOAT_EQ(t.score(291), -5.0f);
}

// "the cat" -> [" ", t, h, e, " ", c, a, t]; merges by score: th (-1), the (-3), " the" (-4),
// at (-5, before " c" at -6), " c", " cat" (-7) -> [" the", " cat"].
TEST(Llama2cTokenizer, MergesTheBestScoringPairFirst) {
  const Llama2cTokenizer t(tokenizer_path(), 294);
  EXPECT_EQ(t.encode("the cat"), (std::vector<int>{290, 293}));
  EXPECT_EQ(t.encode_prompt("the cat"), (std::vector<int>{1, 290, 293}));
  // "that": th (-1) first, so "at" (-5) takes the a; "the" never forms: [" ", th, at].
  EXPECT_EQ(t.encode("that"), (std::vector<int>{259, 287, 291}));
  EXPECT_TRUE(t.encode("").empty());
}

// 'Z' is not a piece: its byte 0x5A falls back to <0x5A> = 3 + 0x5A = 93; "é" is one piece (286);
// "ü" (C3 BC) is not, so it becomes <0xC3> = 198 and <0xBC> = 191.
TEST(Llama2cTokenizer, FallsBackToBytePiecesPerUtf8Character) {
  const Llama2cTokenizer t(tokenizer_path(), 294);
  EXPECT_EQ(t.encode("Z\xc3\xa9"), (std::vector<int>{259, 93, 286}));
  EXPECT_EQ(t.encode("\xc3\xbc"), (std::vector<int>{259, 198, 191}));
}

TEST(Llama2cTokenizer, DecodesPiecesBytesAndTheSpaceAfterBos) {
  const Llama2cTokenizer t(tokenizer_path(), 294);
  EXPECT_EQ(t.decode({290, 293}), "the cat");  // the first follows BOS: its space is dropped
  EXPECT_EQ(t.piece(260, 290), " the");
  EXPECT_EQ(t.piece(260, 198) + t.piece(198, 191), "\xc3\xbc");
  EXPECT_EQ(t.decode(t.encode("Z\xc3\xa9 that \xc3\xbc")), "Z\xc3\xa9 that \xc3\xbc");
  EXPECT_EQ(t.piece(5, 999), "");  // out of range adds nothing
}

void write(const fs::path& p, const std::vector<char>& b) {
  std::ofstream(p, std::ios::binary).write(b.data(), std::streamsize(b.size()));
}

TEST(Llama2cTokenizer, HostileFilesThrowNamingTheFile) {
  std::ifstream in(tokenizer_path(), std::ios::binary);
  const std::vector<char> good{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
  const fs::path p = fs::temp_directory_path() / ("erg_tok_" + std::to_string(::getpid()) + ".bin");
  auto expect = [&](const std::vector<char>& b, std::size_t vocab, const std::string& fragment) {
    write(p, b);
    try {
      Llama2cTokenizer t(p, vocab);
      ADD_FAILURE() << "loaded: " << fragment;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(fragment), std::string::npos) << what;
      EXPECT_NE(what.find(p.string()), std::string::npos) << what;
    }
  };
  expect(good, 300, "truncated at token 294 score");
  expect(good, 200, "more tokens than the model's vocab_size 200");
  expect({good.begin(), good.end() - 1}, 294, "truncated at token 293 bytes");
  expect({}, 294, "truncated at max_token_length");
  auto bad_len = good;
  const std::int32_t minus = -5;
  std::memcpy(bad_len.data() + 8, &minus, 4);  // token 0's length, after max_len and its score
  expect(bad_len, 294, "token 0 length is -5");
  auto bad_max = good;
  const std::int32_t zero = 0;
  std::memcpy(bad_max.data(), &zero, 4);
  expect(bad_max, 294, "max_token_length is 0");
  fs::remove(p);
}

}  // namespace
}  // namespace erg::models::llm
