#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/component_registry.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/asr/audio_file.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/streaming_recognizer.hpp"
#include "models/asr/test_set.hpp"
#include "profiler/component_busy_time.hpp"
#include "sweep/model_profile.hpp"

// `erg profile asr`'s half of profile_model: the streaming RNN-T's five components, each by
// window or by a representative invocation in a loop.
namespace erg::sweep {
namespace {

namespace fs = std::filesystem;
using profiler::ComponentProfile;

// Deterministic inputs in [-1, 1) for repeated invocations (dense kernels cost the same for any
// finite values; these stay away from denormals).
std::vector<float> pattern(std::size_t n) {
  std::vector<float> out(n);
  std::uint32_t state = 12345;
  for (auto& v : out) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(state >> 8) / static_cast<float>(1u << 24) * 2.0f - 1.0f;
  }
  return out;
}

}  // namespace

void profile_asr(const ModelProfileRequest& request, profiler::EnergyMonitor& monitor,
                 ModelProfile& profile) {
  using namespace models::asr;
  using profiler::plan_component;
  if (request.utterances == 0) throw UsageError("a profile needs at least 1 utterance");
  const auto& thresholds = request.thresholds;
  const auto path = resolve_named_file(request.model, "models/weights", ".safetensors", "model");
  auto model = RnntModel::load(path, request.variant);
  profile.model = model.config().name;
  profile.variant = variant_label(model.variant());
  const float penalty = model.config().blank_penalty;
  const DecodeOptions options = request.decode
                                    ? request.decode(penalty)
                                    : DecodeOptions::greedy(4).with_blank_penalty(penalty);
  const fs::path testset =
      !request.testset.empty() ? request.testset : data_root() / "tests/fixtures/asr/testset";
  auto utts = read_test_set(testset);
  if (utts.empty()) throw Error("the test set lists no utterances", testset.string());
  utts.resize(std::min(utts.size(), request.utterances));
  // Audio is read before the window: the run measures recognition, not file I/O.
  std::vector<Audio> audio;
  double audio_s = 0;
  for (const auto& u : utts) {
    audio.push_back(load_asr_audio(u.file));
    audio_s += audio.back().duration_s();
  }
  profile.workload =
      std::to_string(utts.size()) + " test-set utterance(s) from " + testset.string() + ", " +
      (options.strategy == DecodeStrategy::kBeam ? "beam " + std::to_string(options.beam)
                                                 : std::string("greedy"));

  StreamingRecognizer recognizer(model, options);
  auto recognize_all = [&] {
    nlohmann::json texts = nlohmann::json::array();
    for (const auto& a : audio)
      texts.push_back(recognizer.recognize(a.samples));
    return texts;
  };
  // The real run, timed per component; attaching declares the tensors before the window.
  profiler::ComponentBusyTracker busy;
  model.attach(&busy);
  model.reset_counters();
  monitor.begin_window("run");
  const auto texts = recognize_all();
  profile.run = monitor.end_window("run");
  model.attach(nullptr);
  const auto real = model.counters();
  profile.run_details = {{"utterances", utts.size()},
                         {"audio_s", audio_s},
                         {"rtf", audio_s > 0 ? profile.run.time_s / audio_s : 0.0},
                         {"hypotheses", texts},
                         {"encoder_frames", real.encoder_frames}};

  std::vector<ComponentProfile> planned{
      plan_component(busy, thresholds, "asr.encoder", real.encoder_invocations),
      plan_component(busy, thresholds, "asr.predictor", real.predictor_invocations),
      plan_component(busy, thresholds, "asr.joiner.enc_proj", real.enc_proj_invocations),
      plan_component(busy, thresholds, "asr.joiner.pred_proj", real.pred_proj_invocations),
      plan_component(busy, thresholds, "asr.joiner", real.joiner_invocations)};
  const auto measured = profiler::measure_windows(monitor, planned, [&](AccessSink& sink) {
    model.attach(&sink);
    (void)recognize_all();
    model.attach(nullptr);
  });

  // Representative invocations for the repeated ones, after the runs (their counts are above).
  auto& enc = model.encoder();
  enc.reset();
  const auto chunk = pattern(enc.chunk_frames() * enc.input_dim());
  std::vector<float> enc_out;
  auto& pred = model.predictor();
  auto state = pred.zero_state();
  const int token = model.config().blank_id;
  auto& joiner = model.joiner();
  const auto enc_in = pattern(model.encoder().output_dim());
  const auto pred_in = pattern(pred.hidden());
  std::vector<float> enc_p(joiner.dim()), pred_p(joiner.dim());
  struct Repetition {
    std::string invocation;
    std::function<void()> once;
    std::function<std::uint64_t()> engine_count;
  };
  const Repetition repetitions[] = {
      {"one chunk of " + std::to_string(enc.chunk_frames()) +
           " stacked frames pushed into the streaming encoder (state carried across repetitions)",
       [&] {
         enc_out.clear();
         enc.push(chunk, enc_out);
       },
       [&] { return enc.invocations(); }},
      {"one predictor step (embedding + LSTM cell)", [&] { pred.step(token, state); },
       [&] { return pred.invocations(); }},
      {"one encoder-frame projection", [&] { joiner.project_encoder(enc_in, enc_p); },
       [&] { return joiner.enc_proj_invocations(); }},
      {"one predictor-output projection", [&] { joiner.project_predictor(pred_in, pred_p); },
       [&] { return joiner.pred_proj_invocations(); }},
      {"one join (activation + output layer) of projected inputs",
       [&] { (void)joiner.join(enc_p, pred_p); }, [&] { return joiner.invocations(); }}};
  for (std::size_t i = 0; i < planned.size(); ++i) {
    const auto& r = repetitions[i];
    profile.components.push_back(
        planned[i].method == "window"
            ? profiler::window_component(monitor, planned[i], measured.get())
            : profiler::repeat_component(monitor, thresholds, planned[i], r.invocation, r.once,
                                         r.engine_count));
  }
  enc.reset();
  profile.notes.push_back(
      "the real run's remaining time and energy (frontend, normalization, decoding logic) is "
      "unattributed");
}

}  // namespace erg::sweep
