#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "models/asr/feature_matrix.hpp"
#include "models/asr/feature_normalizer.hpp"
#include "models/asr/frame_stacker.hpp"
#include "models/asr/rnnt_decoder.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/streaming_fbank.hpp"

namespace erg::models::asr {

// What one utterance cost, since reset().
struct RecognizerStats {
  std::uint64_t samples = 0;
  std::uint64_t fbank_frames = 0;
  std::uint64_t encoder_frames = 0;
  std::uint64_t encoder_invocations = 0;
  std::uint64_t predictor_invocations = 0;
  std::uint64_t joiner_invocations = 0;
  std::uint64_t symbols = 0;  // non-blank tokens fed to the predictor
  double audio_s() const { return double(samples) / 16000.0; }
};

// Streaming speech recognition: 16 kHz PCM pushed in chunks of any size goes through the fbank,
// normalization, stacking, the streaming encoder and frame-synchronous decoding as it arrives;
// text() is the partial transcript until finish(), then the final one. Any chunking gives the
// same result as one push of the whole utterance.
class StreamingRecognizer {
 public:
  StreamingRecognizer(RnntModel& model, DecodeOptions options);

  // Samples in [-1, 1) at 16 kHz. Throws erg::Error after finish() (call reset() first).
  void push(std::span<const float> pcm);
  // End of the utterance: flushes the encoder's last chunk.
  void finish();
  // Starts a new utterance.
  void reset();

  bool finished() const { return finished_; }
  std::vector<int> tokens() const { return decoder_.tokens(); }
  std::string text() const;
  RecognizerStats stats() const;
  const RnntDecoder& decoder() const { return decoder_; }

  // reset(), push(all), finish(), text().
  std::string recognize(std::span<const float> pcm);

 private:
  void decode(std::size_t frames);

  RnntModel& model_;
  StreamingFbank fbank_;
  FeatureNormalizer normalizer_;
  FrameStacker stacker_;
  RnntDecoder decoder_;
  FeatureMatrix fbank_frames_, stacked_;
  std::vector<float> encoded_;
  RnntCounters start_;
  std::uint64_t samples_ = 0;
  bool finished_ = false;
};

}  // namespace erg::models::asr
