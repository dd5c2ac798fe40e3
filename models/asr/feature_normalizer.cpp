#include "models/asr/feature_normalizer.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace erg::models::asr {

FeatureNormalizer::FeatureNormalizer(std::vector<float> mean, std::vector<float> std,
                                     std::string_view where)
    : mean_(std::move(mean)), std_(std::move(std)) {
  const std::string at(where);
  if (mean_.empty()) throw Error("feature normalization mean is empty", at);
  if (mean_.size() != std_.size()) {
    throw Error("feature normalization has " + std::to_string(mean_.size()) + " means but " +
                    std::to_string(std_.size()) + " standard deviations",
                at);
  }
  for (std::size_t i = 0; i < mean_.size(); ++i) {
    if (!std::isfinite(mean_[i])) {
      throw Error("feature normalization mean[" + std::to_string(i) + "] is not finite", at);
    }
    if (!std::isfinite(std_[i]) || !(std_[i] > 0.0f)) {
      throw Error("feature normalization std[" + std::to_string(i) +
                      "] = " + std::to_string(std_[i]) + " (expected a finite value > 0)",
                  at);
    }
  }
}

void FeatureNormalizer::apply(std::span<float> frame) const {
  // Division, not multiplication by 1/std, to round exactly as the PyTorch trainer does.
  for (std::size_t i = 0; i < frame.size(); ++i)
    frame[i] = (frame[i] - mean_[i]) / std_[i];
}

void FeatureNormalizer::apply(FeatureMatrix& features) const {
  if (features.empty()) return;
  if (features.dim() != dim()) {
    throw Error("features have " + std::to_string(features.dim()) + " columns, normalizer has " +
                    std::to_string(dim()),
                "FeatureNormalizer::apply");
  }
  for (std::size_t f = 0; f < features.num_frames(); ++f)
    apply(features.row(f));
}

}  // namespace erg::models::asr
