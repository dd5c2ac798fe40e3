#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "models/asr/audio_file.hpp"
#include "models/asr/fbank.hpp"
#include "models/asr/streaming_fbank.hpp"
#include "models/runtime/safetensors.hpp"

namespace erg::models::asr {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(ERG_SOURCE_DIR) / "tests/fixtures/asr";

// Every utterance of the committed test set (16 kHz mono 16-bit FLAC, listed in testset.tsv)
// loads through libsndfile and streams through the frontend into 1 + (N - 400) / 160 frames.
TEST(AsrTestsetAudio, EveryCommittedUtteranceLoadsAndStreams) {
  std::ifstream tsv(kFixtures / "testset/testset.tsv");
  ASSERT_TRUE(tsv) << "missing " << (kFixtures / "testset/testset.tsv");
  std::string line;
  std::getline(tsv, line);  // header: file, text, voice, heldout
  std::size_t files = 0;
  StreamingFbank stream;
  while (std::getline(tsv, line)) {
    const std::string file = line.substr(0, line.find('\t'));
    const Audio audio = load_asr_audio(kFixtures / "testset" / file);
    EXPECT_EQ(audio.sample_rate_hz, 16000) << file;
    ASSERT_GE(audio.samples.size(), 400U) << file;
    for (float s : audio.samples)
      ASSERT_TRUE(s >= -1.0f && s < 1.0f) << file;
    stream.reset();
    FeatureMatrix out(stream.dim());
    for (std::size_t pos = 0; pos < audio.samples.size(); pos += 1000) {
      const std::size_t n = std::min<std::size_t>(1000, audio.samples.size() - pos);
      stream.push(std::span<const float>(audio.samples).subspan(pos, n), out);
    }
    EXPECT_EQ(out.num_frames(), 1 + (audio.samples.size() - 400) / 160) << file;
    for (float v : out.values())
      ASSERT_TRUE(std::isfinite(v)) << file;
    ++files;
  }
  EXPECT_EQ(files, 100U);  // tests/fixtures/asr/README.md: 100 utterances
}

// The trainer's own frontend fixture (scripts/train/asr/export.py): 0.6 s of a real synthetic
// utterance and its torchaudio float32 fbank. Owned by the training side, so absent until it
// is exported.
TEST(AsrTestsetAudio, MatchesTheTrainersFrontendFixture) {
  const fs::path path = kFixtures / "frontend_golden.safetensors";
  if (!fs::exists(path)) GTEST_SKIP() << path << " not exported yet";
  const runtime::SafetensorsFile file(path);
  const std::vector<float> waveform = file.read_f32("waveform");
  for (const char* name : {"fbank80", "fbank40"}) {
    if (!file.contains(name)) continue;
    const auto& entry = file.at(name);
    ASSERT_EQ(entry.shape.size(), 2U);
    FbankOptions options;
    options.num_mel_bins = static_cast<std::size_t>(entry.shape[1]);
    Fbank fbank(options);
    const FeatureMatrix got = fbank.compute(waveform);
    const std::vector<float> expected = file.read_f32(name);
    ASSERT_EQ(got.values().size(), expected.size()) << name;
    double max_error = 0.0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      max_error = std::max(max_error, std::abs(static_cast<double>(got.values()[i]) - expected[i]));
    }
    EXPECT_LT(max_error, 1e-3) << name;  // the frontend bound
    std::printf("%s: max |C++ - torchaudio float32| = %.3g\n", name, max_error);
  }
}

}  // namespace
}  // namespace erg::models::asr
