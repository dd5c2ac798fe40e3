#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/asr/rnnt_decoder.hpp"
#include "models/llm/generator.hpp"
#include "models/runtime/variant.hpp"
#include "profiler/component_attribution.hpp"
#include "profiler/energy_source.hpp"
#include "profiler/measurement_window.hpp"

// An in-process profile of a shipped model variant with per-component attribution of measured
// energy: what `erg profile asr|llm` and `erg.profile_model(...)` run. One measurement window
// covers the real run (K test-set utterances, or one generation), during which a timing hook
// records each component's busy time. A component busy for at least min_window_s with a mean
// invocation of at least min_invocation_s is measured by window: the same workload runs again
// with energy read at each begin and end of its invocations. Any other component's energy per
// invocation comes from repeating one representative invocation in a loop for at least
// min_window_s, attributed as that figure x its real invocation count
// (profiler/component_attribution.hpp). Without an energy source every energy is null with the
// reason; times, counts and counters are still reported.
namespace erg::sweep {

struct ModelProfileRequest {
  std::string target = "asr";  // "asr" or "llm"
  std::string model;           // a name under models/weights or a .safetensors path
  models::runtime::Variant variant;
  profiler::AttributionThresholds thresholds;
  profiler::EnergySourceOptions source;
  bool source_explicit = false;  // the caller named the source: one that cannot be read throws
  bool require_energy = false;   // no energy source: UnavailableError instead of null energies
  // ASR: the decoding, given the model's own blank penalty (empty: greedy, 4 symbols per frame,
  // the model's penalty); the test set (empty: tests/fixtures/asr/testset) and how many of its
  // utterances the real run recognizes.
  std::function<models::asr::DecodeOptions(float model_blank_penalty)> decode;
  std::filesystem::path testset;
  std::size_t utterances = 2;
  // LLM: the generation for a model of n layers (empty: autoregressive, 32 new tokens); the run
  // ignores EOS so that every profile does a fixed amount of work.
  std::function<models::llm::GenerateOptions(std::size_t n_layers)> generate;
  std::string prompt = "Once upon a time";
};

struct ModelProfile {
  std::string target, model, variant, workload;
  profiler::AttributionThresholds thresholds;
  profiler::WindowResult run;
  nlohmann::json run_details = nlohmann::json::object();
  std::vector<profiler::ComponentProfile> components;
  std::string counters_reason;  // why the run has no counters, if it has none
  std::vector<std::string> notes;
};

// Opens the energy source (and counters on this thread) and profiles. Throws erg::Error for a
// model, variant, test set or prompt that cannot be used (UsageError where the request itself is
// wrong); a missing energy source is not an error.
ModelProfile profile_model(const ModelProfileRequest& request);

// The engine-specific halves, on an open monitor (asr_profile.cpp, llm_profile.cpp).
void profile_asr(const ModelProfileRequest& request, profiler::EnergyMonitor& monitor,
                 ModelProfile& profile);
void profile_llm(const ModelProfileRequest& request, profiler::EnergyMonitor& monitor,
                 ModelProfile& profile);

// "fp32" for the unmodified model, else the variant's rules.
std::string variant_label(const models::runtime::Variant& variant);

// The body of `erg profile asr|llm --json` (kind model_profile, without the envelope).
nlohmann::json to_json(const ModelProfile& profile);

}  // namespace erg::sweep
