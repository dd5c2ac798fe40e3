#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace erg::models::asr {

// Frames of features, one row per frame, row-major; the frontends append rows as they go.
class FeatureMatrix {
 public:
  FeatureMatrix() = default;
  explicit FeatureMatrix(std::size_t dim) : dim_(dim) {}

  std::size_t dim() const { return dim_; }
  std::size_t num_frames() const { return dim_ == 0 ? 0 : values_.size() / dim_; }
  bool empty() const { return values_.empty(); }

  std::span<const float> row(std::size_t frame) const {
    return {values_.data() + frame * dim_, dim_};
  }
  std::span<float> row(std::size_t frame) { return {values_.data() + frame * dim_, dim_}; }

  // Appends one zero-filled row and returns it for the caller to fill.
  std::span<float> append_row() {
    values_.resize(values_.size() + dim_, 0.0f);
    return {values_.data() + values_.size() - dim_, dim_};
  }
  void reserve_frames(std::size_t frames) { values_.reserve(frames * dim_); }
  void clear() { values_.clear(); }

  const std::vector<float>& values() const { return values_; }

 private:
  std::size_t dim_ = 0;
  std::vector<float> values_;
};

}  // namespace erg::models::asr
