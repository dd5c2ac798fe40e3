#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace erg::models::llm {

// llama2.c's `tokenizer.bin` (a SentencePiece Llama vocabulary exported by llama2.c's
// export_tokenizer.py): int32 max_token_length, then per token an fp32 score, an int32 byte
// length and the piece's bytes. Encoding is run.c's: a dummy-prefix " " piece, one piece per
// UTF-8 character (byte-fallback pieces <0xXX> for characters outside the vocabulary), then
// repeatedly merge the adjacent pair whose concatenation is a piece with the highest score.
// Decoding maps <0xXX> to its byte and drops the leading space of the piece after BOS.
class Llama2cTokenizer {
 public:
  static constexpr int kBos = 1;
  static constexpr int kEos = 2;

  // Reads `vocab_size` tokens; throws erg::Error naming the file, the token and what was
  // expected (truncated, negative or over-long lengths, trailing bytes).
  Llama2cTokenizer(const std::filesystem::path& path, std::size_t vocab_size);

  // The token ids of `text`, without BOS/EOS (the merges never cross into them).
  std::vector<int> encode(std::string_view text) const;
  // [BOS] + encode(text): the prompt form of llama2.c's run.c.
  std::vector<int> encode_prompt(std::string_view text) const;
  // The bytes token `token` adds after token `previous`.
  std::string piece(int previous, int token) const;
  // The text of `ids`, the first one following BOS.
  std::string decode(const std::vector<int>& ids) const;

  std::size_t vocab_size() const { return pieces_.size(); }
  const std::string& token(int id) const { return pieces_.at(std::size_t(id)); }
  float score(int id) const { return scores_.at(std::size_t(id)); }

 private:
  int lookup(std::string_view piece) const;

  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::unordered_map<std::string, int> ids_;  // the first id of each piece, as run.c's bsearch
  std::array<int, 256> byte_ids_{};           // id of <0xXX>, -1 when absent
  std::string where_;
};

}  // namespace erg::models::llm
