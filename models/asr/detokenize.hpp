#pragma once

#include <span>
#include <string>
#include <vector>

namespace erg::models::asr {

// Concatenates word pieces, turns U+2581 ('▁', a word start) into a space and strips leading
// and trailing spaces (TRAINING.md, "Decoding"). Ids outside the vocabulary throw erg::Error.
std::string detokenize(std::span<const std::string> vocabulary, std::span<const int> tokens);

}  // namespace erg::models::asr
