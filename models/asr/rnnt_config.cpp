#include "models/asr/rnnt_config.hpp"

#include <cfloat>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "models/asr/frontend_config.hpp"

namespace erg::models::asr {
namespace {

const nlohmann::json& field(const nlohmann::json& obj, const std::string& key,
                            const std::string& path, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key))
    throw Error("missing field '" + path + key + "'", where);
  return obj.at(key);
}

std::size_t size_field(const nlohmann::json& obj, const std::string& key, const std::string& path,
                       const std::string& where, bool allow_zero = false) {
  const auto& v = field(obj, key, path, where);
  if (!v.is_number_integer() || v.get<long long>() < (allow_zero ? 0 : 1))
    throw Error("field '" + path + key + "' must be a " +
                    (allow_zero ? "non-negative" : "positive") + " integer, got " + v.dump(),
                where);
  return v.get<std::size_t>();
}

std::string string_field(const nlohmann::json& obj, const std::string& key, const std::string& path,
                         const std::string& where) {
  const auto& v = field(obj, key, path, where);
  if (!v.is_string()) throw Error("field '" + path + key + "' must be a string", where);
  return v.get<std::string>();
}

}  // namespace

std::string_view to_string(EncoderKind kind) {
  return kind == EncoderKind::kLstm ? "lstm" : "emformer";
}

RnntConfig RnntConfig::parse(const nlohmann::json& json, const std::string& where) {
  RnntConfig c;
  if (json.contains("format") && json["format"] != "erg-asr-rnnt/1")
    throw Error("unsupported format " + json["format"].dump() + ", expected \"erg-asr-rnnt/1\"",
                where);
  c.name = json.contains("name") && json["name"].is_string() ? json["name"].get<std::string>()
                                                             : std::string();
  const auto& a = field(json, "architecture", "", where);
  const std::string enc = string_field(a, "encoder", "architecture.", where);
  c.n_mels = size_field(a, "n_mels", "architecture.", where);
  c.stack_frames = size_field(a, "stack_frames", "architecture.", where);
  if (enc == "lstm") {
    c.encoder = EncoderKind::kLstm;
    const auto& l = field(a, "lstm", "architecture.", where);
    c.lstm.layers = size_field(l, "layers", "architecture.lstm.", where);
    c.lstm.hidden = size_field(l, "hidden", "architecture.lstm.", where);
    if (l.contains("chunk")) c.lstm.chunk = size_field(l, "chunk", "architecture.lstm.", where);
  } else if (enc == "emformer") {
    c.encoder = EncoderKind::kEmformer;
    const auto& e = field(a, "emformer", "architecture.", where);
    const std::string p = "architecture.emformer.";
    auto& m = c.emformer;
    m.d_model = size_field(e, "d_model", p, where);
    m.heads = size_field(e, "heads", p, where);
    m.ffn_dim = size_field(e, "ffn_dim", p, where);
    m.layers = size_field(e, "layers", p, where);
    m.chunk = size_field(e, "chunk", p, where);
    m.left = size_field(e, "left", p, where, true);
    m.right = size_field(e, "right", p, where, true);
    m.n_rel = size_field(e, "n_rel", p, where);
    m.rel_offset = size_field(e, "rel_offset", p, where, true);
    if (m.d_model % m.heads != 0)
      throw Error("architecture.emformer.d_model " + std::to_string(m.d_model) +
                      " is not a multiple of heads " + std::to_string(m.heads),
                  where);
    // Relative positions span -(L + C + R - 1) .. C + R - 1 (TRAINING.md).
    if (m.rel_offset < m.left + m.chunk + m.right - 1 || m.rel_offset + m.chunk + m.right > m.n_rel)
      throw Error("architecture.emformer: rel_offset " + std::to_string(m.rel_offset) +
                      " and n_rel " + std::to_string(m.n_rel) +
                      " do not cover the relative positions of left/chunk/right",
                  where);
    if (e.contains("ffn_activation") && e["ffn_activation"] != "relu")
      throw Error("architecture.emformer.ffn_activation must be \"relu\"", where);
  } else {
    throw Error("architecture.encoder is '" + enc + "', expected \"lstm\" or \"emformer\"", where);
  }
  const auto& p = field(a, "predictor", "architecture.", where);
  c.vocab_rows = size_field(p, "vocab_rows", "architecture.predictor.", where);
  c.embed_dim = size_field(p, "embed_dim", "architecture.predictor.", where);
  c.predictor_hidden = size_field(p, "hidden", "architecture.predictor.", where);
  if (p.contains("lstm_layers") &&
      size_field(p, "lstm_layers", "architecture.predictor.", where) != 1)
    throw Error("architecture.predictor.lstm_layers must be 1", where);
  const auto& j = field(a, "joiner", "architecture.", where);
  c.joiner_dim = size_field(j, "dim", "architecture.joiner.", where);
  c.n_out = size_field(j, "n_out", "architecture.joiner.", where);
  const std::string act = j.contains("activation")
                              ? string_field(j, "activation", "architecture.joiner.", where)
                              : "tanh";
  if (act == "tanh")
    c.joiner_activation = runtime::Activation::kTanh;
  else if (act == "relu")
    c.joiner_activation = runtime::Activation::kRelu;
  else
    throw Error("architecture.joiner.activation is '" + act + "', expected tanh or relu", where);

  const auto& blank = field(json, "blank_id", "", where);
  if (!blank.is_number_integer()) throw Error("field 'blank_id' must be an integer", where);
  c.blank_id = blank.get<int>();
  const auto& vocab = field(json, "vocabulary", "", where);
  if (!vocab.is_array() || vocab.empty())
    throw Error("field 'vocabulary' must be a non-empty list of pieces", where);
  for (const auto& piece : vocab) {
    if (!piece.is_string()) throw Error("field 'vocabulary' holds a non-string piece", where);
    c.vocabulary.push_back(piece.get<std::string>());
  }
  if (c.blank_id < 0 || std::size_t(c.blank_id) != c.vocabulary.size())
    throw Error("blank_id " + std::to_string(c.blank_id) + " must equal the vocabulary size " +
                    std::to_string(c.vocabulary.size()),
                where);
  if (c.n_out != c.vocabulary.size() + 1 || c.vocab_rows != c.vocabulary.size() + 1)
    throw Error("architecture.joiner.n_out and predictor.vocab_rows must be vocabulary + 1 = " +
                    std::to_string(c.vocabulary.size() + 1),
                where);

  c.fbank = parse_fbank_options(field(json, "features", "", where), where);
  if (c.fbank.num_mel_bins != c.n_mels)
    throw Error("features.num_mel_bins disagrees with architecture.n_mels", where);
  const auto norm =
      parse_feature_normalizer(field(json, "normalization", "", where), where, c.n_mels);
  c.mean = norm.mean();
  c.std = norm.std();
  if (const auto it = json.find("decoding"); it != json.end()) {
    if (!it->is_object()) throw Error("field 'decoding' must be an object", where);
    if (const auto bp = it->find("blank_penalty"); bp != it->end()) {
      if (!bp->is_number() || !(std::abs(bp->get<double>()) <= FLT_MAX))
        throw Error("field 'decoding.blank_penalty' must be a finite float", where);
      c.blank_penalty = bp->get<float>();
    }
  }
  return c;
}

}  // namespace erg::models::asr
