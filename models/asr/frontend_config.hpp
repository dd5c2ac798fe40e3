#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "models/asr/fbank.hpp"
#include "models/asr/feature_normalizer.hpp"

namespace erg::models::asr {

// Reads the "features" object of a shipped model's JSON (models/weights/asr-*.json, written by
// scripts/train/asr/export.py): torchaudio.compliance.kaldi.fbank keyword arguments plus
// num_mel_bins. Options this frontend fixes (Povey window, snip_edges, power-of-two FFT, power
// spectrum, log, no energy, no dither) must carry exactly those values; anything else throws
// erg::Error naming `where` and the field ("features.window_type"). Absent keys take
// torchaudio's defaults, except num_mel_bins, which is required.
FbankOptions parse_fbank_options(const nlohmann::json& features, const std::string& where);

// Reads the "normalization" object ({"mean": [...], "std": [...]}); `expected_dim` (the mel bin
// count) is checked when non-zero.
FeatureNormalizer parse_feature_normalizer(const nlohmann::json& normalization,
                                           const std::string& where, std::size_t expected_dim = 0);

}  // namespace erg::models::asr
