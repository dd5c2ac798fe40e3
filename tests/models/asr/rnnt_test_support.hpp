#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/paths.hpp"
#include "models/runtime/safetensors.hpp"

// Paths of the shipped RNN-T models and their golden fixtures (scripts/train/asr/export.py).
namespace erg::models::asr::testing {

inline std::filesystem::path model_path(const std::string& encoder) {
  return data_root() / "models" / "weights" / ("asr-" + encoder + ".safetensors");
}
inline std::filesystem::path golden_path(const std::string& encoder) {
  return data_root() / "tests" / "fixtures" / "asr" / (encoder + "_golden.safetensors");
}
inline std::filesystem::path test_set_dir() {
  return data_root() / "tests" / "fixtures" / "asr" / "testset";
}
inline bool shipped(const std::string& encoder) {
  return std::filesystem::exists(model_path(encoder));
}

inline float max_abs_diff(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size()) return 1e30f;
  float m = 0.0f;
  for (std::size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

inline std::vector<int> ids_of(const runtime::SafetensorsFile& f, const std::string& name) {
  const auto v = f.read_f32(name);
  return std::vector<int>(v.begin(), v.end());
}

}  // namespace erg::models::asr::testing
