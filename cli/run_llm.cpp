#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <span>
#include <sstream>
#include <string>

#include "cli/arg_parser.hpp"
#include "cli/json_output.hpp"
#include "cli/run_options.hpp"
#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/llm/byte_tokenizer.hpp"
#include "models/llm/generation_json.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama_model.hpp"
#include "models/llm/perplexity.hpp"
#include "reports/component_counts.hpp"

namespace erg::cli {

namespace {

using models::llm::Generation;
using models::llm::LlamaModel;

int run_eval(LlamaModel& model, const std::string& file, bool json) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read the evaluation text", file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty()) throw Error("evaluation text is empty", file);
  const models::llm::ByteTokenizer tok(model.config().bos_id, model.config().eos_id);
  const auto ids = tok.encode_prompt(text);
  const auto report = models::llm::exit_perplexity(model, ids);
  if (json) {
    nlohmann::json exits = nlohmann::json::array();
    for (const auto& e : report.exits)
      exits.push_back({{"exit_layer", e.exit_layer},
                       {"loss_nats_per_byte", e.loss_nats_per_byte},
                       {"bits_per_byte", e.bits_per_byte},
                       {"perplexity_per_byte", e.perplexity}});
    std::cout << with_envelope("llm_eval", {{"file", file},
                                            {"scored_bytes", report.scored_bytes},
                                            {"window_tokens", model.config().context_length},
                                            {"exits", exits}})
                     .dump(2)
              << "\n";
    return 0;
  }
  std::cout << "perplexity per exit layer on " << file << " (" << report.scored_bytes
            << " bytes, windows of " << model.config().context_length << ")\n"
            << "exit_layer  nats_per_byte  bits_per_byte  perplexity\n";
  for (const auto& e : report.exits)
    std::cout << std::setw(10) << e.exit_layer << std::fixed << std::setprecision(4)
              << std::setw(15) << e.loss_nats_per_byte << std::setw(15) << e.bits_per_byte
              << std::setw(12) << e.perplexity << "\n";
  return 0;
}

void print_generation(const Generation& g, const models::llm::GenerateOptions& opt,
                      const LlamaModel& model) {
  const auto& s = g.stats;
  std::cout << g.text << "\n---\n";
  std::cout << "strategy " << models::llm::to_string(opt.strategy);
  if (opt.strategy != models::llm::Strategy::kAutoregressive)
    std::cout << "  exit_layer " << opt.exit_layer;
  if (opt.strategy == models::llm::Strategy::kSelfSpeculative)
    std::cout << "  speculations " << opt.speculations
              << (opt.draft_confidence > 0 ? "  draft_confidence " : "")
              << (opt.draft_confidence > 0 ? std::to_string(opt.draft_confidence) : "");
  std::cout << "  stop " << g.stop_reason << "\n";
  std::cout << std::fixed << std::setprecision(1) << "new_tokens " << s.new_tokens << "  time_s "
            << std::setprecision(4) << s.time_s << "  tokens_per_s " << std::setprecision(1)
            << s.tokens_per_s() << "\n";
  if (opt.strategy == models::llm::Strategy::kSelfSpeculative)
    std::cout << "rounds " << s.rounds << "  drafted " << s.drafted << "  accepted " << s.accepted
              << "  acceptance " << std::setprecision(3) << s.acceptance_rate() << "\n";
  std::cout << "weight_bytes_per_token " << std::setprecision(0) << s.weight_bytes_per_token()
            << "\n";
  std::cout << "invocations:";
  for (std::size_t l = 0; l < model.n_layers(); ++l)
    std::cout << " llm.layer." << l << "=" << s.layer_invocations[l];
  std::cout << " llm.head=" << s.head_invocations << "\n";
}

}  // namespace

int run_llm(std::span<const std::string> args) {
  ArgParser parser(
      "erg run llm [--model M] (--prompt TEXT | --eval TEXTFILE) [--strategy ar|exit|selfspec] "
      "[--exit-layer E] [--speculations d] [options]",
      "Runs the LayerSkip LLM engine: generates a continuation of --prompt with autoregressive, "
      "early-exit or self-speculative decoding and prints the text and statistics, or prints "
      "per-exit-layer perplexity of a text file (--eval).");
  const RunOptionDefaults defaults{"llm-layerskip", 64};
  add_model_run_options(parser, kLlmDecoding | kLlmGeneration, defaults);
  parser.option("prompt", "TEXT", "prompt text (the model sees [BOS] + its bytes)")
      .option("eval", "TEXTFILE", "print perplexity per exit layer on this file")
      .flag("counts", "attach a counting sink and report per-component bytes and MACs");
  const auto parsed = parser.parse(args);
  if (parsed.help) {
    std::cout << parser.help();
    return 0;
  }
  if (parsed.has("prompt") == parsed.has("eval"))
    throw UsageError("give exactly one of --prompt and --eval", "erg run llm");
  if (parsed.has("eval")) {
    // Perplexity scores every exit layer of the full model: no generation option applies.
    refuse_run_options(parsed, kLlmDecoding | kLlmGeneration, "generation (--prompt), not --eval");
    if (parsed.has("counts")) throw UsageError("--counts applies to generation (--prompt)");
  }
  const auto run = read_model_run_options(parsed, kLlmDecoding | kLlmGeneration, defaults);
  const auto path = resolve_named_file(run.model, "models/weights", ".safetensors", "model");
  auto model = load_with_variant([&] { return LlamaModel::load(path, run.variant); });
  const bool json = run.json;
  if (parsed.has("eval")) return run_eval(model, *parsed.get("eval"), json);

  const auto opt = llm_generate_options(run, model.n_layers());
  const models::llm::ByteTokenizer tok(model.config().bos_id, model.config().eos_id);
  const auto prompt = tok.encode_prompt(*parsed.get("prompt"));
  if (prompt.size() > model.config().context_length)
    throw UsageError("--prompt is " + std::to_string(prompt.size()) +
                     " tokens with its BOS; the model's context is " +
                     std::to_string(model.config().context_length));

  CountingSink sink;
  if (parsed.has("counts")) model.attach(&sink);
  const auto g = models::llm::generate(model, prompt, opt);
  if (!json) {
    print_generation(g, opt, model);
    return 0;
  }
  const auto& s = g.stats;
  nlohmann::json layers = nlohmann::json::object();
  for (std::size_t l = 0; l < model.n_layers(); ++l)
    layers["llm.layer." + std::to_string(l)] = s.layer_invocations[l];
  layers["llm.head"] = s.head_invocations;
  nlohmann::json body = models::llm::generation_json(g, opt);
  body["model"] = path.string();
  body["prompt"] = *parsed.get("prompt");
  body["exit_layer"] = opt.exit_layer;
  body["speculations"] = opt.speculations;
  body["draft_confidence"] = opt.draft_confidence;
  body["temperature"] = opt.sampling.temperature;
  body["invocations"] = layers;
  if (parsed.has("counts")) body["components"] = reports::component_counts_json(sink);
  // Generated bytes need not be valid UTF-8; invalid sequences print as U+FFFD.
  std::cout << with_envelope("llm_generate", std::move(body))
                   .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
  return 0;
}

}  // namespace erg::cli
