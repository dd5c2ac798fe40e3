// Decoding speed of the shipped LayerSkip models (models/weights/llm-layerskip and, when present,
// llm-layerskip-m): autoregressive vs early exit vs self-speculative decoding over a grid of exit
// layer E and speculations d, greedy and sampled. items_per_second is generated tokens per
// second; each cell also reports the acceptance rate and the weight bytes read per token. Greedy
// self-speculation emits exactly the autoregressive text (tests/models/llm/generator_test.cpp),
// so greedy cells compare like for like; sampled cells follow the same distribution. After the
// run, a summary gives each model's autoregressive and best self-speculative tokens/s (medians
// when --benchmark_repetitions > 1) and their ratio.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/llm/byte_tokenizer.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama_model.hpp"

namespace {

using namespace erg::models::llm;

const std::vector<std::string> kPrompts{"In the beginning God created",
                                        "hacker: n. [originally, someone who makes furniture",
                                        "The LORD is my shepherd;", "A bird in the hand is"};

struct Shipped {
  std::string name;
  std::unique_ptr<LlamaModel> model;
  std::string error;
};

Shipped& shipped(const std::string& name) {
  static std::map<std::string, Shipped> models;
  auto [it, fresh] = models.try_emplace(name);
  if (fresh) {
    it->second.name = name;
    try {
      const auto path = erg::resolve_named_file(name, "models/weights", ".safetensors", "model");
      it->second.model = std::make_unique<LlamaModel>(LlamaModel::load(path));
    } catch (const erg::Error& e) {
      it->second.error = e.what();
    }
  }
  return it->second;
}

struct Cell {
  Strategy strategy = Strategy::kAutoregressive;
  std::size_t exit_layer = 0, speculations = 0;
  double draft_confidence = 0.0;
  bool sampled = false;
};

void run_cell(benchmark::State& state, const std::string& name, const Cell& cell) {
  auto& s = shipped(name);
  if (!s.model) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  const ByteTokenizer tok;
  GenerateOptions opt;
  opt.strategy = cell.strategy;
  opt.exit_layer = cell.exit_layer;
  opt.speculations = cell.speculations;
  opt.draft_confidence = cell.draft_confidence;
  opt.max_new_tokens = 96;
  opt.stop_at_eos = false;
  if (cell.sampled) {
    opt.sampling.temperature = 0.8;
    opt.sampling.top_p = 0.95;
  }
  std::size_t tokens = 0, drafted = 0, accepted = 0;
  std::uint64_t bytes = 0, seed = 1;
  for (auto _ : state) {
    for (const auto& p : kPrompts) {
      opt.seed = seed++;
      const auto out = generate(*s.model, tok.encode_prompt(p), opt);
      tokens += out.stats.new_tokens;
      drafted += out.stats.drafted;
      accepted += out.stats.accepted;
      bytes += out.stats.weight_bytes;
    }
  }
  state.SetItemsProcessed(std::int64_t(tokens));
  state.counters["acceptance"] = drafted ? double(accepted) / double(drafted) : 0.0;
  state.counters["weight_bytes_per_token"] = tokens ? double(bytes) / double(tokens) : 0.0;
}

// One pass of all layers over n positions (the verifier's batched pass when n > 1), from a
// 64-token cache: items are positions, so items_per_second shows how much batching saves.
void layer_pass(benchmark::State& state, const std::string& name, std::size_t n) {
  auto& s = shipped(name);
  if (!s.model) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  LlamaModel& model = *s.model;
  const std::size_t L = model.n_layers();
  const std::vector<int> context(64, 'a'), batch(n, 'b');
  model.reset();
  model.embed(context);
  model.run_layers(0, L, 0, context.size());
  for (auto _ : state) {
    model.crop(context.size());
    model.embed(batch);
    model.run_layers(0, L, context.size(), n);
    benchmark::DoNotOptimize(model.exit_logits(n).data());
  }
  state.SetItemsProcessed(std::int64_t(state.iterations() * n));
}

// Exit layers worth measuring: every one on a shallow model; on a deep one the first half one by
// one (where drafting is cheap) and every other layer after it.
std::vector<std::size_t> exit_layers(std::size_t n_layers) {
  std::vector<std::size_t> out;
  for (std::size_t e = 1; e < n_layers; e += (n_layers > 8 && e >= n_layers / 2) ? 2 : 1)
    out.push_back(e);
  return out;
}

void register_model(const std::string& name) {
  auto& s = shipped(name);
  const std::size_t L = s.model ? s.model->n_layers() : 8;
  const std::string p = name + "/";
  auto add = [](const std::string& id, auto fn) {
    return benchmark::RegisterBenchmark(id.c_str(), fn);
  };
  for (std::size_t n : {1, 2, 3, 4, 5, 8, 16})
    add(p + "LayerPass/n:" + std::to_string(n),
        [name, n](benchmark::State& st) { layer_pass(st, name, n); });
  for (bool sampled : {false, true}) {
    const std::string mode = sampled ? "Sampled" : "";
    add(p + "Autoregressive" + mode, [name, sampled](benchmark::State& st) {
      run_cell(st, name, {Strategy::kAutoregressive, 0, 0, 0.0, sampled});
    })->Unit(benchmark::kMillisecond);
    // Sampled cells: fewer d, since each sampled cell costs as much as a greedy one.
    const std::vector<std::size_t> ds =
        sampled ? std::vector<std::size_t>{2, 4, 6} : std::vector<std::size_t>{1, 2, 3, 4, 6, 8};
    for (std::size_t e : exit_layers(L))
      for (std::size_t d : ds) {
        add(p + "SelfSpeculative" + mode + "/E:" + std::to_string(e) + "/d:" + std::to_string(d),
            [name, e, d, sampled](benchmark::State& st) {
              run_cell(st, name, {Strategy::kSelfSpeculative, e, d, 0.0, sampled});
            })
            ->Unit(benchmark::kMillisecond);
      }
  }
  for (std::size_t e : exit_layers(L))
    add(p + "EarlyExit/E:" + std::to_string(e), [name, e](benchmark::State& st) {
      run_cell(st, name, {Strategy::kEarlyExit, e, 0, 0.0, false});
    })->Unit(benchmark::kMillisecond);
  // Confidence-gated drafting: a round drafts up to d tokens but stops once the drafter's top
  // probability falls below c (the output is unchanged; only wasted drafts are saved).
  for (std::size_t e : exit_layers(L))
    for (std::size_t d : {4, 8})
      for (int c : {50}) {
        add(p + "SelfSpeculativeGated/E:" + std::to_string(e) + "/d:" + std::to_string(d) +
                "/c:" + std::to_string(c),
            [name, e, d, c](benchmark::State& st) {
              run_cell(st, name, {Strategy::kSelfSpeculative, e, d, c / 100.0, false});
            })
            ->Unit(benchmark::kMillisecond);
      }
}

// Console output as usual, plus each run's tokens/s (the median aggregate when there are
// repetitions) kept for the closing summary.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.error_occurred) continue;
      const bool aggregate = run.run_type == Run::RT_Aggregate;
      if (aggregate && run.aggregate_name != "median") continue;
      const auto it = run.counters.find("items_per_second");
      if (it == run.counters.end()) continue;
      auto& slot = rates_[run.run_name.str()];
      if (aggregate) {
        slot = {it->second.value, acceptance(run), true};
      } else if (!slot.median) {
        slot = {it->second.value, acceptance(run), false};
      }
    }
  }
  void print_summary() const {
    std::map<std::string, std::pair<std::string, double>> ar, best_spec;
    std::map<std::string, double> best_acceptance;
    for (const auto& [id, r] : rates_) {
      const auto slash = id.find('/');
      const std::string model = id.substr(0, slash), rest = id.substr(slash + 1);
      if (rest == "Autoregressive") ar[model] = {rest, r.tokens_per_s};
      const bool greedy_spec =
          rest.starts_with("SelfSpeculative/") || rest.starts_with("SelfSpeculativeGated/");
      if (greedy_spec && r.tokens_per_s > best_spec[model].second) {
        best_spec[model] = {rest, r.tokens_per_s};
        best_acceptance[model] = r.acceptance;
      }
    }
    std::printf("\nsummary (greedy, one thread; tokens/s):\n");
    for (const auto& [model, a] : ar) {
      const auto& b = best_spec[model];
      if (b.second <= 0 || a.second <= 0) continue;
      std::printf(
          "  %-18s autoregressive %8.1f   best self-speculative %8.1f (%s, acceptance %.3f)"
          "   ratio %.2fx\n",
          model.c_str(), a.second, b.second, b.first.c_str(), best_acceptance.at(model),
          b.second / a.second);
    }
  }

 private:
  struct Rate {
    double tokens_per_s = 0, acceptance = 0;
    bool median = false;
  };
  static double acceptance(const Run& run) {
    const auto it = run.counters.find("acceptance");
    return it == run.counters.end() ? 0.0 : it->second.value;
  }
  std::map<std::string, Rate> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  for (const char* name : {"llm-layerskip", "llm-layerskip-m"})
    register_model(name);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_summary();
  benchmark::Shutdown();
  return 0;
}
