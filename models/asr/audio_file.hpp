#pragma once

#include <filesystem>
#include <vector>

namespace erg::models::asr {

inline constexpr int kAsrSampleRateHz = 16000;
// Below 8 kHz speech loses most of its information; above 384 kHz is not audio for ASR.
inline constexpr int kMinSampleRateHz = 8000;
inline constexpr int kMaxSampleRateHz = 384000;

// Mono samples in [-1, 1) (float files may exceed it) at one sample rate.
struct Audio {
  std::vector<float> samples;
  int sample_rate_hz = 0;

  double duration_s() const {
    return sample_rate_hz > 0 ? static_cast<double>(samples.size()) / sample_rate_hz : 0.0;
  }
};

// Reads any format libsndfile decodes (WAV int16/int24/int32/float, FLAC, ...) and averages
// the channels to mono; the rate is left as stored. Throws erg::Error naming the file when it
// is missing, not audio, empty, has a rate outside [kMinSampleRateHz, kMaxSampleRateHz] or
// holds a non-finite sample.
Audio read_audio_file(const std::filesystem::path& path);

// read_audio_file, then resampled to kAsrSampleRateHz: what the ASR frontend expects.
Audio load_asr_audio(const std::filesystem::path& path);

}  // namespace erg::models::asr
