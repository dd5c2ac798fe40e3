#include "models/llm/byte_tokenizer.hpp"

namespace erg::models::llm {

std::vector<int> ByteTokenizer::encode_bytes(std::string_view text) const {
  std::vector<int> ids;
  ids.reserve(text.size());
  for (unsigned char c : text)
    ids.push_back(c);
  return ids;
}

std::vector<int> ByteTokenizer::encode_prompt(std::string_view text) const {
  std::vector<int> ids{bos_};
  const auto bytes = encode_bytes(text);
  ids.insert(ids.end(), bytes.begin(), bytes.end());
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<int>& ids) const {
  std::string out;
  for (int id : ids)
    if (id >= 0 && id < 256) out.push_back(static_cast<char>(id));
  return out;
}

}  // namespace erg::models::llm
