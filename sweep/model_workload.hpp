#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/access_sink.hpp"
#include "models/runtime/variant.hpp"
#include "sweep/experiment_spec.hpp"

namespace erg::sweep {

// What one run of a model variant produced, besides the events it streamed.
struct WorkloadResult {
  nlohmann::json accuracy =
      nlohmann::json::object();  // {"wer": 4.2} (percent), {"perplexity": 3.1}
  double audio_seconds = 0.0;    // normalizer for energy per second of audio
  double tokens = 0.0;           // normalizer for energy per token
  double host_time_s = 0.0;      // wall time of the run on this host (RTF, tokens/s)
  nlohmann::json stats = nlohmann::json::object();  // invocations, acceptance, ...
  // Extra metrics copied into the row as they are: per-unit counts that let two rows on the same
  // test set be compared by a paired bootstrap ("utterance_errors", "utterance_words", listing
  // order) and the metric's own interval ("wer_ci95": [low, high]).
  nlohmann::json detail = nlohmann::json::object();
};

// A model driven by a workload: the thing a sweep evaluates under many variants. One
// implementation per model kind (asr, llm, shape), picked by name from the spec.
class ModelWorkload {
 public:
  virtual ~ModelWorkload() = default;
  // The components a search may compress, coarse names such as "asr.joiner".
  virtual std::vector<std::string> components() const = 0;
  // Every component the model's transforms apply to, as finely as the model names them
  // ("asr.encoder.layer.3"): what a spec's axes and components may name, each one or a prefix.
  virtual std::vector<std::string> component_names() const { return components(); }
  // The accuracy metric constraints refer to ("wer", "perplexity"), or "" when there is none.
  virtual std::string accuracy_metric() const = 0;
  // "audio_second" or "token".
  virtual std::string energy_unit() const = 0;
  // Weight bytes of each component under `variant` (what pinning must fit in local memory).
  virtual std::uint64_t weight_bytes(const std::string& component,
                                     const models::runtime::Variant& variant) const = 0;
  // Runs the workload with `variant` and the runtime knobs, streaming events into `sink` (may
  // be null). Must be deterministic and safe to call from several threads at once.
  virtual WorkloadResult run(const models::runtime::Variant& variant, const nlohmann::json& runtime,
                             AccessSink* sink) const = 0;
};

std::unique_ptr<ModelWorkload> make_workload(const ExperimentSpec& spec);

// The checks of a spec that need its model, run before a sweep writes anything; each error names
// the key, its file:line and the valid choices. [axes] keys and [search] components name
// components of the model, [hypothesis] first one the search compresses, every constraint is on
// the workload's accuracy metric, [metrics] energy_per is the workload's unit, and a sensitivity
// search has a metric to keep.
void check_spec_against(const ExperimentSpec& spec, const ModelWorkload& workload);

// Implementations (one file each).
std::unique_ptr<ModelWorkload> make_shape_workload(const ExperimentSpec& spec);
std::unique_ptr<ModelWorkload> make_llm_workload(const ExperimentSpec& spec);
std::unique_ptr<ModelWorkload> make_asr_workload(const ExperimentSpec& spec);

}  // namespace erg::sweep
