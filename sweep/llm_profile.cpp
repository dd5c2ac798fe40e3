#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/llm/byte_tokenizer.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama_model.hpp"
#include "profiler/component_busy_time.hpp"
#include "sweep/model_profile.hpp"

// `erg profile llm`'s half of profile_model: every decoder layer and the head, each by window
// or by a one-row decode step in a loop.
namespace erg::sweep {

void profile_llm(const ModelProfileRequest& request, profiler::EnergyMonitor& monitor,
                 ModelProfile& profile) {
  using namespace models::llm;
  using profiler::ComponentProfile;
  using profiler::plan_component;
  using profiler::repeat_component;
  using profiler::window_component;
  const auto& thresholds = request.thresholds;
  const auto path = resolve_named_file(request.model, "models/weights", ".safetensors", "model");
  auto model = LlamaModel::load(path, request.variant);
  profile.model = path.stem().string();
  profile.variant = variant_label(request.variant);

  GenerateOptions opt;
  if (request.generate) {
    opt = request.generate(model.n_layers());
  } else {
    opt.max_new_tokens = 32;
    opt.exit_layer = model.n_layers() / 2;
  }
  if (opt.max_new_tokens < 1) throw UsageError("a profile needs at least 1 new token");
  opt.stop_at_eos = false;  // a fixed amount of work per profile
  const ByteTokenizer tok(model.config().bos_id, model.config().eos_id);
  const auto prompt = tok.encode_prompt(request.prompt);
  if (prompt.size() > model.config().context_length)
    throw UsageError("the prompt is " + std::to_string(prompt.size()) +
                     " tokens with its BOS; the model's context is " +
                     std::to_string(model.config().context_length));
  profile.workload = "generate " + std::to_string(opt.max_new_tokens) + " tokens, strategy " +
                     std::string(to_string(opt.strategy)) +
                     (opt.strategy == Strategy::kAutoregressive
                          ? std::string()
                          : ", exit layer " + std::to_string(opt.exit_layer)) +
                     (opt.strategy == Strategy::kSelfSpeculative
                          ? ", " + std::to_string(opt.speculations) + " speculations"
                          : std::string());

  // The real run, timed per component; attaching declares the tensors before the window.
  profiler::ComponentBusyTracker busy;
  model.attach(&busy);
  model.reset();
  model.reset_counters();
  monitor.begin_window("run");
  const auto gen = generate(model, prompt, opt);
  profile.run = monitor.end_window("run");
  model.attach(nullptr);
  const auto layer_counts = model.layer_invocations();
  const auto head_count = model.head_invocations();
  const auto& s = gen.stats;
  profile.run_details = {
      {"prompt_tokens", s.prompt_tokens},
      {"new_tokens", s.new_tokens},
      {"tokens_per_s", profile.run.time_s > 0 ? double(s.new_tokens) / profile.run.time_s : 0.0},
      {"stop_reason", gen.stop_reason},
      {"text", gen.text},
      {"rounds", s.rounds},
      {"drafted", s.drafted},
      {"accepted", s.accepted}};
  // Measured energy per generated token (whole package/psys over the run window); null with the
  // reason where there is no energy source, never a stand-in number.
  if (profile.run.energy_available && s.new_tokens > 0) {
    profile.run_details["energy_per_token_uj_measured"] =
        profile.run.total_energy_j * 1e6 / double(s.new_tokens);
  } else {
    profile.run_details["energy_per_token_uj_measured"] = nullptr;
    profile.run_details["energy_per_token_unavailable_reason"] =
        profile.run.energy_available ? "no tokens generated"
                                     : profile.run.energy_unavailable_reason;
  }

  std::vector<ComponentProfile> planned;
  for (std::size_t l = 0; l < model.n_layers(); ++l)
    planned.push_back(
        plan_component(busy, thresholds, "llm.layer." + std::to_string(l), layer_counts[l]));
  planned.push_back(plan_component(busy, thresholds, "llm.head", head_count));
  // The same generation again (same seed): it ends in the same cache state as the real run.
  const auto measured = profiler::measure_windows(monitor, planned, [&](AccessSink& sink) {
    model.attach(&sink);
    model.reset();
    (void)generate(model, prompt, opt);
    model.attach(nullptr);
  });

  // One decode step (one row) at the shortest context any layer holds after the real run; every
  // repetition crops the cache back and re-embeds the token so state and activations stay put.
  std::size_t pos = model.cached(0);
  for (std::size_t l = 0; l < model.n_layers(); ++l)
    pos = std::min(pos, model.cached(l));
  pos = std::min(pos, model.config().context_length - 1);
  const int token[1] = {prompt.back()};
  bool any_repeated = false;
  for (std::size_t l = 0; l < model.n_layers(); ++l) {
    if (planned[l].method == "window") {
      profile.components.push_back(window_component(monitor, planned[l], measured.get()));
      continue;
    }
    any_repeated = true;
    profile.components.push_back(repeat_component(
        monitor, thresholds, planned[l],
        "one decode step (1 row) at position " + std::to_string(pos) +
            ", after re-embedding one token",
        [&] {
          model.crop(pos);
          model.embed(token);
          model.run_layers(l, l + 1, pos, 1);
        },
        [&, l] { return model.layer_invocations()[l]; }));
  }
  if (planned.back().method == "window") {
    profile.components.push_back(window_component(monitor, planned.back(), measured.get()));
  } else {
    any_repeated = true;
    profile.components.push_back(repeat_component(
        monitor, thresholds, planned.back(), "one exit (final norm + LM head) on 1 row",
        [&] { (void)model.exit_logits(1); }, [&] { return model.head_invocations(); }));
  }
  model.reset();
  if (any_repeated)
    profile.notes.push_back(
        "repetitions are one-row decode steps; the prompt prefill (and self-speculative "
        "verification) invocations process several rows, so a repeated component's attributed "
        "share is a lower bound");
  profile.notes.push_back(
      "the real run's remaining time and energy (embedding, sampling) is "
      "unattributed");
}

}  // namespace erg::sweep
