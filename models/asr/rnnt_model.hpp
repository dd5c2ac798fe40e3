#pragma once

#include <filesystem>
#include <memory>

#include "core/access_sink.hpp"
#include "core/component_registry.hpp"
#include "models/asr/encoder.hpp"
#include "models/asr/joiner.hpp"
#include "models/asr/predictor.hpp"
#include "models/asr/rnnt_config.hpp"
#include "models/runtime/variant.hpp"
#include "models/runtime/weight_store.hpp"

namespace erg::models::asr {

// Invocations since load or reset_counters (kept by the parts whether or not a sink is attached).
struct RnntCounters {
  std::uint64_t encoder_invocations = 0;  // chunks
  std::uint64_t encoder_frames = 0;       // output frames (40 ms each)
  std::uint64_t predictor_invocations = 0;
  std::uint64_t joiner_invocations = 0;
  std::uint64_t enc_proj_invocations = 0;
  std::uint64_t pred_proj_invocations = 0;
};

// A loaded RNN-T model: config, streaming encoder (LSTM or Emformer-lite), predictor and joiner,
// every tensor placed in one address space. One stream at a time (the encoder holds its state).
class RnntModel {
 public:
  // Loads <path> (.safetensors, format erg-asr-rnnt/1) and the JSON beside it; the variant's
  // transforms apply per component (asr.encoder[.layer.N|.input|.ln_out], asr.predictor,
  // asr.joiner[.enc_proj|.pred_proj]). Throws erg::Error naming the file on anything missing or
  // malformed.
  static RnntModel load(const std::filesystem::path& path, const runtime::Variant& variant = {},
                        ComponentRegistry& registry = ComponentRegistry::global());

  const RnntConfig& config() const { return config_; }
  const runtime::Variant& variant() const { return variant_; }
  Encoder& encoder() { return *encoder_; }
  Predictor& predictor() { return *predictor_; }
  Joiner& joiner() { return *joiner_; }
  const runtime::WeightStore& store() const { return *store_; }
  // Bytes of all weights as stored (after the variant's transforms).
  std::uint64_t weight_bytes() const { return weight_bytes_; }

  // Sends on_tensor for every tensor, then routes all kernel events to `sink` (null detaches).
  void attach(AccessSink* sink);
  RnntCounters counters() const;
  void reset_counters();

 private:
  RnntModel() = default;

  RnntConfig config_;
  runtime::Variant variant_;
  std::unique_ptr<runtime::WeightStore> store_;
  std::unique_ptr<Encoder> encoder_;
  std::unique_ptr<Predictor> predictor_;
  std::unique_ptr<Joiner> joiner_;
  std::uint64_t weight_bytes_ = 0;
};

}  // namespace erg::models::asr
