#pragma once

#include <sndfile.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace erg::models::asr {

// Reads an audio file as mono samples, a block at a time: what read_audio_file holds in memory
// is one block (16384 frames x channels), whatever the file's length. Same formats and checks as
// read_audio_file (audio_file.hpp); in addition a WAV whose data chunk declares more bytes than
// the file holds, or a stream that ends before the frame count in its header, is an error
// (libsndfile alone would return the shorter signal). Every erg::Error names the file.
class AudioFileReader {
 public:
  // Opens and validates the header: missing, directory, not audio, no channels, rate out of
  // range, truncated WAV data chunk.
  explicit AudioFileReader(const std::filesystem::path& path);

  int sample_rate_hz() const { return sample_rate_hz_; }
  int channels() const { return channels_; }
  // Frames the header declares (libsndfile's count), or -1 when it gives none.
  std::int64_t declared_frames() const { return declared_frames_; }
  const std::string& where() const { return where_; }
  std::uint64_t samples_read() const { return samples_read_; }

  // Fills `out` with the next mono samples and returns how many; fewer than out.size() only at
  // the end of the file, and 0 from then on. Throws on a non-finite sample, a decoding error,
  // a stream shorter than declared or an empty file, before the last samples are returned.
  std::size_t read(std::span<float> out);

 private:
  struct Closer {
    void operator()(SNDFILE* file) const { sf_close(file); }
  };
  void check_end() const;

  std::string where_;
  std::unique_ptr<SNDFILE, Closer> file_;
  int sample_rate_hz_ = 0;
  int channels_ = 0;
  std::int64_t declared_frames_ = -1;
  std::uint64_t samples_read_ = 0;
  std::vector<float> interleaved_;
  bool ended_ = false;
};

}  // namespace erg::models::asr
