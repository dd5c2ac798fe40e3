#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "cli/arg_parser.hpp"
#include "core/error.hpp"
#include "models/asr/rnnt_decoder.hpp"
#include "models/llm/generator.hpp"
#include "models/runtime/variant.hpp"

namespace erg::cli {

// The options of every command that runs a model (erg run asr|llm, erg profile asr|llm), declared
// once with their help text and bounds. A command takes --model, --variant and --json plus the
// groups it can honour; an option it declares must change what it does.
enum RunOptionGroup : unsigned {
  kAsrDecoding = 1u << 0,    // --beam, --max-symbols, --blank-penalty
  kAsrStreaming = 1u << 1,   // --chunk-ms, --partials (transcribing files chunk by chunk)
  kThreads = 1u << 2,        // --threads (one model copy per thread)
  kLlmDecoding = 1u << 3,    // --strategy, --exit-layer, --speculations, --draft-confidence,
                             // --max-tokens
  kLlmGeneration = 1u << 4,  // --temperature, --top-k, --top-p, --seed, --stop, --ignore-eos
};

// Bounds checked where the options are parsed. Beam search time grows about as beam^2.5
// (asr-lstm on a 3 s utterance: beam 64 0.5 s, beam 128 7.5 s) and --beam 100000 exhausts memory;
// past the vocabulary (256 tokens) more hypotheses add nothing.
inline constexpr long kMaxBeam = 64;
inline constexpr long kMaxSymbolsPerFrame = 32;
inline constexpr double kMaxBlankPenalty = 1000;  // logits are O(10): beyond this it saturates
inline constexpr double kMaxChunkMs = 600'000;    // ten minutes of audio per push
inline constexpr long kMaxExitLayer = 1024;       // before the model's own layer count is known
inline constexpr long kMaxSpeculations = 64;      // drafts are cut at the context length anyway
inline constexpr long kMaxNewTokens = 65'536;
inline constexpr double kMaxTemperature = 100;
inline constexpr long kMaxTopK = 65'536;

// Defaults that differ between commands.
struct RunOptionDefaults {
  std::string model;  // "" = --model is required
  std::size_t max_new_tokens = 64;
};

struct ModelRunOptions {
  std::string model;  // a name under models/weights or a .safetensors path
  models::runtime::Variant variant;
  bool json = false;
  std::size_t threads = 1;
  std::optional<std::size_t> beam;         // unset: greedy
  std::optional<std::size_t> max_symbols;  // unset: 4
  std::optional<float> blank_penalty;      // unset: the model's (decoding.blank_penalty)
  double chunk_ms = 320;
  bool partials = false;
  models::llm::GenerateOptions generate;  // exit_layer is resolved by llm_generate_options
  std::optional<std::size_t> exit_layer;  // unset: half the model's layers
};

// Declares --model, --variant, --json and the options of `groups` on `parser`.
void add_model_run_options(ArgParser& parser, unsigned groups,
                           const RunOptionDefaults& defaults = {});

// Reads what add_model_run_options declared. Every number is range-checked, the variant parsed,
// and an option that would do nothing is refused (--exit-layer or --speculations with --strategy
// ar, --top-k without sampling, a negative --temperature): UsageError, exit status 2.
ModelRunOptions read_model_run_options(const ParsedArgs& parsed, unsigned groups,
                                       const RunOptionDefaults& defaults = {});

// Refuses (UsageError "--NAME applies to WHERE") the first option of `groups` that was given, for
// a mode of a command in which those options do nothing.
void refuse_run_options(const ParsedArgs& parsed, unsigned groups, std::string_view where);

// One ASR decoding: beam search with --beam, else greedy with --max-symbols (refused together),
// with --blank-penalty or the model's.
models::asr::DecodeOptions asr_decode_options(const ModelRunOptions& options,
                                              float model_blank_penalty);

// The generation options for a model of `n_layers` layers: the exit layer defaults to half of
// them and must fit the strategy (1..L for exit, 1..L-1 for selfspec), else UsageError.
models::llm::GenerateOptions llm_generate_options(const ModelRunOptions& options,
                                                  std::size_t n_layers);

// Parses a variant given on the command line as `option`: bad text is a UsageError.
models::runtime::Variant parse_variant_option(const std::string& text, std::string_view option);

// Runs `load`, a model load with a command-line variant: a rule that names no component of the
// model (or that the load refuses) is an invalid option value, so a UsageError. The engines mark
// those errors with where() "variant rule ...".
template <class Load>
auto load_with_variant(Load&& load) -> decltype(load()) {
  try {
    return load();
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    if (e.where().starts_with("variant rule")) throw UsageError(e.what_text(), e.where());
    throw;
  }
}

}  // namespace erg::cli
