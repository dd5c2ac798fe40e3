// Audio input (WAV and whatever else libsndfile decodes): the whole-file read that the test set
// uses and the block stream that `erg run asr` uses, which must agree sample for sample.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "models/asr/asr_audio_stream.hpp"
#include "models/asr/audio_file.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = erg::fuzz::input_file(data, size, "input.wav");
  std::optional<std::vector<float>> whole;
  try {
    whole = erg::models::asr::load_asr_audio(path).samples;
  } catch (const erg::Error&) {
  }
  std::optional<std::vector<float>> streamed;
  try {
    erg::models::asr::AsrAudioStream stream(path, 1000);
    std::vector<float> out;
    std::vector<float> block(777);
    while (const auto n = stream.read(block))
      out.insert(out.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(n));
    streamed = std::move(out);
  } catch (const erg::Error&) {
  }
  // The two readers apply the same checks, so they accept the same files with the same samples.
  if (whole.has_value() != streamed.has_value()) std::abort();
  if (whole && *whole != *streamed) std::abort();
  return 0;
}
