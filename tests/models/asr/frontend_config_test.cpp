#include "models/asr/frontend_config.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace erg::models::asr {
namespace {

// The "features" and "normalization" blocks exactly as scripts/train/asr/export.py writes them
// into models/weights/asr-*.json (normalization shortened to 4 bins here).
const char* const kFeatures = R"({
  "type": "kaldi_fbank", "sample_rate": 16000,
  "input_scale": "float samples in [-1,1) times 32768",
  "frame_length": 25.0, "frame_shift": 10.0, "dither": 0.0, "energy_floor": 0.0,
  "sample_frequency": 16000.0, "window_type": "povey", "preemphasis_coefficient": 0.97,
  "remove_dc_offset": true, "round_to_power_of_two": true, "snip_edges": true,
  "low_freq": 20.0, "high_freq": 0.0, "use_energy": false, "use_log_fbank": true,
  "use_power": true, "num_mel_bins": 80})";

std::string error_of(const nlohmann::json& features) {
  try {
    parse_fbank_options(features, "asr-x.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "asr-x.json");
    return e.what_text();
  }
  return "no error";
}

TEST(AsrFrontendConfig, ReadsTheExportedFeatureOptions) {
  const FbankOptions o = parse_fbank_options(nlohmann::json::parse(kFeatures), "asr-x.json");
  EXPECT_EQ(o.num_mel_bins, 80U);
  EXPECT_EQ(o.sample_rate_hz, 16000.0);
  EXPECT_EQ(o.frame_length_ms, 25.0);
  EXPECT_EQ(o.frame_shift_ms, 10.0);
  EXPECT_EQ(o.low_freq_hz, 20.0);
  EXPECT_EQ(o.high_freq_hz, 0.0);
  EXPECT_EQ(o.preemphasis, 0.97);
  EXPECT_TRUE(o.remove_dc_offset);
  EXPECT_EQ(o.sample_scale, 32768.0f);
}

TEST(AsrFrontendConfig, RejectsOptionsThisFrontendDoesNotImplement) {
  auto with = [](const char* key, nlohmann::json value) {
    nlohmann::json j = nlohmann::json::parse(kFeatures);
    j[key] = std::move(value);
    return j;
  };
  EXPECT_EQ(error_of(with("window_type", "hamming")), "features.window_type must be \"povey\"");
  EXPECT_EQ(error_of(with("snip_edges", false)),
            "features.snip_edges = false is not supported (expected true)");
  EXPECT_EQ(error_of(with("use_energy", true)),
            "features.use_energy = true is not supported (expected false)");
  EXPECT_EQ(error_of(with("dither", 1.0)),
            "features.dither must be 0 (features are deterministic)");
  EXPECT_EQ(error_of(with("type", "mfcc")), "features.type must be \"kaldi_fbank\"");
  EXPECT_EQ(error_of(with("frame_shift", "10")), "features.frame_shift must be a number");
  EXPECT_EQ(error_of(with("num_mel_bins", 2)),
            "features.num_mel_bins is missing or not an integer > 3");
  EXPECT_EQ(error_of(with("sample_rate", 8000)),
            "features.sample_rate disagrees with sample_frequency");
  EXPECT_NE(error_of(with("high_freq", 9000.0)).find("high_freq_hz"), std::string::npos);
}

TEST(AsrFrontendConfig, ReadsNormalization) {
  const auto j = nlohmann::json::parse(R"({"formula": "(fbank - mean) / std, per bin",
      "mean": [1.5, 2.0, -3.0, 0.0], "std": [12.5, 1.0, 2.0, 4.0]})");
  const FeatureNormalizer norm = parse_feature_normalizer(j, "asr-x.json", 4);
  EXPECT_EQ(norm.dim(), 4U);
  float frame[] = {14.0f, 2.0f, -3.0f, 2.0f};
  norm.apply(frame);  // (14 - 1.5) / 12.5 = 1, 0, 0, 0.5
  EXPECT_FLOAT_EQ(frame[0], 1.0f);
  EXPECT_FLOAT_EQ(frame[1], 0.0f);
  EXPECT_FLOAT_EQ(frame[2], 0.0f);
  EXPECT_FLOAT_EQ(frame[3], 0.5f);
  try {
    parse_feature_normalizer(j, "asr-x.json", 80);
    FAIL() << "expected erg::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.what_text(), "normalization.mean has 4 values, expected 80 (num_mel_bins)");
  }
  EXPECT_THROW(parse_feature_normalizer(nlohmann::json::parse(R"({"mean": [1], "std": ["x"]})"),
                                        "asr-x.json"),
               Error);
  EXPECT_THROW(parse_feature_normalizer(nlohmann::json::parse(R"({"mean": [1]})"), "asr-x.json"),
               Error);
}

}  // namespace
}  // namespace erg::models::asr
