#include "cli/run_options.hpp"

#include <climits>
#include <cstdint>
#include <vector>

namespace erg::cli {
namespace {

using models::llm::Strategy;

struct RunOptionSpec {
  unsigned group;  // 0: every command that runs a model
  std::string name;
  std::string value_name;  // empty for a flag
  std::string help;
};

std::string n(long value) {
  return std::to_string(value);
}

// The one place the shared options are named and described.
const std::vector<RunOptionSpec>& run_option_specs() {
  static const std::vector<RunOptionSpec> specs{
      {0, "model", "M", "model name under models/weights or a .safetensors path"},
      {0, "variant", "V",
       "per-component transforms, e.g. 'asr:bits=8', 'asr.joiner:prune=0.5' or "
       "'llm.layer:bits=8;llm.head:pin'"},
      {0, "json", "", "print JSON"},
      {kThreads, "threads", "N",
       "decode on N threads, one model copy each (default 1; at most 4 x the hardware threads, "
       "or $ERG_MAX_THREADS)"},
      {kAsrDecoding, "beam", "N",
       "beam search with N hypotheses, 1 to " + n(kMaxBeam) + " (default: greedy)"},
      {kAsrDecoding, "max-symbols", "K",
       "greedy: tokens emitted per frame at most, 1 to " + n(kMaxSymbolsPerFrame) + " (default 4)"},
      {kAsrDecoding, "blank-penalty", "P",
       "subtract P (|P| <= " + n(long(kMaxBlankPenalty)) +
           ") from the blank logit when decoding (default: the model's, decoding.blank_penalty in "
           "its JSON, else 0)"},
      {kAsrStreaming, "chunk-ms", "MS",
       "push audio in chunks of MS milliseconds, above 0 and at most " + n(long(kMaxChunkMs)) +
           " (default 320)"},
      {kAsrStreaming, "partials", "", "print the partial transcript after every chunk"},
      {kLlmDecoding, "strategy", "S", "ar (default), exit or selfspec"},
      {kLlmDecoding, "exit-layer", "E",
       "exit: layers before the shared head, 1 to L; selfspec: the drafter's depth, 1 to L-1 "
       "(default L/2)"},
      {kLlmDecoding, "speculations", "d",
       "selfspec: tokens drafted per round, 1 to " + n(kMaxSpeculations) + " (default 4)"},
      {kLlmDecoding, "draft-confidence", "C",
       "selfspec: stop a round's drafting once the drafter's top probability is below C, 0 to 1 "
       "(0 = off; lossless)"},
      {kLlmDecoding, "max-tokens", "N", "maximum new tokens, 0 to " + n(kMaxNewTokens)},
      {kLlmGeneration, "temperature", "T",
       "sampling temperature, 0 to " + n(long(kMaxTemperature)) + "; 0 = greedy (default 0)"},
      {kLlmGeneration, "top-k", "K",
       "sampling: keep the K most likely tokens, 0 to " + n(kMaxTopK) + " (0 = off)"},
      {kLlmGeneration, "top-p", "P", "sampling: nucleus mass, above 0 and at most 1 (1 = off)"},
      {kLlmGeneration, "seed", "S", "sampling seed, a non-negative integer (default 42)"},
      {kLlmGeneration, "stop", "TEXT", "stop sequence (ends generation; not printed)"},
      {kLlmGeneration, "ignore-eos", "", "keep generating after the end-of-document token"},
  };
  return specs;
}

bool declared(const RunOptionSpec& spec, unsigned groups) {
  return spec.group == 0 || (spec.group & groups) != 0;
}

}  // namespace

void add_model_run_options(ArgParser& parser, unsigned groups, const RunOptionDefaults& defaults) {
  for (const auto& spec : run_option_specs()) {
    if (!declared(spec, groups)) continue;
    std::string help = spec.help;
    if (spec.name == "model" && !defaults.model.empty())
      help += " (default " + defaults.model + ")";
    if (spec.name == "max-tokens") help += " (default " + n(long(defaults.max_new_tokens)) + ")";
    if (spec.value_name.empty())
      parser.flag(spec.name, help);
    else
      parser.option(spec.name, spec.value_name, help);
  }
}

void refuse_run_options(const ParsedArgs& parsed, unsigned groups, std::string_view where) {
  for (const auto& spec : run_option_specs())
    if (spec.group != 0 && (spec.group & groups) != 0 && parsed.has(spec.name))
      throw UsageError("--" + spec.name + " applies to " + std::string(where));
}

models::runtime::Variant parse_variant_option(const std::string& text, std::string_view option) {
  try {
    return models::runtime::Variant::parse(text);
  } catch (const Error& e) {
    throw UsageError("invalid " + std::string(option) + ": " + e.what_text(), e.where());
  }
}

ModelRunOptions read_model_run_options(const ParsedArgs& parsed, unsigned groups,
                                       const RunOptionDefaults& defaults) {
  ModelRunOptions o;
  o.model = parsed.get_or("model", defaults.model);
  if (o.model.empty()) throw UsageError("missing --model");
  o.variant = parse_variant_option(parsed.get_or("variant", ""), "--variant");
  o.json = parsed.has("json");
  if (groups & kThreads) o.threads = parsed.get_threads("threads", 1);

  if (groups & kAsrDecoding) {
    if (parsed.has("beam")) o.beam = std::size_t(parsed.get_int("beam", 0, 1, kMaxBeam));
    if (parsed.has("max-symbols"))
      o.max_symbols = std::size_t(parsed.get_int("max-symbols", 0, 1, kMaxSymbolsPerFrame));
    if (parsed.has("blank-penalty"))
      o.blank_penalty =
          float(parsed.get_double("blank-penalty", 0, -kMaxBlankPenalty, kMaxBlankPenalty));
  }
  if (groups & kAsrStreaming) {
    o.chunk_ms = parsed.get_double_above("chunk-ms", o.chunk_ms, 0, kMaxChunkMs);
    o.partials = parsed.has("partials");
    if (o.partials && o.json)
      throw UsageError("--partials prints text: it does nothing with --json");
  }

  auto& g = o.generate;
  if (groups & kLlmDecoding) {
    try {
      g.strategy = models::llm::parse_strategy(parsed.get_or("strategy", "ar"));
    } catch (const Error& e) {
      throw UsageError(e.what_text(), "--strategy");
    }
    if (parsed.has("exit-layer"))
      o.exit_layer = std::size_t(parsed.get_int("exit-layer", 0, 1, kMaxExitLayer));
    g.speculations = std::size_t(parsed.get_int("speculations", 4, 1, kMaxSpeculations));
    g.draft_confidence = parsed.get_double("draft-confidence", 0.0, 0.0, 1.0);
    g.max_new_tokens =
        std::size_t(parsed.get_int("max-tokens", long(defaults.max_new_tokens), 0, kMaxNewTokens));
    if (g.strategy == Strategy::kAutoregressive && parsed.has("exit-layer"))
      throw UsageError(
          "--exit-layer does nothing with --strategy ar (it applies to exit and "
          "selfspec)");
    if (g.strategy != Strategy::kSelfSpeculative)
      for (const char* name : {"speculations", "draft-confidence"})
        if (parsed.has(name))
          throw UsageError("--" + std::string(name) + " does nothing with --strategy " +
                           std::string(models::llm::to_string(g.strategy)) +
                           " (it applies to selfspec)");
  }
  if (groups & kLlmGeneration) {
    g.sampling.temperature = parsed.get_double("temperature", 0.0, 0.0, kMaxTemperature);
    g.sampling.top_k = std::size_t(parsed.get_int("top-k", 0, 0, kMaxTopK));
    g.sampling.top_p = parsed.get_double_above("top-p", 1.0, 0.0, 1.0);
    g.seed = std::uint64_t(parsed.get_int("seed", 42, 0, LONG_MAX));
    if (g.sampling.greedy())
      for (const char* name : {"top-k", "top-p", "seed"})
        if (parsed.has(name))
          throw UsageError("--" + std::string(name) +
                           " does nothing with greedy decoding (it applies to sampling, "
                           "--temperature above 0)");
    if (auto stop = parsed.get("stop")) {
      if (stop->empty()) throw UsageError("--stop needs a non-empty stop sequence");
      g.stop.push_back(*stop);
    }
    g.stop_at_eos = !parsed.has("ignore-eos");
  }
  return o;
}

models::asr::DecodeOptions asr_decode_options(const ModelRunOptions& o, float model_blank_penalty) {
  if (o.beam && o.max_symbols)
    throw UsageError(
        "--max-symbols does nothing with --beam (beam search emits one symbol per "
        "frame; --max-symbols applies to greedy decoding)");
  const auto options = o.beam ? models::asr::DecodeOptions::beam_search(*o.beam)
                              : models::asr::DecodeOptions::greedy(o.max_symbols.value_or(4));
  return options.with_blank_penalty(o.blank_penalty.value_or(model_blank_penalty));
}

models::llm::GenerateOptions llm_generate_options(const ModelRunOptions& o, std::size_t n_layers) {
  auto g = o.generate;
  g.exit_layer = o.exit_layer.value_or(n_layers / 2);
  const bool selfspec = g.strategy == Strategy::kSelfSpeculative;
  const std::size_t most = selfspec ? n_layers - 1 : n_layers;
  if (g.strategy != Strategy::kAutoregressive && g.exit_layer > most)
    throw UsageError("--exit-layer " + std::to_string(g.exit_layer) +
                     " is too large: the model has " + std::to_string(n_layers) +
                     " layers, and --strategy " + std::string(models::llm::to_string(g.strategy)) +
                     " takes 1 to " + std::to_string(most));
  if (g.strategy != Strategy::kAutoregressive && g.exit_layer < 1)
    throw UsageError("the model has too few layers (" + std::to_string(n_layers) +
                     ") for --strategy " + std::string(models::llm::to_string(g.strategy)));
  return g;
}

}  // namespace erg::cli
