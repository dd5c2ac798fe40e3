#include "models/asr/rnnt_model.hpp"

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "models/asr/emformer_encoder.hpp"
#include "models/asr/lstm_encoder.hpp"
#include "models/runtime/safetensors.hpp"

namespace erg::models::asr {

RnntModel RnntModel::load(const std::filesystem::path& path, const runtime::Variant& variant,
                          ComponentRegistry& registry) {
  if (!std::filesystem::exists(path)) throw Error("model file not found", path.string());
  std::filesystem::path json_path = path;
  json_path.replace_extension(".json");
  std::ifstream in(json_path);
  if (!in) throw Error("model metadata (JSON beside the weights) not found", json_path.string());
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("invalid JSON: ") + e.what(), json_path.string());
  }
  const runtime::SafetensorsFile file(path);
  const auto& meta = file.metadata();
  if (auto it = meta.find("format"); it != meta.end() && it->second != "erg-asr-rnnt/1")
    throw Error("__metadata__.format is '" + it->second + "', expected erg-asr-rnnt/1",
                path.string());

  RnntModel m;
  m.config_ = RnntConfig::parse(json, json_path.string());
  m.variant_ = variant;
  m.store_ = std::make_unique<runtime::WeightStore>(registry);
  RnntWeights weights(file, m.variant_, *m.store_);
  // Frontend normalization tensors must agree with the JSON copy the frontend uses.
  const std::int64_t mel_shape[] = {std::int64_t(m.config_.n_mels)};
  const auto mean = file.read_f32("frontend.mean", mel_shape);
  const auto std_dev = file.read_f32("frontend.std", mel_shape);
  for (std::size_t i = 0; i < mean.size(); ++i)
    if (std::abs(mean[i] - m.config_.mean[i]) > 1e-4f * (1.0f + std::abs(mean[i])) ||
        std::abs(std_dev[i] - m.config_.std[i]) > 1e-4f * (1.0f + std::abs(std_dev[i])))
      throw Error(
          "frontend.mean/std disagree with the JSON normalization at bin " + std::to_string(i),
          path.string());
  if (m.config_.encoder == EncoderKind::kLstm)
    m.encoder_ = std::make_unique<LstmEncoder>(m.config_, weights);
  else
    m.encoder_ = std::make_unique<EmformerEncoder>(m.config_, weights);
  m.predictor_ = std::make_unique<Predictor>(m.config_, weights);
  m.joiner_ = std::make_unique<Joiner>(m.config_, weights);
  m.weight_bytes_ = weights.weight_bytes();
  // Every tensor took its transform from the variant; a rule that reached none is a typo.
  std::vector<std::string> components;
  for (const auto& t : m.store_->tensors())
    components.push_back(registry.name(t.component));
  runtime::check_components(variant, components, path.stem().string());
  return m;
}

void RnntModel::attach(AccessSink* sink) {
  if (sink) store_->declare(*sink);
  encoder_->attach(sink);
  predictor_->attach(sink);
  joiner_->attach(sink);
}

RnntCounters RnntModel::counters() const {
  return {encoder_->invocations(),         encoder_->frames_out(),
          predictor_->invocations(),       joiner_->invocations(),
          joiner_->enc_proj_invocations(), joiner_->pred_proj_invocations()};
}

void RnntModel::reset_counters() {
  encoder_->reset_counters();
  predictor_->reset_counters();
  joiner_->reset_counters();
}

}  // namespace erg::models::asr
