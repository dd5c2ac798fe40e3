#include "models/asr/audio_file.hpp"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace erg::models::asr {
namespace {

namespace fs = std::filesystem;

// A private scratch directory, removed at the end of each test.
class AsrAudioFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("erg_asr_audio_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes interleaved float frames with libsndfile in the given container and sample format.
  fs::path write(const std::string& name, int format, int rate_hz, int channels,
                 const std::vector<float>& interleaved) {
    const fs::path path = dir_ / name;
    SF_INFO info{};
    info.samplerate = rate_hz;
    info.channels = channels;
    info.format = format;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    EXPECT_NE(f, nullptr) << sf_strerror(nullptr);
    if (f == nullptr) return path;
    const sf_count_t frames = static_cast<sf_count_t>(interleaved.size()) / channels;
    EXPECT_EQ(sf_writef_float(f, interleaved.data(), frames), frames);
    sf_close(f);
    return path;
  }

  // Writes int16 samples as they are (libsndfile maps float 1.0 to 32767 when writing).
  fs::path write_int16(const std::string& name, int rate_hz, const std::vector<short>& samples) {
    const fs::path path = dir_ / name;
    SF_INFO info{};
    info.samplerate = rate_hz;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    EXPECT_NE(f, nullptr) << sf_strerror(nullptr);
    if (f == nullptr) return path;
    const auto frames = static_cast<sf_count_t>(samples.size());
    EXPECT_EQ(sf_writef_short(f, samples.data(), frames), frames);
    sf_close(f);
    return path;
  }

  static std::string message_of(const fs::path& path) {
    try {
      load_asr_audio(path);
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), path.string());  // every error names the file
      return e.what_text();
    }
    return "no error";
  }

  fs::path dir_;
};

TEST_F(AsrAudioFile, Int16StereoIsAveragedToMono) {
  // Left 0.5 and right -0.25 are exact on the int16 grid (16384, -8192): mono = 0.125.
  std::vector<float> frames;
  for (int i = 0; i < 1000; ++i) {
    frames.push_back(0.5f);
    frames.push_back(-0.25f);
  }
  const auto path = write("stereo.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 2, frames);
  const Audio audio = read_audio_file(path);
  EXPECT_EQ(audio.sample_rate_hz, 16000);
  ASSERT_EQ(audio.samples.size(), 1000U);
  for (float s : audio.samples)
    EXPECT_FLOAT_EQ(s, 0.125f);
  EXPECT_DOUBLE_EQ(audio.duration_s(), 1000.0 / 16000.0);
}

TEST_F(AsrAudioFile, Int16ScalesToUnitRange) {
  // int16 -32768, 16384 and 1 read as -1.0, 0.5 and 2^-15 (divide by 32768, as the trainer does).
  const auto path = write_int16("scale.wav", 16000, {-32768, 16384, 1});
  const Audio audio = read_audio_file(path);
  ASSERT_EQ(audio.samples.size(), 3U);
  EXPECT_FLOAT_EQ(audio.samples[0], -1.0f);
  EXPECT_FLOAT_EQ(audio.samples[1], 0.5f);
  EXPECT_FLOAT_EQ(audio.samples[2], 1.0f / 32768.0f);
}

TEST_F(AsrAudioFile, FloatWavAndFlacAreRead) {
  std::vector<float> x(1600);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<float>(0.3 * std::sin(2.0 * std::numbers::pi * 440.0 * i / 16000.0));
  }
  const Audio f32 = read_audio_file(write("f.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 16000, 1, x));
  EXPECT_EQ(f32.samples, x);  // float samples pass through bit for bit
  const Audio flac =
      read_audio_file(write("f.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16000, 1, x));
  ASSERT_EQ(flac.samples.size(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(flac.samples[i], x[i], 1.0 / 32768.0);  // lossless up to int16 quantization
  }
}

TEST_F(AsrAudioFile, OtherRatesAreResampledTo16k) {
  std::vector<float> x(44100);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<float>(0.4 * std::sin(2.0 * std::numbers::pi * 1000.0 * i / 44100.0));
  }
  const auto path = write("cd.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 1, x);
  EXPECT_EQ(read_audio_file(path).sample_rate_hz, 44100);
  const Audio audio = load_asr_audio(path);
  EXPECT_EQ(audio.sample_rate_hz, 16000);
  ASSERT_EQ(audio.samples.size(), 16000U);  // one second either way
  for (std::size_t i = 400; i < 15600; ++i) {
    EXPECT_NEAR(audio.samples[i], 0.4 * std::sin(2.0 * std::numbers::pi * 1000.0 * i / 16000.0),
                5e-4);
  }
  // 8 kHz, the lowest accepted rate, is upsampled.
  const auto narrow =
      write("narrow.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, std::vector<float>(800, 0.0f));
  EXPECT_EQ(load_asr_audio(narrow).samples.size(), 1600U);
}

TEST_F(AsrAudioFile, ClearErrorsNameTheFileAndTheProblem) {
  EXPECT_NE(message_of(dir_ / "missing.wav").find("audio file not found"), std::string::npos);
  EXPECT_NE(message_of(dir_).find("directory"), std::string::npos);

  const fs::path text = dir_ / "notes.wav";
  std::ofstream(text) << "this is not audio, just text pretending to be a wav file\n";
  EXPECT_NE(message_of(text).find("not a readable audio file"), std::string::npos);

  const auto empty = write("empty.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, {});
  EXPECT_NE(message_of(empty).find("holds no samples"), std::string::npos);

  const auto slow =
      write("slow.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 4000, 1, std::vector<float>(400, 0.1f));
  EXPECT_NE(message_of(slow).find("unsupported sample rate 4000 Hz"), std::string::npos);

  const auto nan = write("nan.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 16000, 1,
                         {0.0f, std::numeric_limits<float>::quiet_NaN()});
  EXPECT_NE(message_of(nan).find("non-finite sample at frame 1"), std::string::npos);
}

}  // namespace
}  // namespace erg::models::asr
