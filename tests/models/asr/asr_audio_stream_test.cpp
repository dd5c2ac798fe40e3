// Streaming a file (AsrAudioStream, issue 18 item 10) against the whole-file path
// (load_asr_audio): the same 16 kHz samples bit for bit, at 16 kHz and resampled, so the same
// transcripts and partials; truncation is an error naming the file; and the memory held does not
// grow with the length (buffer bound, and peak RSS in a child process).
#include "models/asr/asr_audio_stream.hpp"

#include <gtest/gtest.h>
#include <sndfile.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "models/asr/audio_file.hpp"
#include "models/asr/resampler.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/streaming_recognizer.hpp"
#include "tests/models/asr/rnnt_test_support.hpp"

namespace erg::models::asr {
namespace {

namespace fs = std::filesystem;

const fs::path kFlac = testing::test_set_dir() / "test-000003.flac";  // "how much", 1.87 s

class AsrAudioStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("erg_asr_stream_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes mono samples with libsndfile; `fill(block)` supplies the samples a block at a time.
  template <typename Fill>
  fs::path write(const std::string& name, int format, int rate_hz, std::size_t samples, Fill fill) {
    const fs::path path = dir_ / name;
    SF_INFO info{};
    info.samplerate = rate_hz;
    info.channels = 1;
    info.format = format;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    EXPECT_NE(f, nullptr) << sf_strerror(nullptr);
    if (f == nullptr) return path;
    std::vector<float> block(65536);
    for (std::size_t at = 0; at < samples; at += block.size()) {
      const std::size_t n = std::min(block.size(), samples - at);
      fill(std::span<float>(block).first(n));
      EXPECT_EQ(sf_writef_float(f, block.data(), sf_count_t(n)), sf_count_t(n));
    }
    sf_close(f);
    return path;
  }
  fs::path write(const std::string& name, int format, int rate_hz, const std::vector<float>& x) {
    std::size_t at = 0;
    return write(name, format, rate_hz, x.size(), [&](std::span<float> b) {
      std::copy_n(x.begin() + std::ptrdiff_t(at), b.size(), b.begin());
      at += b.size();
    });
  }

  // The committed utterance upsampled to `rate_hz` and stored as float WAV: a non-16 kHz file
  // with speech the model recognizes.
  fs::path resampled_utterance(int rate_hz) {
    const Audio a = load_asr_audio(kFlac);
    return write("utt_" + std::to_string(rate_hz) + ".wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT,
                 rate_hz, Resampler(kAsrSampleRateHz, rate_hz).process(a.samples));
  }

  static std::vector<float> stream_all(const fs::path& path, std::size_t read_size,
                                       std::size_t block_frames) {
    AsrAudioStream s(path, block_frames);
    std::vector<float> all, buf(read_size);
    for (std::size_t got; (got = s.read(buf)) > 0;) {
      all.insert(all.end(), buf.begin(), buf.begin() + std::ptrdiff_t(got));
      if (got < buf.size()) {
        EXPECT_EQ(s.read(buf), 0U);  // short only at the end
      }
    }
    EXPECT_TRUE(s.ended());
    EXPECT_EQ(s.samples_read(), all.size());
    return all;
  }

  // The message of the erg::Error streaming `path` throws; checks it names the file.
  static std::string stream_error(const fs::path& path) {
    try {
      stream_all(path, 2560, 1024);
    } catch (const Error& e) {
      EXPECT_EQ(e.where(), path.string());
      return e.what_text();
    }
    return "no error";
  }

  fs::path dir_;
};

TEST_F(AsrAudioStreamTest, SamplesEqualTheWholeFileReadAtAnyReadAndBlockSize) {
  const fs::path files[] = {kFlac, resampled_utterance(44100), resampled_utterance(22050),
                            resampled_utterance(8000)};
  for (const auto& file : files) {
    const Audio whole = load_asr_audio(file);
    for (std::size_t read_size : {std::size_t{1}, std::size_t{2560}, std::size_t{1} << 20})
      for (std::size_t block : {std::size_t{1000}, std::size_t{16384}})
        EXPECT_EQ(stream_all(file, read_size, block), whole.samples)
            << file << ", reads of " << read_size << ", blocks of " << block;
  }
}

TEST_F(AsrAudioStreamTest, TranscriptAndPartialsEqualTheWholeFilePath) {
  if (!testing::shipped("lstm")) GTEST_SKIP() << "no shipped asr-lstm";
  RnntModel model = RnntModel::load(testing::model_path("lstm"));
  StreamingRecognizer rec(model, DecodeOptions::greedy(4));
  constexpr std::size_t kChunk = 5120;  // erg run asr --chunk-ms 320
  for (const auto& file : {kFlac, resampled_utterance(44100)}) {
    // What erg run asr did before: the whole file, then pushes of kChunk.
    const Audio whole = load_asr_audio(file);
    std::vector<std::string> expected;
    rec.reset();
    for (std::size_t at = 0; at < whole.samples.size(); at += kChunk) {
      rec.push(std::span<const float>(whole.samples)
                   .subspan(at, std::min(kChunk, whole.samples.size() - at)));
      expected.push_back(rec.text());
    }
    rec.finish();
    expected.push_back(rec.text());
    EXPECT_EQ(expected.back(), "how much") << file;  // tests/fixtures/asr/testset/testset.tsv

    std::vector<std::string> got;
    AsrAudioStream stream(file);
    std::vector<float> pcm(kChunk);
    rec.reset();
    for (std::size_t n; (n = stream.read(pcm)) > 0;) {
      rec.push(std::span<const float>(pcm).first(n));
      got.push_back(rec.text());
    }
    rec.finish();
    got.push_back(rec.text());
    EXPECT_EQ(got, expected) << file;
    EXPECT_DOUBLE_EQ(stream.duration_s(), whole.duration_s());
  }
}

TEST_F(AsrAudioStreamTest, TruncatedFilesAreErrorsNotShortResults) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  const auto noise = [&](std::span<float> b) {
    for (auto& v : b)
      v = u(rng);
  };
  // A WAV cut off inside its data chunk: 16000 int16 frames declared (32000 bytes), 44 + 20000
  // bytes left. libsndfile alone reads the 10000 frames there as if that were the whole file.
  const fs::path wav = write("cut.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 16000, noise);
  fs::resize_file(wav, 44 + 20000);
  const std::string cut = stream_error(wav);
  EXPECT_NE(cut.find("truncated WAV: the data chunk declares 32000 bytes (16000 frames) but the "
                     "file holds 20000 (10000 frames)"),
            std::string::npos)
      << cut;
  EXPECT_THROW(load_asr_audio(wav), Error);  // the whole-file path too

  // Cut while being streamed: the header's frame count is the promise the end is checked against.
  const fs::path live = write("live.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 48000, noise);
  AsrAudioStream stream(live, 1024);
  std::vector<float> buf(2560);
  ASSERT_EQ(stream.read(buf), buf.size());
  fs::resize_file(live, 44 + 2 * 20000);
  try {
    while (stream.read(buf) > 0) {
    }
    ADD_FAILURE() << "a file cut mid-stream read to its end without an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), live.string());
    EXPECT_NE(e.what_text().find("truncated audio: the header declares 48000 frames but the "
                                 "stream ended after 20000"),
              std::string::npos)
        << e.what_text();
  }

  // A cut FLAC: the decoder loses sync (or the stream ends early); either way an error.
  const fs::path flac = write("cut.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 16000, 48000, noise);
  fs::resize_file(flac, fs::file_size(flac) / 2);
  const std::string flac_cut = stream_error(flac);
  EXPECT_TRUE(flac_cut.find("error while decoding audio") != std::string::npos ||
              flac_cut.find("truncated audio") != std::string::npos)
      << flac_cut;

  // An intact file streams to its end.
  EXPECT_EQ(stream_error(kFlac), "no error");
}

// The stream's buffers for a 100-second and a 10-second file of the same rate are the same size.
TEST_F(AsrAudioStreamTest, BuffersDoNotGrowWithTheLength) {
  const auto silence = [](std::span<float> b) { std::fill(b.begin(), b.end(), 0.0f); };
  std::size_t worst[2] = {0, 0};
  const std::size_t seconds[2] = {10, 100};
  for (int i = 0; i < 2; ++i) {
    const fs::path f = write("s" + std::to_string(i) + ".wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                             44100, 44100 * seconds[i], silence);
    AsrAudioStream s(f);
    std::vector<float> buf(2560);
    while (s.read(buf) > 0)
      worst[i] = std::max(worst[i], s.buffered_floats());
    EXPECT_EQ(s.samples_read(), 16000 * seconds[i]);
  }
  EXPECT_EQ(worst[1], worst[0]);
  // The 16384-frame source block, the resampler's copy of it plus one kernel span (188 taps at
  // 44.1 kHz) and the block's 16 kHz output (~5945): under three blocks (192 KiB).
  EXPECT_LT(worst[1], 3U * 16384U);
}

// Peak RSS growth (getrusage in a forked child, whose high-water mark starts at the RSS it
// inherits) of reading a 2-minute 44.1 kHz file: streaming stays under 8 MiB; the whole-file path
// holds 5.3 M source floats plus 1.9 M resampled ones (~28 MiB), which shows the measurement can
// tell the two apart.
constexpr int kWrongLength = 254;
long peak_growth_kib(void (*body)(const fs::path&), const fs::path& file) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    rusage before{}, after{};
    ::getrusage(RUSAGE_SELF, &before);
    body(file);
    ::getrusage(RUSAGE_SELF, &after);
    const long kib = after.ru_maxrss - before.ru_maxrss;
    ::_exit(int(std::min(kib / 256, 250L)));  // in 256 KiB steps, to fit an exit status
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) == kWrongLength) return -1;
  return long(WEXITSTATUS(status)) * 256;
}

TEST_F(AsrAudioStreamTest, PeakRssStaysBoundedInAChildProcess) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  const fs::path f = write("long.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 44100 * 120,
                           [&](std::span<float> b) {
                             for (auto& v : b)
                               v = u(rng);
                           });
  const long streamed = peak_growth_kib(
      [](const fs::path& p) {
        AsrAudioStream s(p);
        std::vector<float> buf(2560);
        while (s.read(buf) > 0) {
        }
        if (s.samples_read() != 16000U * 120) ::_exit(kWrongLength);
      },
      f);
  const long whole = peak_growth_kib(
      [](const fs::path& p) {
        if (load_asr_audio(p).samples.size() != 16000U * 120) ::_exit(kWrongLength);
      },
      f);
  ASSERT_GE(streamed, 0);
  ASSERT_GE(whole, 0);
  EXPECT_LT(streamed, 8 * 1024) << "KiB";
  EXPECT_GT(whole, 20 * 1024) << "KiB";
}

}  // namespace
}  // namespace erg::models::asr
