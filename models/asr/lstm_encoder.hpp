#pragma once

#include <vector>

#include "models/asr/encoder.hpp"
#include "models/asr/rnnt_config.hpp"
#include "models/asr/rnnt_weights.hpp"

namespace erg::models::asr {

// Stacked unidirectional LSTM layers (TRAINING.md, "LSTM encoder"). Components asr.encoder
// (one invocation per chunk) and asr.encoder.layer.N (one per chunk and layer); the state (h, c)
// of every layer carries across chunks.
class LstmEncoder final : public Encoder {
 public:
  LstmEncoder(const RnntConfig& config, RnntWeights& weights);

  std::size_t input_dim() const override { return input_dim_; }
  std::size_t output_dim() const override { return hidden_; }
  std::size_t chunk_frames() const override { return chunk_; }
  std::size_t push(std::span<const float> frames, std::vector<float>& out) override;
  std::size_t finish(std::vector<float>& out) override;
  void reset() override;
  void attach(AccessSink* sink) override { sink_ = sink; }

  // The state of layer l (for the golden fixture's state after chunk 0).
  std::span<const float> h(std::size_t layer) const { return layers_[layer].h.data; }
  std::span<const float> c(std::size_t layer) const { return layers_[layer].c.data; }

 private:
  struct Layer {
    runtime::Weight w_ih, w_hh;
    runtime::Buffer h, c, out;  // out: [chunk, hidden]
    ComponentId component = kNoComponent;
  };
  void run_chunk(std::size_t n, std::vector<float>& out);

  std::size_t input_dim_, hidden_, chunk_;
  ComponentId component_;
  std::vector<Layer> layers_;
  runtime::Buffer input_, gates_, scratch_;
  std::size_t pending_ = 0;  // buffered input rows in input_
  AccessSink* sink_ = nullptr;
};

}  // namespace erg::models::asr
