#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "models/asr/feature_matrix.hpp"

namespace erg::models::asr {

// Global mean/variance normalization, (x - mean) / std per feature dimension, as the trainer's
// `normalize` does (scripts/train/asr/model.py). Frame by frame, so it streams.
class FeatureNormalizer {
 public:
  // Throws erg::Error naming `where` (e.g. the model metadata file) when the vectors are empty,
  // differ in size, or a std is not a finite value > 0 or a mean is not finite.
  FeatureNormalizer(std::vector<float> mean, std::vector<float> std, std::string_view where);

  std::size_t dim() const { return mean_.size(); }
  const std::vector<float>& mean() const { return mean_; }
  const std::vector<float>& std() const { return std_; }

  // frame.size() must equal dim(); no check in this per-frame path.
  void apply(std::span<float> frame) const;
  // Throws erg::Error when features.dim() != dim().
  void apply(FeatureMatrix& features) const;

 private:
  std::vector<float> mean_;
  std::vector<float> std_;
};

}  // namespace erg::models::asr
