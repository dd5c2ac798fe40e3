#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/access_sink.hpp"

namespace erg::models::asr {

// A streaming RNN-T encoder over stacked, normalized feature frames. Frames may be pushed in any
// grouping; the encoder runs once per chunk as soon as the chunk (and its lookahead) is
// available, and carries its state across chunks, so the output never depends on how the input
// was split. Implementations: LstmEncoder, EmformerEncoder.
class Encoder {
 public:
  virtual ~Encoder() = default;

  virtual std::size_t input_dim() const = 0;   // stacked frame size
  virtual std::size_t output_dim() const = 0;  // E
  // Stacked frames per invocation.
  virtual std::size_t chunk_frames() const = 0;

  // `frames` holds whole rows of input_dim(); appends every finished output row to `out`
  // (output_dim() values each) and returns how many. Throws erg::Error on a partial row.
  virtual std::size_t push(std::span<const float> frames, std::vector<float>& out) = 0;
  // End of stream: processes whatever is buffered (a short last chunk, no lookahead).
  virtual std::size_t finish(std::vector<float>& out) = 0;
  // Empties buffers and state for a new utterance.
  virtual void reset() = 0;
  virtual void attach(AccessSink* sink) = 0;

  // Since load or reset_counters: invocations (chunks) and output frames.
  std::uint64_t invocations() const { return invocations_; }
  std::uint64_t frames_out() const { return frames_out_; }
  void reset_counters() { invocations_ = frames_out_ = 0; }

 protected:
  std::uint64_t invocations_ = 0;
  std::uint64_t frames_out_ = 0;
};

}  // namespace erg::models::asr
