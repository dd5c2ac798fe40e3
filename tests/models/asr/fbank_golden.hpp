#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/asr/feature_matrix.hpp"

namespace erg::models::asr::testing {

// tests/fixtures/frontend/fbank_golden.bin, written by scripts/data/make_fbank_fixture.py
// (format in that script's docstring and the fixture's README.md).
struct FbankGolden {
  std::uint32_t sample_rate_hz = 0;
  float sample_scale = 0.0f;
  std::vector<float> samples;
  struct Table {
    std::uint32_t torch_precision_bits = 0;  // 32: as the trainer computes; 64: reference
    FeatureMatrix fbank;
  };
  std::vector<Table> tables;  // per mel bin count, float32 then float64
};

inline FbankGolden read_fbank_golden(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
  std::size_t pos = 0;
  auto take = [&](void* dst, std::size_t n) {
    if (pos + n > bytes.size()) throw std::runtime_error("truncated " + path.string());
    std::memcpy(dst, bytes.data() + pos, n);
    pos += n;
  };
  char magic[8];
  take(magic, 8);
  if (std::string(magic, 8) != "ERGFBK02") throw std::runtime_error("bad magic " + path.string());
  FbankGolden g;
  std::uint32_t num_samples = 0;
  std::uint32_t num_tables = 0;
  take(&g.sample_rate_hz, 4);
  take(&num_samples, 4);
  take(&g.sample_scale, 4);
  take(&num_tables, 4);
  g.samples.resize(num_samples);
  take(g.samples.data(), num_samples * sizeof(float));
  for (std::uint32_t t = 0; t < num_tables; ++t) {
    std::uint32_t bins = 0;
    std::uint32_t bits = 0;
    std::uint32_t frames = 0;
    take(&bins, 4);
    take(&bits, 4);
    take(&frames, 4);
    FeatureMatrix m(bins);
    for (std::uint32_t f = 0; f < frames; ++f) {
      auto row = m.append_row();
      take(row.data(), bins * sizeof(float));
    }
    g.tables.push_back({bits, std::move(m)});
  }
  if (pos != bytes.size()) throw std::runtime_error("trailing bytes in " + path.string());
  return g;
}

inline std::filesystem::path fbank_golden_path() {
  return std::filesystem::path(ERG_SOURCE_DIR) / "tests/fixtures/frontend/fbank_golden.bin";
}

}  // namespace erg::models::asr::testing
