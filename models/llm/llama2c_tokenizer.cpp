#include "models/llm/llama2c_tokenizer.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/error.hpp"

namespace erg::models::llm {
namespace {

// "<0xXX>" (upper- or lower-case hex) -> the byte, else -1.
int byte_piece(std::string_view p) {
  if (p.size() != 6 || p.substr(0, 3) != "<0x" || p[5] != '>') return -1;
  int v = 0;
  for (char ch : p.substr(3, 2)) {
    int digit = -1;
    if (ch >= '0' && ch <= '9') digit = ch - '0';
    if (ch >= 'A' && ch <= 'F') digit = ch - 'A' + 10;
    if (ch >= 'a' && ch <= 'f') digit = ch - 'a' + 10;
    if (digit < 0) return -1;
    v = v * 16 + digit;
  }
  return v;
}

}  // namespace

Llama2cTokenizer::Llama2cTokenizer(const std::filesystem::path& path, std::size_t vocab_size)
    : where_(path.string()) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open the llama2.c tokenizer", where_);
  auto read = [&](void* out, std::size_t bytes, const std::string& field) {
    if (!in.read(static_cast<char*>(out), std::streamsize(bytes)))
      throw Error("truncated at " + field + " (the model's vocab_size is " +
                      std::to_string(vocab_size) + ")",
                  where_);
  };
  std::int32_t max_len = 0;
  read(&max_len, 4, "max_token_length");
  if (max_len <= 0 || max_len > (1 << 16))
    throw Error("max_token_length is " + std::to_string(max_len) + ", expected 1..65536", where_);
  pieces_.reserve(vocab_size);
  scores_.reserve(vocab_size);
  byte_ids_.fill(-1);
  for (std::size_t i = 0; i < vocab_size; ++i) {
    const std::string field = "token " + std::to_string(i);
    float score = 0;
    std::int32_t len = 0;
    read(&score, 4, field + " score");
    read(&len, 4, field + " length");
    if (len < 0 || len > max_len)
      throw Error(field + " length is " + std::to_string(len) + ", expected 0..max_token_length " +
                      std::to_string(max_len),
                  where_);
    std::string piece(std::size_t(len), '\0');
    read(piece.data(), piece.size(), field + " bytes");
    ids_.emplace(piece, int(i));
    if (const int b = byte_piece(piece); b >= 0 && byte_ids_[std::size_t(b)] < 0)
      byte_ids_[std::size_t(b)] = int(i);
    pieces_.push_back(std::move(piece));
    scores_.push_back(score);
  }
  if (in.peek() != std::char_traits<char>::eof())
    throw Error("bytes after token " + std::to_string(vocab_size - 1) +
                    ": the tokenizer holds more tokens than the model's vocab_size " +
                    std::to_string(vocab_size),
                where_);
}

int Llama2cTokenizer::lookup(std::string_view piece) const {
  const auto it = ids_.find(std::string(piece));
  return it == ids_.end() ? -1 : it->second;
}

std::vector<int> Llama2cTokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  if (text.empty()) return ids;
  // SentencePiece's dummy prefix: the text is encoded as if it began with a space.
  if (const int space = lookup(" "); space >= 0) ids.push_back(space);
  for (std::size_t i = 0; i < text.size();) {
    // One UTF-8 character: a lead byte and up to 3 continuation bytes (as run.c groups them).
    std::size_t n = 1;
    while (n < 4 && i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80)
      ++n;
    const auto ch = text.substr(i, n);
    if (const int id = lookup(ch); id >= 0) {
      ids.push_back(id);
    } else {
      for (unsigned char b : ch) {
        const int id_b = byte_ids_[b];
        if (id_b < 0) {
          char name[8];
          std::snprintf(name, sizeof name, "<0x%02X>", b);
          throw Error(std::string("no piece for a character of the text and no byte-fallback "
                                  "piece ") +
                          name,
                      where_);
        }
        ids.push_back(id_b);
      }
    }
    i += n;
  }
  // Merge the best-scoring adjacent pair until no concatenation is a piece.
  for (;;) {
    float best = 0;
    int best_id = -1;
    std::size_t best_at = 0;
    for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
      const int id = lookup(pieces_[std::size_t(ids[i])] + pieces_[std::size_t(ids[i + 1])]);
      if (id >= 0 && (best_id < 0 || scores_[std::size_t(id)] > best)) {
        best = scores_[std::size_t(id)];
        best_id = id;
        best_at = i;
      }
    }
    if (best_id < 0) break;
    ids[best_at] = best_id;
    ids.erase(ids.begin() + std::ptrdiff_t(best_at) + 1);
  }
  return ids;
}

std::vector<int> Llama2cTokenizer::encode_prompt(std::string_view text) const {
  std::vector<int> ids{kBos};
  const auto body = encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  return ids;
}

std::string Llama2cTokenizer::piece(int previous, int token) const {
  if (token < 0 || std::size_t(token) >= pieces_.size()) return {};
  std::string_view p = pieces_[std::size_t(token)];
  if (previous == kBos && !p.empty() && p[0] == ' ') p.remove_prefix(1);
  if (const int b = byte_piece(p); b >= 0) return std::string(1, static_cast<char>(b));
  return std::string(p);
}

std::string Llama2cTokenizer::decode(const std::vector<int>& ids) const {
  std::string out;
  int previous = kBos;
  for (const int id : ids) {
    out += piece(previous, id);
    previous = id;
  }
  return out;
}

}  // namespace erg::models::llm
