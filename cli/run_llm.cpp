#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "cli/arg_parser.hpp"
#include "cli/json_output.hpp"
#include "cli/run_options.hpp"
#include "core/counting_sink.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "core/units.hpp"
#include "models/llm/byte_tokenizer.hpp"
#include "models/llm/generation_json.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama2c_tokenizer.hpp"
#include "models/llm/llama_model.hpp"
#include "models/llm/perplexity.hpp"
#include "reports/component_counts.hpp"
#include "simulator/preset.hpp"
#include "sweep/analytic_energy.hpp"

namespace erg::cli {

namespace {

using models::llm::Generation;
using models::llm::LlamaModel;

// llama2.c's tokenizer.bin for a model whose vocabulary is not erg's 259 bytes: --tokenizer, else
// tokenizer.bin beside the model. Null for a byte-level model without --tokenizer.
std::optional<models::llm::Llama2cTokenizer> llama2c_tokenizer(const ParsedArgs& parsed,
                                                               const std::filesystem::path& model,
                                                               const LlamaModel& m) {
  const std::size_t vocab = m.config().vocab_size;
  if (const auto path = parsed.get("tokenizer")) return models::llm::Llama2cTokenizer(*path, vocab);
  if (vocab == 259) return std::nullopt;
  const auto beside = model.parent_path() / "tokenizer.bin";
  if (std::filesystem::is_regular_file(beside)) return models::llm::Llama2cTokenizer(beside, vocab);
  throw Error("the model's vocabulary has " + std::to_string(vocab) +
                  " tokens, not erg's 259 (bytes + BOS/EOS/PAD), so it needs its llama2.c "
                  "tokenizer: pass --tokenizer PATH or put tokenizer.bin beside the model",
              "expected " + beside.string());
}

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

// --presets a,b (names or preset files), default every shipped preset.
std::vector<simulator::Preset> energy_presets(const ParsedArgs& parsed) {
  const auto shipped = sweep::shipped_preset_names();
  std::vector<std::string> names;
  if (const auto list = parsed.get("presets")) {
    std::stringstream in(*list);
    for (std::string name; std::getline(in, name, ',');) {
      const bool known = std::find(shipped.begin(), shipped.end(), name) != shipped.end();
      if (!known && !std::filesystem::is_regular_file(name)) {
        std::string choices;
        for (const auto& n : shipped)
          choices += (choices.empty() ? "" : ", ") + n;
        throw UsageError("--presets names '" + name + "', neither a shipped preset (" + choices +
                         ") nor a preset file");
      }
      names.push_back(name);
    }
    if (names.empty()) throw UsageError("--presets is empty (expected a,b,...)");
  } else {
    names = shipped;
  }
  std::vector<simulator::Preset> presets;
  for (const auto& n : names)
    presets.push_back(simulator::load_named_preset(n));
  return presets;
}

// Modeled energy per generated token on each preset: the recorded generation priced by the
// analytic mode, as the sweep's analytic evaluator prices a design point (the prompt's prefill
// included, as there). Null per preset when no token was generated.
void add_modeled_energy(nlohmann::json& body, const CountingSink& sink,
                        const std::vector<simulator::Preset>& presets, std::size_t new_tokens) {
  nlohmann::json per_token = nlohmann::json::object(), by_component = nlohmann::json::object(),
                 tokens_per_s = nlohmann::json::object();
  const double tokens = static_cast<double>(new_tokens);
  for (const auto& preset : presets) {
    const auto priced = sweep::analytic_energy(sink, preset);
    const auto& r = priced.report;
    if (new_tokens == 0) {
      per_token[preset.name] = nullptr;
      by_component[preset.name] = nullptr;
    } else {
      per_token[preset.name] = units::pj_to_uj(r.total_energy_pj) / tokens;
      by_component[preset.name] = sweep::energy_per_unit_by_component_uj(r, {}, tokens);
    }
    tokens_per_s[preset.name] = r.time_s > 0 ? nlohmann::json(tokens / r.time_s) : nullptr;
  }
  body["energy_source"] = "modeled";
  body["energy_model"] =
      "analytic (reuse-distance caches, roofline time), as the sweep's analytic evaluator; "
      "prompt prefill included";
  body["energy_per_token_uj"] = per_token;
  body["energy_per_token_by_component_uj"] = by_component;
  body["modeled_tokens_per_s"] = tokens_per_s;
}

}  // namespace

int run_llm(std::span<const std::string> args) {
  ArgParser parser(
      "erg run llm [--model M] (--prompt TEXT | --eval TEXTFILE) [--strategy ar|exit|selfspec] "
      "[--exit-layer E] [--speculations d] [options]",
      "Runs the LayerSkip LLM engine: generates a continuation of --prompt with autoregressive, "
      "early-exit or self-speculative decoding and prints the text and statistics, or prints "
      "per-exit-layer perplexity of a text file (--eval). --model also takes a llama2.c .bin "
      "checkpoint (versions 0, 1 and 2).");
  const RunOptionDefaults defaults{"llm-layerskip", 64};
  add_model_run_options(parser, kLlmDecoding | kLlmGeneration, defaults);
  parser.option("prompt", "TEXT", "prompt text (the model sees [BOS] + its bytes)")
      .option("eval", "TEXTFILE", "print perplexity per exit layer on this file")
      .option("tokenizer", "PATH",
              "llama2.c tokenizer.bin for a .bin model whose vocabulary is not erg's 259 bytes "
              "(default: tokenizer.bin beside the model)")
      .flag("counts", "attach a counting sink and report per-component bytes and MACs")
      .option("presets", "A,B",
              "hardware presets (names or files) for the modeled energy per token (default: "
              "every shipped preset)");
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
    if (parsed.has("presets")) throw UsageError("--presets applies to generation (--prompt)");
  }
  const auto run = read_model_run_options(parsed, kLlmDecoding | kLlmGeneration, defaults);
  const auto path = resolve_named_file(run.model, "models/weights", ".safetensors", "model");
  auto model = load_with_variant([&] { return LlamaModel::load(path, run.variant); });
  const bool json = run.json;
  const auto sp = llama2c_tokenizer(parsed, path, model);
  if (parsed.has("eval")) {
    if (sp)
      throw UsageError(
          "--eval scores bytes (the per-byte protocol of models/llm/TRAINING.md) and "
          "needs a byte-level model (vocab 259) without --tokenizer");
    return run_eval(model, *parsed.get("eval"), json);
  }

  auto opt = llm_generate_options(run, model.n_layers());
  const models::llm::ByteTokenizer tok(model.config().bos_id, model.config().eos_id);
  const auto prompt =
      sp ? sp->encode_prompt(*parsed.get("prompt")) : tok.encode_prompt(*parsed.get("prompt"));
  if (sp) opt.token_text = [&sp](int previous, int token) { return sp->piece(previous, token); };
  if (prompt.size() > model.config().context_length)
    throw UsageError("--prompt is " + std::to_string(prompt.size()) +
                     " tokens with its BOS; the model's context is " +
                     std::to_string(model.config().context_length));

  const auto presets = energy_presets(parsed);
  // The sink records the tensor use order for the analytic energy model; its cost per access
  // (one push_back) is small against the kernels, so tokens_per_s is measured with it attached.
  CountingSink sink(true);
  model.attach(&sink);
  const auto g = models::llm::generate(model, prompt, opt);
  model.attach(nullptr);
  nlohmann::json energy = nlohmann::json::object();
  add_modeled_energy(energy, sink, presets, g.stats.new_tokens);
  if (!json) {
    print_generation(g, opt, model);
    std::cout << "modeled energy per token (analytic):";
    for (const auto& [preset, uj] : energy["energy_per_token_uj"].items())
      std::cout << "  " << preset << " "
                << (uj.is_null() ? std::string("n/a") : std::to_string(uj.get<double>())) << " uJ";
    std::cout << "\n";
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
  for (auto& [key, value] : energy.items())
    body[key] = std::move(value);
  // Generated bytes need not be valid UTF-8; invalid sequences print as U+FFFD.
  std::cout << with_envelope("llm_generate", std::move(body))
                   .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
  return 0;
}

}  // namespace erg::cli
