#include "models/asr/audio_file.hpp"

#include <cstdint>
#include <span>

#include "models/asr/audio_file_reader.hpp"
#include "models/asr/resampler.hpp"

namespace erg::models::asr {

Audio read_audio_file(const std::filesystem::path& path) {
  AudioFileReader reader(path);
  Audio audio;
  audio.sample_rate_hz = reader.sample_rate_hz();
  const std::int64_t declared = reader.declared_frames();
  // Sized from the header when it gives a count (a lying header costs a reallocation at most).
  audio.samples.resize(declared > 0 && declared < (std::int64_t{1} << 32)
                           ? static_cast<std::size_t>(declared)
                           : std::size_t{16384});
  std::size_t size = 0;
  for (;;) {
    if (size == audio.samples.size()) {
      float next = 0.0f;  // a full buffer: is there more, or only the end (and its checks)?
      if (reader.read(std::span<float>(&next, 1)) == 0) break;
      audio.samples.resize(2 * size + 1);
      audio.samples[size++] = next;
      continue;
    }
    const std::span<float> space = std::span<float>(audio.samples).subspan(size);
    const std::size_t got = reader.read(space);
    size += got;
    if (got < space.size()) break;  // the reader has reached the end and checked it
  }
  audio.samples.resize(size);
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
