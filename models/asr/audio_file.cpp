#include "models/asr/audio_file.hpp"

#include <sndfile.h>

#include <cmath>
#include <memory>
#include <string>
#include <system_error>

#include "core/error.hpp"
#include "models/asr/resampler.hpp"

namespace erg::models::asr {
namespace {

struct SndfileCloser {
  void operator()(SNDFILE* file) const { sf_close(file); }
};
using SndfileHandle = std::unique_ptr<SNDFILE, SndfileCloser>;

constexpr sf_count_t kChunkFrames = 16384;

}  // namespace

Audio read_audio_file(const std::filesystem::path& path) {
  const std::string where = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("audio file not found", where);
  if (std::filesystem::is_directory(path, ec)) {
    throw Error("expected an audio file, found a directory", where);
  }
  SF_INFO info{};
  SndfileHandle file(sf_open(where.c_str(), SFM_READ, &info));
  if (!file) {
    throw Error(std::string("not a readable audio file (libsndfile: ") + sf_strerror(nullptr) + ")",
                where);
  }
  if (info.channels < 1) throw Error("audio file has no channels", where);
  if (info.samplerate < kMinSampleRateHz || info.samplerate > kMaxSampleRateHz) {
    throw Error("unsupported sample rate " + std::to_string(info.samplerate) + " Hz (expected " +
                    std::to_string(kMinSampleRateHz) + " to " + std::to_string(kMaxSampleRateHz) +
                    " Hz)",
                where);
  }

  Audio audio;
  audio.sample_rate_hz = info.samplerate;
  if (info.frames > 0 && info.frames < (sf_count_t{1} << 32)) {
    audio.samples.reserve(static_cast<std::size_t>(info.frames));
  }
  const auto channels = static_cast<std::size_t>(info.channels);
  std::vector<float> interleaved(static_cast<std::size_t>(kChunkFrames) * channels);
  const float inv_channels = 1.0f / static_cast<float>(channels);
  for (;;) {
    const sf_count_t got = sf_readf_float(file.get(), interleaved.data(), kChunkFrames);
    if (got <= 0) break;
    for (sf_count_t f = 0; f < got; ++f) {
      const float* frame = interleaved.data() + static_cast<std::size_t>(f) * channels;
      float sum = 0.0f;
      for (std::size_t c = 0; c < channels; ++c)
        sum += frame[c];
      const float mono = channels == 1 ? sum : sum * inv_channels;
      if (!std::isfinite(mono)) {
        throw Error("non-finite sample at frame " + std::to_string(audio.samples.size()), where);
      }
      audio.samples.push_back(mono);
    }
  }
  if (sf_error(file.get()) != SF_ERR_NO_ERROR) {
    throw Error(
        std::string("error while decoding audio (libsndfile: ") + sf_strerror(file.get()) + ")",
        where);
  }
  if (audio.samples.empty()) throw Error("audio file holds no samples", where);
  return audio;
}

Audio load_asr_audio(const std::filesystem::path& path) {
  Audio audio = read_audio_file(path);
  if (audio.sample_rate_hz == kAsrSampleRateHz) return audio;
  const Resampler resampler(audio.sample_rate_hz, kAsrSampleRateHz);
  audio.samples = resampler.process(audio.samples);
  audio.sample_rate_hz = kAsrSampleRateHz;
  return audio;
}

}  // namespace erg::models::asr
