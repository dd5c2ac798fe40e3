#include <cmath>

#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "models/specs/schedule.hpp"
#include "models/specs/shape_spec.hpp"
#include "sweep/model_workload.hpp"
#include "sweep/spec_keys.hpp"

namespace erg::sweep {
namespace {

using models::specs::LlmShape;
using models::specs::LlmWorkload;
using models::specs::RnntShape;
using models::specs::RnntWorkload;

// Applies a JSON object of overrides to a workload struct's known fields.
template <typename T>
void set_if(const nlohmann::json& j, const char* key, T& field) {
  if (j.contains(key)) field = j.at(key).get<T>();
}

RnntWorkload rnnt_workload(RnntWorkload w, const nlohmann::json& j) {
  set_if(j, "audio_seconds", w.audio_seconds);
  set_if(j, "input_frames_per_second", w.input_frames_per_second);
  set_if(j, "blank_ratio", w.blank_ratio);
  set_if(j, "beam", w.beam);
  set_if(j, "batch_hypotheses", w.batch_hypotheses);
  return w;
}

LlmWorkload llm_workload(LlmWorkload w, const nlohmann::json& j) {
  set_if(j, "prompt_tokens", w.prompt_tokens);
  set_if(j, "generated_tokens", w.generated_tokens);
  set_if(j, "exit_layer", w.exit_layer);
  set_if(j, "speculations", w.speculations);
  set_if(j, "acceptance", w.acceptance);
  if (j.contains("strategy"))
    w.strategy = models::specs::parse_llm_strategy(j["strategy"].get<std::string>());
  return w;
}

// A shape-only spec: events from the synthesized schedule, no accuracy metric.
class ShapeWorkload final : public ModelWorkload {
 public:
  explicit ShapeWorkload(const ExperimentSpec& spec)
      : spec_(models::specs::load_shape_spec(spec.model)), overrides_(spec.workload) {
    // The spec's keys were checked against every shape model; here against this one's family.
    const bool rnnt = std::holds_alternative<RnntShape>(spec_.shape);
    const auto check = [&](const std::string& table, const std::string& key,
                           const nlohmann::json& value) {
      const auto* rule = find_knob("shape", table == "runtime", key);
      if (rule != nullptr && rule->family != std::string(rnnt ? "rnnt" : "llm")) {
        throw Error("key '" + table + "." + key + "' applies to " + (rnnt ? "LLM" : "RNN-T") +
                        " shape models, and " + spec.model + " is an " + (rnnt ? "RNN-T" : "LLM") +
                        " (expected one of: " +
                        knob_names("shape", table == "runtime", rnnt ? "rnnt" : "llm") + ")",
                    spec.where(table + "." + key));
      }
      if (!rnnt && key == "exit_layer" &&
          value.get<std::int64_t>() >
              static_cast<std::int64_t>(std::get<LlmShape>(spec_.shape).layers)) {
        throw Error("key '" + table + ".exit_layer' is " + value.dump() + ", too large (at most " +
                        std::to_string(std::get<LlmShape>(spec_.shape).layers) +
                        ": the layers of " + spec.model + ")",
                    spec.where(table + "." + key));
      }
    };
    for (const auto& [key, value] : spec.workload.items())
      check("workload", key, value);
    for (const auto& [key, values] : spec.runtime_axes)
      for (const auto& v : values)
        check("runtime", key, v);
  }

  std::vector<std::string> components() const override {
    if (std::holds_alternative<RnntShape>(spec_.shape)) {
      return {"asr.encoder", "asr.predictor", "asr.joiner"};
    }
    std::vector<std::string> out{"llm.embed"};
    for (std::uint64_t l = 0; l < std::get<LlmShape>(spec_.shape).layers; ++l) {
      out.push_back("llm.layer." + std::to_string(l));
    }
    out.push_back("llm.head");
    return out;
  }
  std::vector<std::string> component_names() const override {
    CountingSink sink;
    run(models::runtime::Variant{}, nlohmann::json::object(), &sink, true);
    std::vector<std::string> names;
    for (const auto& [id, info] : sink.tensors())
      names.push_back(ComponentRegistry::global().name(info.component));
    return names;
  }
  std::string accuracy_metric() const override { return ""; }
  std::string energy_unit() const override {
    return std::holds_alternative<RnntShape>(spec_.shape) ? "audio_second" : "token";
  }

  std::uint64_t weight_bytes(const std::string& component,
                             const models::runtime::Variant& variant) const override {
    CountingSink sink;
    run(variant, nlohmann::json::object(), &sink, true);
    std::uint64_t bytes = 0;
    const auto& registry = ComponentRegistry::global();
    for (const auto& [id, info] : sink.tensors()) {
      if (ComponentRegistry::is_under(registry.name(info.component), component))
        bytes += info.bytes;
    }
    return bytes;
  }

  WorkloadResult run(const models::runtime::Variant& variant, const nlohmann::json& runtime,
                     AccessSink* sink) const override {
    return run(variant, runtime, sink, false);
  }

 private:
  WorkloadResult run(const models::runtime::Variant& variant, const nlohmann::json& runtime,
                     AccessSink* sink, bool tensors_only) const {
    CountingSink discard;
    AccessSink& target = sink != nullptr ? *sink : discard;
    nlohmann::json knobs = overrides_;
    for (const auto& [k, v] : runtime.items())
      knobs[k] = v;
    WorkloadResult result;
    if (std::holds_alternative<RnntShape>(spec_.shape)) {
      auto w = rnnt_workload(std::get<RnntWorkload>(spec_.workload), knobs);
      if (tensors_only) w.audio_seconds = 0.0;
      const auto s =
          models::specs::emit_rnnt_schedule(std::get<RnntShape>(spec_.shape), w, variant, target);
      result.audio_seconds = s.audio_seconds;
      result.stats = {{"encoder_chunks", s.encoder_chunks},
                      {"encoder_frames", s.encoder_frames},
                      {"emitted_symbols", s.emitted_symbols}};
    } else {
      auto w = llm_workload(std::get<LlmWorkload>(spec_.workload), knobs);
      if (tensors_only) {
        w.prompt_tokens = 0;
        w.generated_tokens = 1;
        w.strategy = models::specs::LlmStrategy::kAutoregressive;
      }
      const auto s =
          models::specs::emit_llm_schedule(std::get<LlmShape>(spec_.shape), w, variant, target);
      result.tokens = static_cast<double>(s.tokens);
      result.stats = {{"draft_cycles", s.draft_cycles},
                      {"drafted_tokens", s.drafted_tokens},
                      {"accepted_tokens", s.accepted_tokens}};
      if (s.drafted_tokens > 0) {
        result.stats["acceptance_rate"] =
            static_cast<double>(s.accepted_tokens) / static_cast<double>(s.drafted_tokens);
      }
    }
    return result;
  }

  models::specs::ShapeSpec spec_;
  nlohmann::json overrides_;
};

}  // namespace

std::unique_ptr<ModelWorkload> make_shape_workload(const ExperimentSpec& spec) {
  return std::make_unique<ShapeWorkload>(spec);
}

}  // namespace erg::sweep
