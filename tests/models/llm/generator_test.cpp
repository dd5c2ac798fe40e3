#include "models/llm/generator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/error.hpp"
#include "models/llm/byte_tokenizer.hpp"
#include "models/llm/perplexity.hpp"
#include "models/runtime/variant.hpp"
#include "tests/models/llm/tiny_model.hpp"

namespace erg::models::llm {
namespace {

using testing::write_tiny_model;

const std::vector<std::string> kPrompts{"", "The quick brown fox", "In the beginning God",
                                        "hacker: n. ", "Q: why?\nA:"};

// Greedy, autoregressive, exactly `n` new tokens.
GenerateOptions greedy_tokens(std::size_t n) {
  GenerateOptions o;
  o.max_new_tokens = n;
  o.stop_at_eos = false;
  return o;
}

TEST(Generator, GreedySelfSpeculationIsByteIdenticalToAutoregressiveForEveryEAndD) {
  // Two models: deep layers at full strength (drafts often rejected) and deep layers damped
  // (drafts often accepted), so both the rejection and the bonus-token paths run.
  for (float deep_scale : {1.0f, 0.1f}) {
    const auto tiny = write_tiny_model("spec", 21, testing::tiny_config(), 0.3f, deep_scale);
    auto model = LlamaModel::load(tiny.path);
    const ByteTokenizer tok;
    std::size_t accepted = 0, drafted = 0;
    for (const auto& text : kPrompts) {
      const auto prompt = tok.encode_prompt(text);
      const auto ar = greedy_tokens(40);
      const auto reference = generate(model, prompt, ar);
      ASSERT_EQ(reference.tokens.size(), 40u);
      for (std::size_t e = 1; e < tiny.config.n_layers; ++e) {
        for (std::size_t d = 1; d <= 6; ++d) {
          // Confidence-gated drafting (0 = off; 1 stops after one draft, since no top
          // probability reaches 1) must not change the output either.
          for (double confidence : {0.0, 0.6, 1.0}) {
            auto opt = ar;
            opt.strategy = Strategy::kSelfSpeculative;
            opt.exit_layer = e;
            opt.speculations = d;
            opt.draft_confidence = confidence;
            const auto spec = generate(model, prompt, opt);
            ASSERT_EQ(spec.tokens, reference.tokens)
                << "E=" << e << " d=" << d << " confidence=" << confidence << " '" << text << "'";
            if (confidence == 1.0) {  // one draft per round; the last round may have room for none
              EXPECT_LE(spec.stats.drafted, spec.stats.rounds);
              EXPECT_GE(spec.stats.drafted + 1, spec.stats.rounds);
            }
            ASSERT_EQ(spec.text, reference.text);
            EXPECT_LE(spec.stats.accepted, spec.stats.drafted);
            EXPECT_LE(spec.stats.drafted, spec.stats.rounds * d);
            // Each round emits its accepted drafts plus one verifier token (the last may be cut).
            EXPECT_LE(spec.stats.new_tokens, spec.stats.accepted + spec.stats.rounds);
            EXPECT_GT(spec.stats.new_tokens + 1, spec.stats.accepted + spec.stats.rounds - d);
            accepted += spec.stats.accepted;
            drafted += spec.stats.drafted;
          }
        }
      }
    }
    EXPECT_GT(accepted, 0u);
    EXPECT_LT(accepted, drafted);
  }
}

// Quantized and pruned weights take other kernels (int8, int4 with scale groups, CSR); greedy
// self-speculation must stay lossless on each.
TEST(Generator, GreedySelfSpeculationIsLosslessOnCompressedWeights) {
  const auto tiny = write_tiny_model("spec_q", 23, testing::tiny_config(), 0.3f, 0.1f);
  const ByteTokenizer tok;
  for (const char* v :
       {"llm.layer:bits=8;llm.head:bits=8", "llm.layer:bits=4,group=16;llm.head:bits=4",
        "llm.layer:prune=0.5;llm.head:bits=8"}) {
    auto model = LlamaModel::load(tiny.path, runtime::Variant::parse(v));
    for (const auto& text : kPrompts) {
      const auto prompt = tok.encode_prompt(text);
      const auto ar = greedy_tokens(32);
      const auto reference = generate(model, prompt, ar);
      for (std::size_t e = 1; e < tiny.config.n_layers; ++e)
        for (std::size_t d : {1, 3, 6}) {
          auto opt = ar;
          opt.strategy = Strategy::kSelfSpeculative;
          opt.exit_layer = e;
          opt.speculations = d;
          ASSERT_EQ(generate(model, prompt, opt).tokens, reference.tokens)
              << v << " E=" << e << " d=" << d << " '" << text << "'";
        }
    }
  }
}

TEST(Generator, EarlyExitUsesOnlyTheFirstELayers) {
  const auto tiny = write_tiny_model("exit", 22);
  auto model = LlamaModel::load(tiny.path);
  const auto prompt = ByteTokenizer().encode_prompt("abc");
  GenerateOptions opt;
  opt.strategy = Strategy::kEarlyExit;
  opt.exit_layer = 2;
  opt.max_new_tokens = 10;
  opt.stop_at_eos = false;
  const auto out = generate(model, prompt, opt);
  // Layers 0 and 1: prefill (1 call) + 10 steps; layers 2, 3 never run.
  EXPECT_EQ(out.stats.layer_invocations, (std::vector<std::uint64_t>{11, 11, 0, 0}));
  // Reference: greedy by full recomputation through the first two layers.
  std::vector<int> ids = prompt;
  for (int i = 0; i < 10; ++i) {
    model.reset();
    model.embed(ids);
    model.run_layers(0, 2, 0, ids.size());
    const auto logits = model.exit_logits(ids.size());
    ids.push_back(argmax(logits.subspan((ids.size() - 1) * 259, 259)));
  }
  EXPECT_EQ(out.tokens, std::vector<int>(ids.begin() + 4, ids.end()));
  // Exit at L is the autoregressive model.
  opt.exit_layer = 4;
  GenerateOptions ar = opt;
  ar.strategy = Strategy::kAutoregressive;
  EXPECT_EQ(generate(model, prompt, opt).tokens, generate(model, prompt, ar).tokens);
}

TEST(Generator, StatisticsCountDraftsLayersAndBytes) {
  const auto tiny = write_tiny_model("stats", 23, testing::tiny_config(), 0.3f, 0.1f);
  auto model = LlamaModel::load(tiny.path);
  const auto prompt = ByteTokenizer().encode_prompt("hello");
  GenerateOptions opt;
  opt.max_new_tokens = 30;
  opt.stop_at_eos = false;
  const auto ar = generate(model, prompt, opt);
  // AR: one prefill pass plus one pass per token for every layer.
  for (auto n : ar.stats.layer_invocations)
    EXPECT_EQ(n, 31u);
  EXPECT_EQ(ar.stats.head_invocations, 30u);
  // Weight bytes: per token every layer + head + one embedding row, plus the prefill.
  std::uint64_t per_pass = model.head_weight_bytes();
  for (std::size_t l = 0; l < 4; ++l)
    per_pass += model.layer_weight_bytes(l);
  const std::uint64_t row = 32 * 4;
  EXPECT_EQ(ar.stats.weight_bytes,
            30 * per_pass + (5 + 30) * row + (per_pass - model.head_weight_bytes()));
  opt.strategy = Strategy::kSelfSpeculative;
  opt.exit_layer = 2;
  opt.speculations = 4;
  const auto spec = generate(model, prompt, opt);
  EXPECT_EQ(spec.tokens, ar.tokens);
  // Deep layers run once per round (plus prefill); each round emits accepted + 1 tokens.
  EXPECT_EQ(spec.stats.layer_invocations[3], spec.stats.rounds + 1);
  EXPECT_GE(spec.stats.accepted + spec.stats.rounds, 30u);
  EXPECT_GT(spec.stats.acceptance_rate(), 0.0);
  EXPECT_LT(spec.stats.layer_invocations[3], ar.stats.layer_invocations[3]);
}

TEST(Generator, StopsAtStopSequencesEosAndMaxTokens) {
  const auto tiny = write_tiny_model("stop", 24);
  auto model = LlamaModel::load(tiny.path);
  const auto prompt = ByteTokenizer().encode_prompt("xyz");
  GenerateOptions opt;
  opt.max_new_tokens = 20;
  opt.stop_at_eos = false;
  const auto full = generate(model, prompt, opt);
  EXPECT_EQ(full.stop_reason, "max_tokens");
  ASSERT_GE(full.text.size(), 8u);
  // A stop sequence taken from the output ends generation there and is removed from the text.
  for (auto strategy : {Strategy::kAutoregressive, Strategy::kSelfSpeculative}) {
    auto o = opt;
    o.strategy = strategy;
    o.exit_layer = 1;
    o.stop = {full.text.substr(5, 2)};
    const auto cut = generate(model, prompt, o);
    EXPECT_EQ(cut.stop_reason, "stop_sequence");
    EXPECT_EQ(cut.text, full.text.substr(0, full.text.find(o.stop[0])));
  }
  // EOS: copy the head row of the first greedy token, doubled, into the EOS row (257): its
  // logit is twice the (positive) maximum, so the first token becomes EOS.
  auto eos_model = tiny;
  auto& head = eos_model.tensors.at("head.weight");
  const auto first = std::size_t(full.tokens[0]);
  for (std::size_t i = 0; i < 32; ++i)
    head[257 * 32 + i] = 2.0f * head[first * 32 + i];
  testing::rewrite(eos_model);
  auto eos = LlamaModel::load(eos_model.path);
  auto o = opt;
  o.stop_at_eos = true;
  for (auto strategy : {Strategy::kAutoregressive, Strategy::kSelfSpeculative}) {
    o.strategy = strategy;
    o.exit_layer = 2;
    const auto gen = generate(eos, prompt, o);
    EXPECT_EQ(gen.stop_reason, "eos");
    EXPECT_TRUE(gen.tokens.empty());
    EXPECT_EQ(gen.stats.new_tokens, 1u);
  }
  EXPECT_THROW(parse_strategy("beam"), Error);
  o.strategy = Strategy::kSelfSpeculative;
  o.exit_layer = 4;  // must be < L
  EXPECT_THROW(generate(model, prompt, o), Error);
  // The context limit ends generation cleanly.
  auto longer = opt;
  longer.max_new_tokens = 500;
  for (auto strategy : {Strategy::kAutoregressive, Strategy::kSelfSpeculative}) {
    longer.strategy = strategy;
    longer.exit_layer = 2;
    const auto out = generate(model, prompt, longer);
    EXPECT_EQ(out.stop_reason, "context");
    EXPECT_EQ(out.tokens.size() + prompt.size(), 96u + 1);  // positions 0..95, plus the last
  }
}

TEST(Sampler, DistributionAppliesTemperatureTopKAndTopP) {
  // logits ln([1, 2, 3, 4]): softmax [0.1, 0.2, 0.3, 0.4] (by hand).
  const std::vector<float> logits{0.0f, std::log(2.0f), std::log(3.0f), std::log(4.0f)};
  SamplingParams p;
  p.temperature = 1.0;
  auto probs = sampling_distribution(logits, p);
  EXPECT_NEAR(probs[0], 0.1, 1e-6);
  EXPECT_NEAR(probs[3], 0.4, 1e-6);
  p.top_k = 2;  // keep 0.3 and 0.4 -> 3/7, 4/7
  probs = sampling_distribution(logits, p);
  EXPECT_EQ(probs[0], 0.0);
  EXPECT_NEAR(probs[2], 3.0 / 7, 1e-6);
  p.top_k = 0;
  p.top_p = 0.65;  // 0.4 + 0.3 = 0.7 >= 0.65: keep two
  probs = sampling_distribution(logits, p);
  EXPECT_EQ(probs[1], 0.0);
  EXPECT_NEAR(probs[3], 4.0 / 7, 1e-6);
  p.top_p = 1.0;
  p.temperature = 0.5;  // squares: [1, 4, 9, 16] / 30
  probs = sampling_distribution(logits, p);
  EXPECT_NEAR(probs[3], 16.0 / 30, 1e-6);
  EXPECT_EQ(sample_index(std::vector<double>{0.0, 0.5, 0.5}, 0.0), 1);
  EXPECT_EQ(sample_index(std::vector<double>{0.0, 0.5, 0.5}, 0.75), 2);
}

// Chi-square statistic of observed counts against expected probabilities.
double chi_square(const std::map<std::pair<int, int>, int>& counts,
                  const std::map<std::pair<int, int>, double>& expected, int n, int& cells) {
  double chi = 0;
  cells = 0;
  for (const auto& [key, prob] : expected) {
    if (prob <= 0) continue;
    const double e = prob * n;
    const auto it = counts.find(key);
    const double o = it == counts.end() ? 0.0 : it->second;
    chi += (o - e) * (o - e) / e;
    ++cells;
  }
  for (const auto& [key, c] : counts)
    if (!expected.count(key) || expected.at(key) <= 0) chi += 1e9;  // impossible outcome drawn
  return chi;
}

TEST(Generator, SpeculativeSamplingFollowsTheTargetDistribution) {
  // Head std 0.6 gives peaked but multi-token distributions; top-k 4 leaves 16 two-token cells.
  const auto tiny = write_tiny_model("chi", 25, testing::tiny_config(), 0.6f);
  auto model = LlamaModel::load(tiny.path);
  const auto prompt = ByteTokenizer().encode_prompt("ab");
  SamplingParams sp;
  sp.temperature = 1.0;
  sp.top_k = 4;
  const std::size_t V = 259;
  // Target: full-depth p(a | prompt) p(b | prompt, a); drafter: exit-1 q(a | prompt).
  auto dist = [&](const std::vector<int>& ids, std::size_t depth) {
    model.reset();
    model.embed(ids);
    model.run_layers(0, depth, 0, ids.size());
    return sampling_distribution(model.exit_logits(ids.size()).subspan((ids.size() - 1) * V, V),
                                 sp);
  };
  const auto p1 = dist(prompt, 4);
  const auto q1 = dist(prompt, 1);
  double tv = 0;
  for (std::size_t v = 0; v < V; ++v)
    tv += 0.5 * std::fabs(p1[v] - q1[v]);
  ASSERT_GT(tv, 0.2) << "drafter and target must differ for the test to have power";
  std::map<std::pair<int, int>, double> expected;
  for (std::size_t a = 0; a < V; ++a) {
    if (p1[a] <= 0) continue;
    auto ids = prompt;
    ids.push_back(int(a));
    const auto p2 = dist(ids, 4);
    for (std::size_t b = 0; b < V; ++b)
      if (p2[b] > 0) expected[{int(a), int(b)}] = p1[a] * p2[b];
  }
  ASSERT_EQ(expected.size(), 16u);
  const int n = 6000;
  // The third run gates drafting on the drafter's confidence: the rule sees only q, so the
  // output must still follow p.
  for (const auto& [strategy, confidence] :
       {std::pair{Strategy::kSelfSpeculative, 0.0}, std::pair{Strategy::kAutoregressive, 0.0},
        std::pair{Strategy::kSelfSpeculative, 0.7}}) {
    std::map<std::pair<int, int>, int> counts;
    GenerateOptions opt;
    opt.strategy = strategy;
    opt.exit_layer = 1;
    opt.speculations = 3;
    opt.draft_confidence = confidence;
    opt.max_new_tokens = 2;
    opt.stop_at_eos = false;
    opt.sampling = sp;
    std::size_t accepted = 0, drafted = 0;
    for (int i = 0; i < n; ++i) {
      opt.seed = 1000 + std::uint64_t(i);
      const auto out = generate(model, prompt, opt);
      ASSERT_EQ(out.tokens.size(), 2u);
      ++counts[{out.tokens[0], out.tokens[1]}];
      accepted += out.stats.accepted;
      drafted += out.stats.drafted;
    }
    int cells = 0;
    const double chi = chi_square(counts, expected, n, cells);
    // 15 degrees of freedom: the 0.999 quantile of chi-square(15) is 37.70.
    EXPECT_LT(chi, 37.70) << to_string(strategy) << " confidence " << confidence << " over "
                          << cells << " cells";
    RecordProperty(std::string("chi_square_") + std::string(to_string(strategy)) +
                       (confidence > 0 ? "_gated" : ""),
                   std::to_string(chi));
    if (strategy == Strategy::kSelfSpeculative) {
      EXPECT_GT(accepted, 0u);
      EXPECT_LT(accepted, drafted);
    }
  }
}

TEST(Perplexity, MatchesDirectNllAtEveryExit) {
  const auto tiny = write_tiny_model("ppl", 26);
  auto model = LlamaModel::load(tiny.path);
  const auto ids = ByteTokenizer().encode_prompt("abcdefghij");  // 11 ids, windows of 4
  const auto report = exit_perplexity(model, ids, 4);
  ASSERT_EQ(report.exits.size(), 4u);
  EXPECT_EQ(report.scored_bytes, 10u);
  for (std::size_t e = 1; e <= 4; ++e) {
    double nll = 0;
    for (std::size_t start = 0; start + 1 < ids.size(); start += 4) {
      const std::size_t n = std::min<std::size_t>(4, ids.size() - 1 - start);
      model.reset();
      model.embed(std::span(ids).subspan(start, n));
      model.run_layers(0, e, 0, n);
      const auto logits = model.exit_logits(n);
      for (std::size_t t = 0; t < n; ++t) {
        const auto row = logits.subspan(t * 259, 259);
        double sum = 0;
        for (float v : row)
          sum += std::exp(double(v));
        nll -= std::log(std::exp(double(row[std::size_t(ids[start + t + 1])])) / sum);
      }
    }
    EXPECT_NEAR(report.exits[e - 1].loss_nats_per_byte, nll / 10, 1e-6);
    EXPECT_NEAR(report.exits[e - 1].perplexity, std::exp(nll / 10), 1e-4);
  }
}

}  // namespace
}  // namespace erg::models::llm
