#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "models/asr/audio_file.hpp"
#include "models/asr/audio_file_reader.hpp"
#include "models/asr/streaming_resampler.hpp"

namespace erg::models::asr {

// An audio file as 16 kHz mono, read and resampled a block at a time: the samples equal
// load_asr_audio(path) bit for bit (the resampler carries its kernel span across blocks), and
// the memory held is a few blocks whatever the file's length. Errors as AudioFileReader's,
// raised when the stream reaches them (a truncated FLAC only at its end).
class AsrAudioStream {
 public:
  // block_frames: source-rate frames decoded per refill (> 0).
  explicit AsrAudioStream(const std::filesystem::path& path, std::size_t block_frames = 16384);

  int source_rate_hz() const { return file_.sample_rate_hz(); }
  // 16 kHz samples handed out so far.
  std::uint64_t samples_read() const { return samples_read_; }
  double duration_s() const { return double(samples_read_) / kAsrSampleRateHz; }
  bool ended() const { return ended_; }

  // Fills `out` with the next 16 kHz samples and returns how many; fewer than out.size() only
  // at the end, 0 from then on.
  std::size_t read(std::span<float> out);

  // Floats held by the stream's own buffers (capacity), for tests of the memory bound.
  std::size_t buffered_floats() const;

 private:
  bool refill();

  AudioFileReader file_;
  std::optional<StreamingResampler> resampler_;  // absent at 16 kHz
  std::vector<float> block_;                     // source-rate samples
  std::vector<float> pending_;                   // 16 kHz samples not yet handed out
  std::size_t pending_at_ = 0;
  std::uint64_t samples_read_ = 0;
  bool file_done_ = false;
  bool ended_ = false;
};

}  // namespace erg::models::asr
