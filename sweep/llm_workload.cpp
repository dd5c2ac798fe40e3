#include <chrono>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/llm/byte_tokenizer.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama_model.hpp"
#include "models/llm/perplexity.hpp"
#include "sweep/model_workload.hpp"

namespace erg::sweep {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read text file", path.string());
  std::ostringstream s;
  s << in.rdbuf();
  auto text = s.str();
  if (max_bytes > 0 && text.size() > max_bytes) text.resize(max_bytes);
  return text;
}

fs::path data_path(const std::string& p) {
  const fs::path path(p);
  return path.is_absolute() || fs::exists(path) ? path : data_root() / path;
}

// The shipped LayerSkip model: prompts generated with the strategy of the runtime knobs
// (strategy, exit_layer, speculations, max_new_tokens); accuracy is the held-out perplexity
// at the depth that produces the tokens (full depth, or E for early exit).
class LlmWorkload final : public ModelWorkload {
 public:
  explicit LlmWorkload(const ExperimentSpec& spec)
      : model_path_(resolve_named_file(spec.model, "models/weights", ".safetensors", "model")) {
    const auto& w = spec.workload;
    // A JSON array of strings (prompts may span lines), or one prompt per line.
    const std::string prompts_file =
        w.value("prompts", std::string("tests/fixtures/llm/prompts.json"));
    const auto text = read_text(data_path(prompts_file), 0);
    if (prompts_file.ends_with(".json")) {
      const auto list = nlohmann::json::parse(text, nullptr, false);
      if (list.is_discarded() || !list.is_array()) {
        throw Error("expected a JSON array of prompt strings", prompts_file);
      }
      for (const auto& p : list) {
        if (!p.is_string()) throw Error("expected a JSON array of prompt strings", prompts_file);
        prompts_.push_back(p.get<std::string>());
      }
    } else {
      std::istringstream lines(text);
      for (std::string line; std::getline(lines, line);) {
        if (!line.empty()) prompts_.push_back(line);
      }
    }
    const auto max_prompts = w.value("max_prompts", std::size_t{4});
    if (prompts_.size() > max_prompts) prompts_.resize(max_prompts);
    if (prompts_.empty()) throw Error("no prompts", prompts_file);
    eval_text_ = read_text(
        data_path(w.value("eval_text", std::string("tests/fixtures/llm/heldout_sample.txt"))),
        w.value("eval_bytes", std::size_t{2048}));
    max_new_tokens_ = w.value("max_new_tokens", std::size_t{32});
    auto probe = models::llm::LlamaModel::load(model_path_);
    layers_ = probe.n_layers();
    if (const auto it = spec.runtime_axes.find("exit_layer"); it != spec.runtime_axes.end()) {
      for (const auto& e : it->second) {
        if (e.get<std::int64_t>() > static_cast<std::int64_t>(layers_)) {
          throw Error("key 'runtime.exit_layer' is " + e.dump() + ", too large (at most " +
                          std::to_string(layers_) + ": the layers of " + spec.model + ")",
                      spec.where("runtime.exit_layer"));
        }
      }
    }
  }

  std::vector<std::string> components() const override {
    std::vector<std::string> out;
    for (std::size_t l = 0; l < layers_; ++l)
      out.push_back("llm.layer." + std::to_string(l));
    out.push_back("llm.head");
    return out;
  }
  std::vector<std::string> component_names() const override {
    auto names = components();
    names.push_back("llm.embed");  // takes only pin (a table lookup)
    return names;
  }
  std::string accuracy_metric() const override { return "perplexity"; }
  std::string energy_unit() const override { return "token"; }

  std::uint64_t weight_bytes(const std::string& component,
                             const models::runtime::Variant& variant) const override {
    auto model = models::llm::LlamaModel::load(model_path_, variant);
    std::uint64_t bytes = 0;
    for (std::size_t l = 0; l < layers_; ++l) {
      if (ComponentRegistry::is_under("llm.layer." + std::to_string(l), component))
        bytes += model.layer_weight_bytes(l);
    }
    if (ComponentRegistry::is_under("llm.head", component)) bytes += model.head_weight_bytes();
    return bytes;
  }

  WorkloadResult run(const models::runtime::Variant& variant, const nlohmann::json& runtime,
                     AccessSink* sink) const override {
    auto model = models::llm::LlamaModel::load(model_path_, variant);
    models::llm::GenerateOptions options;
    options.strategy = models::llm::parse_strategy(runtime.value("strategy", std::string("ar")));
    options.exit_layer = runtime.value("exit_layer", layers_);
    options.speculations = runtime.value("speculations", std::size_t{4});
    options.draft_confidence = runtime.value("draft_confidence", 0.0);
    options.max_new_tokens = runtime.value("max_new_tokens", max_new_tokens_);
    options.stop_at_eos = false;  // equal work for every variant

    WorkloadResult result;
    std::size_t drafted = 0, accepted = 0;
    model.attach(sink);
    const auto start = std::chrono::steady_clock::now();
    for (const auto& prompt : prompts_) {
      model.reset();
      const auto ids = models::llm::ByteTokenizer().encode_prompt(prompt);
      const auto g = models::llm::generate(model, ids, options);
      result.tokens += static_cast<double>(g.stats.new_tokens);
      drafted += g.stats.drafted;
      accepted += g.stats.accepted;
    }
    result.host_time_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    model.attach(nullptr);
    model.reset();
    const auto eval_ids = models::llm::ByteTokenizer().encode_prompt(eval_text_);
    const auto ppl = models::llm::exit_perplexity(model, eval_ids);
    const std::size_t depth =
        options.strategy == models::llm::Strategy::kEarlyExit ? options.exit_layer : layers_;
    result.accuracy["perplexity"] = ppl.exits.at(depth - 1).perplexity;
    result.stats["tokens_per_s"] =
        result.host_time_s > 0 ? result.tokens / result.host_time_s : 0.0;
    if (drafted > 0) {
      result.stats["acceptance_rate"] =
          static_cast<double>(accepted) / static_cast<double>(drafted);
      result.stats["drafted_tokens"] = drafted;
      result.stats["accepted_tokens"] = accepted;
    }
    return result;
  }

 private:
  fs::path model_path_;
  std::vector<std::string> prompts_;
  std::string eval_text_;
  std::size_t max_new_tokens_ = 32;
  std::size_t layers_ = 0;
};

}  // namespace

std::unique_ptr<ModelWorkload> make_llm_workload(const ExperimentSpec& spec) {
  return std::make_unique<LlmWorkload>(spec);
}

}  // namespace erg::sweep
