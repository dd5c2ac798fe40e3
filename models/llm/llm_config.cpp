#include "models/llm/llm_config.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace erg::models::llm {
namespace {

std::size_t positive(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw Error(std::string("missing key '") + key + "'", where);
  const auto& v = j.at(key);
  if (!v.is_number_integer() || v.get<long long>() <= 0)
    throw Error(std::string("key '") + key + "' must be a positive integer, got " + v.dump(),
                where);
  return v.get<std::size_t>();
}

// A token id: an integer, or its decimal text (safetensors metadata holds only strings).
int token_id(const nlohmann::json& v, const char* key, const std::string& where) {
  long long id = -1;
  bool ok = false;
  if (v.is_number_integer()) {
    ok = v.is_number_unsigned() ? v.get<unsigned long long>() <= std::numeric_limits<int>::max()
                                : true;
    id = ok ? v.get<long long>() : -1;
  } else if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    ok = !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
  }
  if (!ok || id < 0 || id > std::numeric_limits<int>::max())
    throw Error(
        std::string("key '") + key + "' must be a non-negative integer token id, got " + v.dump(),
        where);
  return static_cast<int>(id);
}

}  // namespace

LlmConfig LlmConfig::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error("model config must be a JSON object", where);
  LlmConfig c;
  c.vocab_size = positive(j, "vocab_size", where);
  c.dim = positive(j, "dim", where);
  c.n_layers = positive(j, "n_layers", where);
  c.n_heads = positive(j, "n_heads", where);
  c.n_kv_heads = j.contains("n_kv_heads") ? positive(j, "n_kv_heads", where) : c.n_heads;
  c.head_dim = j.contains("head_dim") ? positive(j, "head_dim", where) : c.dim / c.n_heads;
  c.ffn_dim = positive(j, "ffn_dim", where);
  c.context_length = positive(j, "context_length", where);
  if (j.contains("rope_theta")) {
    if (!j["rope_theta"].is_number()) throw Error("key 'rope_theta' must be a number", where);
    c.rope_theta = j["rope_theta"].get<double>();
  }
  if (j.contains("norm_eps")) {
    if (!j["norm_eps"].is_number()) throw Error("key 'norm_eps' must be a number", where);
    const double eps = j["norm_eps"].get<double>();
    if (!(eps > 0) || eps > std::numeric_limits<float>::max())
      throw Error("key 'norm_eps' must be a positive finite float, got " + j["norm_eps"].dump(),
                  where);
    c.norm_eps = static_cast<float>(eps);
  }
  if (j.contains("tie_embeddings")) {
    if (!j["tie_embeddings"].is_boolean())
      throw Error("key 'tie_embeddings' must be true or false, got " + j["tie_embeddings"].dump(),
                  where);
    c.tie_embeddings = j["tie_embeddings"].get<bool>();
  }
  for (auto [key, field] : {std::pair{"bos_id", &c.bos_id}, std::pair{"eos_id", &c.eos_id},
                            std::pair{"pad_id", &c.pad_id}})
    if (j.contains(key)) *field = token_id(j[key], key, where);
  c.validate(where);
  return c;
}

nlohmann::json LlmConfig::to_json() const {
  return {{"vocab_size", vocab_size},
          {"dim", dim},
          {"n_layers", n_layers},
          {"n_heads", n_heads},
          {"n_kv_heads", n_kv_heads},
          {"head_dim", head_dim},
          {"ffn_dim", ffn_dim},
          {"context_length", context_length},
          {"rope_theta", rope_theta},
          {"norm_eps", norm_eps},
          {"tie_embeddings", tie_embeddings},
          {"bos_id", bos_id},
          {"eos_id", eos_id},
          {"pad_id", pad_id}};
}

void LlmConfig::validate(const std::string& where) const {
  if (n_heads % n_kv_heads != 0)
    throw Error("n_heads " + std::to_string(n_heads) + " is not a multiple of n_kv_heads " +
                    std::to_string(n_kv_heads),
                where);
  if (head_dim % 2 != 0)
    throw Error("head_dim " + std::to_string(head_dim) + " must be even for RoPE", where);
  if (vocab_size < 259 || bos_id < 256 || eos_id < 256 || std::size_t(bos_id) >= vocab_size ||
      std::size_t(eos_id) >= vocab_size)
    throw Error("a byte-level vocabulary needs 256 bytes plus BOS/EOS ids inside vocab_size " +
                    std::to_string(vocab_size),
                where);
}

}  // namespace erg::models::llm
