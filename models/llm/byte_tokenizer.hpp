#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace erg::models::llm {

// Byte-level tokenizer: ids 0..255 are the UTF-8 bytes; specials (BOS, EOS, PAD) sit above.
class ByteTokenizer {
 public:
  ByteTokenizer(int bos_id = 256, int eos_id = 257) : bos_(bos_id), eos_(eos_id) {}

  // [BOS] + bytes(text), the prompt form the model was trained on.
  std::vector<int> encode_prompt(std::string_view text) const;
  std::vector<int> encode_bytes(std::string_view text) const;
  // Bytes back to text; special ids are dropped.
  std::string decode(const std::vector<int>& ids) const;
  int bos() const { return bos_; }
  int eos() const { return eos_; }

 private:
  int bos_;
  int eos_;
};

}  // namespace erg::models::llm
