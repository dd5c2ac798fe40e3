#include "models/llm/generator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.hpp"

namespace erg::models::llm {
namespace {

// Collects emitted tokens and decides when generation ends; every strategy emits through it in
// the same order, so the stop rules cannot make strategies diverge.
class Emitter {
 public:
  Emitter(const GenerateOptions& options, int eos, int previous, Generation& out)
      : options_(options), eos_(eos), previous_(previous), out_(out) {}

  // Returns true when generation must stop after this token.
  bool push(int token) {
    ++out_.stats.new_tokens;
    if (options_.stop_at_eos && token == eos_) {
      out_.stop_reason = "eos";
      return true;
    }
    out_.tokens.push_back(token);
    if (options_.token_text)
      out_.text += options_.token_text(previous_, token);
    else if (token >= 0 && token < 256)
      out_.text.push_back(static_cast<char>(token));
    previous_ = token;
    for (const auto& s : options_.stop) {
      if (!s.empty() && out_.text.size() >= s.size() &&
          out_.text.compare(out_.text.size() - s.size(), s.size(), s) == 0) {
        out_.text.resize(out_.text.size() - s.size());
        out_.stop_reason = "stop_sequence";
        return true;
      }
    }
    if (out_.stats.new_tokens >= options_.max_new_tokens) {
      out_.stop_reason = "max_tokens";
      return true;
    }
    return false;
  }
  std::size_t remaining() const { return options_.max_new_tokens - out_.stats.new_tokens; }

 private:
  const GenerateOptions& options_;
  int eos_;
  int previous_;
  Generation& out_;
};

// Softmax probability of the most likely token (at temperature 1).
double max_probability(std::span<const float> logits) {
  const float mx = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (const float v : logits)
    sum += std::exp(double(v - mx));
  return 1.0 / sum;
}

int choose(std::span<const float> logits, const SamplingParams& params, Rng& rng) {
  if (params.greedy()) return argmax(logits);
  const auto probs = sampling_distribution(logits, params);
  return sample_index(probs, rng.uniform());
}

// Brings every layer below `depth` to the state "prompt[0 .. n-2] cached, prompt.back()
// pending": the invariant each decoding step starts from.
void prefill(LlamaModel& model, std::span<const int> prompt, std::size_t depth) {
  model.reset();
  if (prompt.size() > 1) {
    model.embed(prompt.first(prompt.size() - 1));
    model.run_layers(0, depth, 0, prompt.size() - 1);
  }
}

void decode_single_path(LlamaModel& model, std::span<const int> prompt, std::size_t depth,
                        const GenerateOptions& options, Rng& rng, Emitter& emitter,
                        Generation& out) {
  const std::size_t ctx = model.config().context_length;
  prefill(model, prompt, depth);
  std::size_t pos = prompt.size() - 1;
  int pending = prompt.back();
  while (true) {
    if (pos >= ctx) {
      out.stop_reason = "context";
      return;
    }
    model.embed(std::span(&pending, 1));
    model.run_layers(0, depth, pos, 1);
    const int token = choose(model.exit_logits(1), options.sampling, rng);
    ++pos;
    pending = token;
    if (emitter.push(token)) return;
  }
}

void decode_self_speculative(LlamaModel& model, std::span<const int> prompt,
                             const GenerateOptions& options, Rng& rng, Emitter& emitter,
                             Generation& out) {
  const std::size_t ctx = model.config().context_length, vocab = model.config().vocab_size;
  const std::size_t L = model.n_layers(), E = options.exit_layer;
  const bool greedy = options.sampling.greedy();
  prefill(model, prompt, L);
  std::size_t pos = prompt.size() - 1;
  int pending = prompt.back();
  std::vector<int> drafts, emitted;
  std::vector<std::vector<double>> q_dists;
  while (true) {
    if (pos >= ctx) {
      out.stop_reason = "context";
      return;
    }
    // Draft: up to d tokens with layers [0, E) and the shared head; keep each position's
    // exit-layer hidden state (the exit query cache) for the verifier.
    const std::size_t max_drafts =
        std::min({options.speculations, emitter.remaining() - 1, ctx - 1 - pos});
    drafts.clear();
    q_dists.clear();
    int current = pending;
    for (std::size_t i = 0; i < max_drafts; ++i) {
      model.embed(std::span(&current, 1));
      model.run_layers(0, E, pos + i, 1);
      model.save_exit_state(0, i);
      const auto logits = model.exit_logits(1);
      int token;
      if (greedy) {
        token = argmax(logits);
      } else {
        q_dists.push_back(sampling_distribution(logits, options.sampling));
        token = sample_index(q_dists.back(), rng.uniform());
      }
      drafts.push_back(token);
      current = token;
      if (options.stop_at_eos && token == model.config().eos_id) break;
      if (options.draft_confidence > 0.0) {
        const double top = greedy ? max_probability(logits)
                                  : *std::max_element(q_dists.back().begin(), q_dists.back().end());
        if (top < options.draft_confidence) break;
      }
    }
    const std::size_t k = drafts.size();
    // Verify: the last draft still needs layers [0, E); then layers [E, L) run once over the
    // k + 1 positions, starting from the cached exit-layer states.
    model.embed(std::span(&current, 1));
    model.run_layers(0, E, pos + k, 1);
    model.save_exit_state(0, k);
    model.load_exit_states(k + 1);
    model.run_layers(E, L, pos, k + 1);
    const auto logits = model.exit_logits(k + 1);
    auto row = [&](std::size_t j) { return logits.subspan(j * vocab, vocab); };
    ++out.stats.rounds;
    out.stats.drafted += k;

    emitted.clear();
    std::size_t matched = 0;
    if (greedy) {
      while (matched < k && drafts[matched] == argmax(row(matched)))
        ++matched;
      emitted.assign(drafts.begin(), drafts.begin() + std::ptrdiff_t(matched));
      emitted.push_back(argmax(row(matched)));
    } else {
      bool rejected = false;
      for (std::size_t j = 0; j < k && !rejected; ++j) {
        const auto p = sampling_distribution(row(j), options.sampling);
        const auto& q = q_dists[j];
        const auto x = std::size_t(drafts[j]);
        if (rng.uniform() < std::min(1.0, p[x] / q[x])) {
          emitted.push_back(drafts[j]);
          ++matched;
          continue;
        }
        std::vector<double> residual(vocab);
        double mass = 0.0;
        for (std::size_t v = 0; v < vocab; ++v) {
          residual[v] = std::max(0.0, p[v] - q[v]);
          mass += residual[v];
        }
        emitted.push_back(sample_index(mass > 0.0 ? residual : p, rng.uniform()));
        rejected = true;
      }
      if (!rejected)
        emitted.push_back(
            sample_index(sampling_distribution(row(k), options.sampling), rng.uniform()));
    }
    out.stats.accepted += matched;
    // Positions pos .. pos + matched hold accepted tokens; later cache entries are rejected.
    model.crop(pos + matched + 1);
    pos += matched + 1;
    pending = emitted.back();
    for (int token : emitted)
      if (emitter.push(token)) return;
  }
}

}  // namespace

std::string_view to_string(Strategy strategy) {
  switch (strategy) {
    case Strategy::kAutoregressive:
      return "ar";
    case Strategy::kEarlyExit:
      return "exit";
    case Strategy::kSelfSpeculative:
      return "selfspec";
  }
  return "?";
}

Strategy parse_strategy(std::string_view text) {
  if (text == "ar" || text == "autoregressive") return Strategy::kAutoregressive;
  if (text == "exit" || text == "early_exit") return Strategy::kEarlyExit;
  if (text == "selfspec" || text == "self_speculative") return Strategy::kSelfSpeculative;
  throw Error("unknown strategy '" + std::string(text) + "', expected ar, exit or selfspec",
              "--strategy");
}

Generation generate(LlamaModel& model, std::span<const int> prompt,
                    const GenerateOptions& options) {
  const std::size_t L = model.n_layers();
  if (prompt.empty()) throw Error("empty prompt (expected at least the BOS token)", "generate");
  if (prompt.size() > model.config().context_length)
    throw Error("prompt of " + std::to_string(prompt.size()) + " tokens exceeds the context " +
                    std::to_string(model.config().context_length),
                "generate");
  if (options.strategy == Strategy::kEarlyExit &&
      (options.exit_layer < 1 || options.exit_layer > L))
    throw Error(
        "exit layer " + std::to_string(options.exit_layer) + " outside 1.." + std::to_string(L),
        "--exit-layer");
  if (options.strategy == Strategy::kSelfSpeculative) {
    if (options.exit_layer < 1 || options.exit_layer >= L)
      throw Error("self-speculation needs an exit layer in 1.." + std::to_string(L - 1) + ", got " +
                      std::to_string(options.exit_layer),
                  "--exit-layer");
    if (options.speculations < 1)
      throw Error("self-speculation needs at least one speculation", "--speculations");
    if (!(options.draft_confidence >= 0.0 && options.draft_confidence <= 1.0))
      throw Error("draft confidence must be in [0, 1]", "--draft-confidence");
  }
  if (!options.sampling.greedy() &&
      !(options.sampling.top_p > 0.0 && options.sampling.top_p <= 1.0))
    throw Error("top_p must be in (0, 1]", "--top-p");

  Generation out;
  out.stats.prompt_tokens = prompt.size();
  const auto layers_before = model.layer_invocations();
  const auto head_before = model.head_invocations();
  const auto bytes_before = model.weight_bytes_read();
  const auto start = std::chrono::steady_clock::now();
  Rng rng(options.seed);
  Emitter emitter(options, model.config().eos_id, prompt.empty() ? -1 : prompt.back(), out);
  if (options.max_new_tokens == 0) {
    out.stop_reason = "max_tokens";
  } else if (options.strategy == Strategy::kSelfSpeculative) {
    decode_self_speculative(model, prompt, options, rng, emitter, out);
  } else {
    const std::size_t depth = options.strategy == Strategy::kEarlyExit ? options.exit_layer : L;
    decode_single_path(model, prompt, depth, options, rng, emitter, out);
  }
  out.stats.time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.stats.layer_invocations.resize(L);
  for (std::size_t l = 0; l < L; ++l)
    out.stats.layer_invocations[l] = model.layer_invocations()[l] - layers_before[l];
  out.stats.head_invocations = model.head_invocations() - head_before;
  out.stats.weight_bytes = model.weight_bytes_read() - bytes_before;
  return out;
}

}  // namespace erg::models::llm
