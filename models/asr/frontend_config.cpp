#include "models/asr/frontend_config.hpp"

#include <vector>

#include "core/error.hpp"

namespace erg::models::asr {
namespace {

using nlohmann::json;

double number_or(const json& obj, const char* key, double fallback, const std::string& where,
                 const std::string& prefix) {
  const auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_number()) throw Error(prefix + key + " must be a number", where);
  return it->get<double>();
}

bool bool_or(const json& obj, const char* key, bool fallback, const std::string& where,
             const std::string& prefix) {
  const auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_boolean()) throw Error(prefix + key + " must be true or false", where);
  return it->get<bool>();
}

// An option this frontend does not make configurable: accept only the value it implements.
void require_bool(const json& obj, const char* key, bool supported, const std::string& where,
                  const std::string& prefix) {
  if (bool_or(obj, key, supported, where, prefix) != supported) {
    throw Error(prefix + key + " = " + (supported ? "false" : "true") +
                    " is not supported (expected " + (supported ? "true" : "false") + ")",
                where);
  }
}

std::vector<float> float_array(const json& obj, const char* key, const std::string& where,
                               const std::string& prefix) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) {
    throw Error(prefix + key + " is missing or not an array of numbers", where);
  }
  std::vector<float> out;
  out.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (!v.is_number()) {
      throw Error(prefix + key + "[" + std::to_string(i) + "] is not a number", where);
    }
    out.push_back(v.get<float>());
  }
  return out;
}

}  // namespace

FbankOptions parse_fbank_options(const json& features, const std::string& where) {
  const std::string p = "features.";
  if (!features.is_object()) throw Error("features must be an object", where);
  if (const auto it = features.find("type"); it != features.end()) {
    if (!it->is_string() || it->get<std::string>() != "kaldi_fbank") {
      throw Error(p + "type must be \"kaldi_fbank\"", where);
    }
  }
  FbankOptions o;
  const auto bins = features.find("num_mel_bins");
  if (bins == features.end() || !bins->is_number_integer() || bins->get<long long>() <= 3) {
    throw Error(p + "num_mel_bins is missing or not an integer > 3", where);
  }
  o.num_mel_bins = bins->get<std::size_t>();
  o.sample_rate_hz = number_or(features, "sample_frequency", 16000.0, where, p);
  if (const auto it = features.find("sample_rate"); it != features.end()) {
    if (!it->is_number() || it->get<double>() != o.sample_rate_hz) {
      throw Error(p + "sample_rate disagrees with sample_frequency", where);
    }
  }
  o.frame_length_ms = number_or(features, "frame_length", 25.0, where, p);
  o.frame_shift_ms = number_or(features, "frame_shift", 10.0, where, p);
  o.low_freq_hz = number_or(features, "low_freq", 20.0, where, p);
  o.high_freq_hz = number_or(features, "high_freq", 0.0, where, p);
  o.preemphasis = number_or(features, "preemphasis_coefficient", 0.97, where, p);
  o.remove_dc_offset = bool_or(features, "remove_dc_offset", true, where, p);
  if (number_or(features, "dither", 0.0, where, p) != 0.0) {
    throw Error(p + "dither must be 0 (features are deterministic)", where);
  }
  if (const auto it = features.find("window_type"); it != features.end()) {
    if (!it->is_string() || it->get<std::string>() != "povey") {
      throw Error(p + "window_type must be \"povey\"", where);
    }
  }
  require_bool(features, "snip_edges", true, where, p);
  require_bool(features, "round_to_power_of_two", true, where, p);
  require_bool(features, "use_energy", false, where, p);
  require_bool(features, "use_log_fbank", true, where, p);
  require_bool(features, "use_power", true, where, p);
  require_bool(features, "subtract_mean", false, where, p);
  require_bool(features, "htk_compat", false, where, p);
  if (number_or(features, "vtln_warp", 1.0, where, p) != 1.0) {
    throw Error(p + "vtln_warp must be 1 (no VTLN)", where);
  }
  try {
    const Fbank check(o);  // range checks, naming the FbankOptions field
  } catch (const Error& e) {
    throw Error(p + e.what_text(), where);
  }
  return o;
}

FeatureNormalizer parse_feature_normalizer(const json& normalization, const std::string& where,
                                           std::size_t expected_dim) {
  const std::string p = "normalization.";
  if (!normalization.is_object()) throw Error("normalization must be an object", where);
  std::vector<float> mean = float_array(normalization, "mean", where, p);
  std::vector<float> std = float_array(normalization, "std", where, p);
  if (expected_dim != 0 && mean.size() != expected_dim) {
    throw Error(p + "mean has " + std::to_string(mean.size()) + " values, expected " +
                    std::to_string(expected_dim) + " (num_mel_bins)",
                where);
  }
  return FeatureNormalizer(std::move(mean), std::move(std), where);
}

}  // namespace erg::models::asr
