#include "models/asr/streaming_fbank.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "tests/models/asr/fbank_golden.hpp"

namespace erg::models::asr {
namespace {

// Chunked and batch run the same per-frame code on the same samples, so they must agree
// exactly, not just within a tolerance.
void expect_chunked_equals_batch(const std::vector<float>& samples, const FbankOptions& options,
                                 const std::vector<std::size_t>& chunk_sizes) {
  Fbank batch_fbank(options);
  const FeatureMatrix batch = batch_fbank.compute(samples);
  StreamingFbank stream(options);
  FeatureMatrix out(stream.dim());
  std::size_t pos = 0;
  std::size_t i = 0;
  while (pos < samples.size()) {
    const std::size_t n = std::min(chunk_sizes[i++ % chunk_sizes.size()], samples.size() - pos);
    const std::size_t before = out.num_frames();
    const std::size_t emitted = stream.push(std::span<const float>(samples).subspan(pos, n), out);
    pos += n;
    EXPECT_EQ(out.num_frames() - before, emitted);
    // Every frame whose window has fully arrived is out already.
    EXPECT_EQ(out.num_frames(), batch_fbank.num_frames(pos));
  }
  EXPECT_EQ(stream.samples_received(), samples.size());
  EXPECT_EQ(stream.frames_emitted(), batch.num_frames());
  EXPECT_EQ(out.values(), batch.values());
}

TEST(AsrStreamingFbank, ChunkedEqualsBatchForAnyChunkSize) {
  const auto golden = testing::read_fbank_golden(testing::fbank_golden_path());
  FbankOptions options;
  for (std::size_t bins : {40U, 80U}) {
    options.num_mel_bins = bins;
    expect_chunked_equals_batch(golden.samples, options, {1});
    expect_chunked_equals_batch(golden.samples, options, {160});
    expect_chunked_equals_batch(golden.samples, options, {399, 401, 7});
    expect_chunked_equals_batch(golden.samples, options, {golden.samples.size()});
    std::mt19937 rng(bins);
    std::uniform_int_distribution<std::size_t> dist(0, 1000);  // zero-length pushes included
    std::vector<std::size_t> random_sizes(64);
    for (auto& s : random_sizes)
      s = dist(rng);
    random_sizes.push_back(1);  // guarantees progress
    expect_chunked_equals_batch(golden.samples, options, random_sizes);
  }
}

TEST(AsrStreamingFbank, ShiftLongerThanWindowSkipsUnusedSamples) {
  // 10 ms windows every 25 ms: samples between windows belong to no frame.
  FbankOptions options;
  options.frame_length_ms = 10.0;
  options.frame_shift_ms = 25.0;
  options.num_mel_bins = 23;
  std::vector<float> samples(5000);
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  for (auto& s : samples)
    s = noise(rng);
  expect_chunked_equals_batch(samples, options, {37, 1, 500});
}

TEST(AsrStreamingFbank, ResetStartsANewUtterance) {
  const auto golden = testing::read_fbank_golden(testing::fbank_golden_path());
  StreamingFbank stream;
  FeatureMatrix first(stream.dim());
  stream.push(std::span<const float>(golden.samples).subspan(0, 1000), first);
  stream.reset();
  FeatureMatrix second(stream.dim());
  stream.push(golden.samples, second);
  Fbank fbank;
  EXPECT_EQ(second.values(), fbank.compute(golden.samples).values());
}

TEST(AsrStreamingFbank, RejectsOutputOfTheWrongWidth) {
  StreamingFbank stream;
  FeatureMatrix wrong(40);
  const std::vector<float> pcm(10, 0.0f);
  EXPECT_THROW(stream.push(pcm, wrong), Error);
}

}  // namespace
}  // namespace erg::models::asr
