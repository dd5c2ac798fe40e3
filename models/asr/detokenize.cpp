#include "models/asr/detokenize.hpp"

#include "core/error.hpp"

namespace erg::models::asr {

std::string detokenize(std::span<const std::string> vocabulary, std::span<const int> tokens) {
  static constexpr std::string_view kWordStart = "\xe2\x96\x81";  // U+2581 in UTF-8
  std::string text;
  for (int id : tokens) {
    if (id < 0 || std::size_t(id) >= vocabulary.size())
      throw Error("token id " + std::to_string(id) + " outside the vocabulary of " +
                      std::to_string(vocabulary.size()) + " pieces",
                  "detokenize");
    text += vocabulary[std::size_t(id)];
  }
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text.compare(i, kWordStart.size(), kWordStart) == 0) {
      out += ' ';
      i += kWordStart.size();
    } else {
      out += text[i++];
    }
  }
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return out.substr(first, out.find_last_not_of(' ') - first + 1);
}

}  // namespace erg::models::asr
