#include "models/asr/audio_file_reader.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <system_error>

#include "core/error.hpp"
#include "models/asr/audio_file.hpp"

namespace erg::models::asr {
namespace {

constexpr std::size_t kBlockFrames = 16384;

std::uint32_t le32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// libsndfile shortens a WAV whose data chunk runs past the end of the file to what is there
// (its log says "should be ..."), so a cut-off download would read as a shorter utterance.
// Walks the RIFF chunks to the data chunk and compares its declared size with the file's. Sizes
// 0 and 0xFFFFFFFF are what streaming writers leave when the length is unknown: not checked.
void check_wav_data_chunk(const std::filesystem::path& path, const std::string& where,
                          int bytes_per_frame) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 12> riff{};
  if (!in.read(riff.data(), riff.size()) || std::memcmp(riff.data(), "RIFF", 4) != 0 ||
      std::memcmp(riff.data() + 8, "WAVE", 4) != 0) {
    return;  // RF64, RIFX and the like: libsndfile's own checks apply
  }
  std::error_code ec;
  const auto file_bytes = static_cast<std::uint64_t>(std::filesystem::file_size(path, ec));
  if (ec) return;
  std::uint64_t at = riff.size();
  for (int chunk = 0; chunk < 1024; ++chunk) {
    std::array<char, 8> header{};
    if (!in.seekg(static_cast<std::streamoff>(at)) || !in.read(header.data(), header.size()))
      return;
    const std::uint64_t size = le32(header.data() + 4);
    const std::uint64_t body = at + header.size();
    if (std::memcmp(header.data(), "data", 4) == 0) {
      if (size == 0 || size == 0xFFFFFFFFu || body + size <= file_bytes) return;
      const std::uint64_t held = file_bytes - std::min(file_bytes, body);
      const auto frame = static_cast<std::uint64_t>(std::max(1, bytes_per_frame));
      throw Error("truncated WAV: the data chunk declares " + std::to_string(size) + " bytes (" +
                      std::to_string(size / frame) + " frames) but the file holds " +
                      std::to_string(held) + " (" + std::to_string(held / frame) + " frames)",
                  where);
    }
    at = body + size + (size & 1);
  }
}

int wav_bytes_per_sample(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_U8:
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_ULAW:
    case SF_FORMAT_ALAW:
      return 1;
    case SF_FORMAT_PCM_16:
      return 2;
    case SF_FORMAT_PCM_24:
      return 3;
    case SF_FORMAT_PCM_32:
    case SF_FORMAT_FLOAT:
      return 4;
    case SF_FORMAT_DOUBLE:
      return 8;
    default:
      return 0;  // compressed (ADPCM, GSM): frames are not a fixed number of bytes
  }
}

}  // namespace

AudioFileReader::AudioFileReader(const std::filesystem::path& path) : where_(path.string()) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("audio file not found", where_);
  if (std::filesystem::is_directory(path, ec)) {
    throw Error("expected an audio file, found a directory", where_);
  }
  SF_INFO info{};
  file_.reset(sf_open(where_.c_str(), SFM_READ, &info));
  if (!file_) {
    throw Error(std::string("not a readable audio file (libsndfile: ") + sf_strerror(nullptr) + ")",
                where_);
  }
  if (info.channels < 1) throw Error("audio file has no channels", where_);
  if (info.samplerate < kMinSampleRateHz || info.samplerate > kMaxSampleRateHz) {
    throw Error("unsupported sample rate " + std::to_string(info.samplerate) + " Hz (expected " +
                    std::to_string(kMinSampleRateHz) + " to " + std::to_string(kMaxSampleRateHz) +
                    " Hz)",
                where_);
  }
  sample_rate_hz_ = info.samplerate;
  channels_ = info.channels;
  if (info.frames >= 0 && info.frames < SF_COUNT_MAX) declared_frames_ = info.frames;
  if ((info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV) {
    const int bytes = wav_bytes_per_sample(info.format);
    if (bytes > 0) check_wav_data_chunk(path, where_, bytes * info.channels);
  }
  interleaved_.resize(kBlockFrames * static_cast<std::size_t>(channels_));
}

std::size_t AudioFileReader::read(std::span<float> out) {
  const auto channels = static_cast<std::size_t>(channels_);
  const float inv_channels = 1.0f / static_cast<float>(channels);
  std::size_t filled = 0;
  while (filled < out.size() && !ended_) {
    const std::size_t want = std::min(kBlockFrames, out.size() - filled);
    const sf_count_t got =
        sf_readf_float(file_.get(), interleaved_.data(), static_cast<sf_count_t>(want));
    if (got <= 0) {
      ended_ = true;
      check_end();
      break;
    }
    for (sf_count_t f = 0; f < got; ++f) {
      const float* frame = interleaved_.data() + static_cast<std::size_t>(f) * channels;
      float sum = 0.0f;
      for (std::size_t c = 0; c < channels; ++c)
        sum += frame[c];
      const float mono = channels == 1 ? sum : sum * inv_channels;
      if (!std::isfinite(mono)) {
        throw Error("non-finite sample at frame " + std::to_string(samples_read_), where_);
      }
      out[filled++] = mono;
      ++samples_read_;
    }
  }
  return filled;
}

void AudioFileReader::check_end() const {
  if (sf_error(file_.get()) != SF_ERR_NO_ERROR) {
    throw Error(
        std::string("error while decoding audio (libsndfile: ") + sf_strerror(file_.get()) + ")",
        where_);
  }
  if (samples_read_ == 0) throw Error("audio file holds no samples", where_);
  if (declared_frames_ >= 0 && samples_read_ < static_cast<std::uint64_t>(declared_frames_)) {
    throw Error("truncated audio: the header declares " + std::to_string(declared_frames_) +
                    " frames but the stream ended after " + std::to_string(samples_read_),
                where_);
  }
}

}  // namespace erg::models::asr
