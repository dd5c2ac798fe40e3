// StreamingResampler against Resampler::process on the whole signal: the outputs must be the same
// floats (each output is the same dot product over the same taps, in the same order), for any
// chunking, and the input it holds between pushes stays under one kernel span.
#include "models/asr/streaming_resampler.hpp"

#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "models/asr/resampler.hpp"

namespace erg::models::asr {
namespace {

std::vector<float> noise(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.9f, 0.9f);
  std::vector<float> x(n);
  for (auto& v : x)
    v = u(rng);
  return x;
}

// Pushes `in` in chunks of `chunk` (0: seeded random sizes from 1 to 3000), checking the held
// input after every push.
std::vector<float> streamed(StreamingResampler& s, const std::vector<float>& in,
                            std::size_t chunk) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> size(1, 3000);
  std::vector<float> out;
  for (std::size_t at = 0; at < in.size();) {
    const std::size_t n = std::min(chunk == 0 ? size(rng) : chunk, in.size() - at);
    s.push(std::span<const float>(in).subspan(at, n), out);
    at += n;
    // The next output still needs fewer than taps() inputs: a bound independent of the length.
    if (!s.resampler().identity()) {
      EXPECT_LT(std::int64_t(s.held_samples()), s.resampler().taps());
    }
  }
  s.finish(out);
  return out;
}

TEST(AsrStreamingResampler, AnyChunkingEqualsTheWholeSignalBitForBit) {
  const std::pair<int, int> rates[] = {{44100, 16000}, {48000, 16000}, {22050, 16000},
                                       {11025, 16000}, {8000, 16000},  {16000, 16000},
                                       {384000, 16000}};
  for (const auto& [in_hz, out_hz] : rates) {
    // 0.37 s: an odd length, so the last output's kernel runs past the end.
    const std::vector<float> in = noise(std::size_t(in_hz) * 37 / 100 + 3, unsigned(in_hz));
    const Resampler whole(in_hz, out_hz);
    const std::vector<float> expected = whole.process(in);
    ASSERT_EQ(expected.size(), whole.output_samples(in.size()));
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{160}, std::size_t{4096},
                              in.size(), std::size_t{0}}) {
      StreamingResampler s(in_hz, out_hz);
      const std::vector<float> got = streamed(s, in, chunk);
      EXPECT_EQ(got, expected) << in_hz << " -> " << out_hz << " Hz, chunk " << chunk;
      EXPECT_EQ(s.output_samples(), expected.size());
      EXPECT_EQ(s.input_samples(), in.size());
    }
  }
}

TEST(AsrStreamingResampler, ShortSignalsAndResetGiveTheWholeSignalResult) {
  // Shorter than one kernel span: every output comes from finish().
  const std::vector<float> tiny = noise(5, 1);
  StreamingResampler s(44100, 16000);
  std::vector<float> out;
  s.push(tiny, out);
  EXPECT_TRUE(out.empty());
  s.finish(out);
  EXPECT_EQ(out, Resampler(44100, 16000).process(tiny));
  EXPECT_THROW(s.push(tiny, out), Error);  // after finish

  // reset() forgets the previous signal entirely.
  s.reset();
  const std::vector<float> next = noise(9000, 2);
  EXPECT_EQ(streamed(s, next, 333), Resampler(44100, 16000).process(next));

  // An empty signal gives no output.
  s.reset();
  out.clear();
  s.finish(out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace erg::models::asr
