#include "cli/profile_model.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/arg_parser.hpp"
#include "cli/json_output.hpp"
#include "cli/run_options.hpp"
#include "core/component_registry.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/asr/audio_file.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/streaming_recognizer.hpp"
#include "models/asr/test_set.hpp"
#include "models/llm/byte_tokenizer.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama_model.hpp"
#include "profiler/component_busy_time.hpp"
#include "profiler/energy_source.hpp"
#include "profiler/measurement_window.hpp"
#include "profiler/perf_counters.hpp"
#include "profiler/perf_event_catalog.hpp"
#include "profiler/profile_json.hpp"

namespace erg::cli {
namespace {

namespace fs = std::filesystem;
using profiler::EnergyMonitor;
using profiler::WindowResult;

struct Setup {
  std::string target;  // "asr" or "llm"
  double min_window_s = 0.2;
  // A busy-time window needs invocations long against the energy counter's update period: RAPL
  // energy_uj advances about every 1 ms, so a shorter interval reads 0 or 1 update and its
  // energy is mostly quantization. At 10 updates per invocation that error is ~10% per
  // invocation and averages down over many; shorter components use the repetition loop.
  double min_invocation_s = 0.010;
  bool json = false;
  std::optional<fs::path> out_dir;
};

// How one component was measured and what that attributes to the real run. "window": its own
// invocations in a second run of the workload, energy read at each begin and end; "repeated":
// one representative invocation in a loop.
struct ComponentProfile {
  std::string name;
  std::string method;  // "window" or "repeated"
  std::string method_reason;
  std::string invocation;  // what was measured
  std::uint64_t real_invocations = 0;
  double busy_time_s = 0;         // the real run's, from the timing hook
  std::uint64_t repetitions = 0;  // repeated: engine-counted invocations inside the loop window
  std::uint64_t measured_invocations = 0;  // window: invocations the energy was read around
  WindowResult window;  // repeated: the loop's window; window: the summed busy intervals
  double time_per_invocation_s = 0;
  double attributed_time_s = 0;
  std::optional<double> energy_per_invocation_j;
  std::optional<double> attributed_energy_j;
};

struct ModelProfile {
  std::string model, variant, workload;
  WindowResult run;
  nlohmann::json run_details = nlohmann::json::object();
  std::vector<ComponentProfile> components;
  std::string counters_reason;
  std::vector<std::string> notes;
};

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.resize(width, ' ');
  return text;
}

// Counters follow the calling thread: the engines run on it.
std::unique_ptr<profiler::CounterSet> open_counters(std::string& reason) {
  const auto paranoid = profiler::read_perf_event_paranoid();
  if (!paranoid) {
    reason = "perf_event_open is unavailable: no /proc/sys/kernel/perf_event_paranoid";
    return nullptr;
  }
  try {
    return std::make_unique<profiler::CounterSet>(profiler::CounterTarget{0, -1, false, false},
                                                  *paranoid);
  } catch (const Error& e) {
    reason = e.what();
    return nullptr;
  }
}

std::unique_ptr<EnergyMonitor> open_monitor(const ParsedArgs& parsed, ModelProfile& profile) {
  profiler::EnergySourceOptions options;
  const bool source_given = parsed.has("source");
  try {
    options.kind = profiler::parse_energy_source_kind(parsed.get_or("source", "auto"));
  } catch (const Error& e) {
    throw UsageError(e.what_text(), "--source");
  }
  if (auto root = parsed.get("powercap-root")) {
    options.powercap_root = *root;
    if (!source_given) options.kind = profiler::EnergySourceKind::kPowercap;
  }
  std::unique_ptr<profiler::EnergySource> source;
  std::string reason;
  try {
    source = profiler::open_energy_source(options);
  } catch (const UnavailableError& e) {
    reason = e.what();
  } catch (const Error& e) {
    if (source_given) throw;  // the user asked for this source: its fix is the answer
    reason = e.what();
  }
  auto counters = open_counters(profile.counters_reason);
  return std::make_unique<EnergyMonitor>(std::move(source), reason, std::move(counters));
}

// Repeats `once` (one representative invocation) for at least min_window_s inside a window.
// Repetitions are what the engine's own counter says ran, so a loop body that did not invoke the
// component (or invoked it twice) cannot skew the per-invocation figures.
ComponentProfile repeat_component(EnergyMonitor& monitor, const Setup& setup, ComponentProfile c,
                                  std::string invocation, const std::function<void()>& once,
                                  const std::function<std::uint64_t()>& engine_count) {
  c.method = "repeated";
  c.invocation = std::move(invocation);
  const std::uint64_t real_invocations = c.real_invocations;
  once();  // warm-up: caches and pages, outside the window
  const std::uint64_t before = engine_count();
  const std::string window = "repeat:" + c.name;
  const std::int64_t min_ns = static_cast<std::int64_t>(setup.min_window_s * 1e9);
  monitor.begin_window(window);
  const std::int64_t t0 = profiler::steady_now_ns();
  do {
    once();
  } while (profiler::steady_now_ns() - t0 < min_ns);
  c.window = monitor.end_window(window);
  c.repetitions = engine_count() - before;
  if (c.repetitions == 0)
    throw Error("the repetition loop did not invoke the component (engine counter unchanged)",
                c.name);
  const double reps = static_cast<double>(c.repetitions);
  c.time_per_invocation_s = c.window.time_s / reps;
  c.attributed_time_s = c.time_per_invocation_s * static_cast<double>(real_invocations);
  if (c.window.energy_available) {
    c.energy_per_invocation_j = c.window.total_energy_j / reps;
    c.attributed_energy_j = *c.energy_per_invocation_j * static_cast<double>(real_invocations);
  }
  return c;
}

std::string ms_text(double seconds) {
  return fmt("%.3g", seconds * 1e3) + " ms";
}

// The real run's busy time and invocation count, and the method they call for.
ComponentProfile plan_component(const profiler::ComponentBusyTracker& real, const Setup& setup,
                                std::string name, std::uint64_t engine_invocations) {
  ComponentProfile c;
  c.name = std::move(name);
  const auto busy = real.result(ComponentRegistry::global().intern(c.name));
  // The hook and the engine's own counter see the same calls; a difference is an engine bug.
  if (busy.invocations != engine_invocations)
    throw Error("the timing hook saw " + std::to_string(busy.invocations) +
                    " invocations but the engine counted " + std::to_string(engine_invocations),
                c.name);
  c.real_invocations = engine_invocations;
  c.busy_time_s = busy.busy_s;
  if (busy.invocations == 0) {
    c.method = "repeated";
    c.method_reason = "not invoked in the real run";
    return c;
  }
  const double mean_s = busy.busy_s / double(busy.invocations);
  std::string shortfall;
  if (busy.busy_s < setup.min_window_s)
    shortfall = "busy " + ms_text(busy.busy_s) + " < " + ms_text(setup.min_window_s);
  if (mean_s < setup.min_invocation_s)
    shortfall += (shortfall.empty() ? "" : "; ") + std::string("mean invocation ") +
                 ms_text(mean_s) + " < " + ms_text(setup.min_invocation_s);
  if (shortfall.empty()) {
    c.method = "window";
    c.method_reason = "busy " + ms_text(busy.busy_s) + " >= " + ms_text(setup.min_window_s) +
                      " and mean invocation " + ms_text(mean_s) +
                      " >= " + ms_text(setup.min_invocation_s);
  } else {
    c.method = "repeated";
    c.method_reason = shortfall;
  }
  return c;
}

// The components measured by window get a second run of the same workload with energy read at
// each of their invocations' begin and end. Without an energy source there is nothing to read,
// so there is no second run and the window reports the real run's busy time alone.
std::unique_ptr<profiler::ComponentBusyTracker> measure_windows(
    EnergyMonitor& monitor, const std::vector<ComponentProfile>& planned,
    const std::function<void(AccessSink&)>& workload) {
  std::vector<ComponentId> ids;
  for (const auto& c : planned)
    if (c.method == "window") ids.push_back(ComponentRegistry::global().intern(c.name));
  if (ids.empty() || monitor.source() == nullptr) return nullptr;
  auto tracker = std::make_unique<profiler::ComponentBusyTracker>(monitor.source(), ids);
  workload(*tracker);
  tracker->check();
  return tracker;
}

// A component measured over its own busy intervals: time from the real run, energy (when
// there is a source) from the second run, whose invocation count must equal the real run's.
ComponentProfile window_component(const EnergyMonitor& monitor, ComponentProfile c,
                                  const profiler::ComponentBusyTracker* measured) {
  c.invocation = "its every invocation in the workload";
  c.window.name = "busy:" + c.name;
  c.time_per_invocation_s = c.busy_time_s / double(c.real_invocations);
  c.attributed_time_s = c.busy_time_s;
  if (measured == nullptr) {
    c.measured_invocations = c.real_invocations;
    c.window.time_s = c.busy_time_s;
    c.window.energy_unavailable_reason = monitor.unavailable_reason();
    return c;
  }
  const auto m = measured->result(ComponentRegistry::global().intern(c.name));
  if (m.invocations != c.real_invocations)
    throw Error("the energy run invoked it " + std::to_string(m.invocations) +
                    " times but the real run " + std::to_string(c.real_invocations) +
                    " (the workload is not deterministic)",
                c.name);
  c.measured_invocations = m.invocations;
  c.invocation += ", rerun with energy read at each begin and end";
  auto& w = c.window;
  w.time_s = m.busy_s;
  w.energy_available = true;
  w.energy_source = std::string(monitor.source()->kind());
  const auto& domains = monitor.source()->domains();
  for (std::size_t d = 0; d < domains.size(); ++d) {
    const double power_w = m.busy_s > 0 ? m.energy_j[d] / m.busy_s : 0.0;
    w.domains.push_back(
        {domains[d].name, domains[d].in_total, m.energy_j[d], power_w, m.energy_j[d]});
  }
  w.total_energy_j = m.total_energy_j;
  w.total_power_w = m.busy_s > 0 ? m.total_energy_j / m.busy_s : 0.0;
  w.net_total_energy_j = m.total_energy_j;
  c.energy_per_invocation_j = m.total_energy_j / double(m.invocations);
  c.attributed_energy_j = m.total_energy_j;
  return c;
}

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

std::string variant_text(const models::runtime::Variant& v) {
  return v.empty() ? "fp32" : v.to_string();
}

void profile_asr(const ParsedArgs& parsed, const ModelRunOptions& run, const Setup& setup,
                 EnergyMonitor& monitor, ModelProfile& profile) {
  using namespace models::asr;
  const long k = parsed.get_int("utterances", 2, 1, 1'000'000);
  const auto path = resolve_named_file(run.model, "models/weights", ".safetensors", "model");
  auto model = load_with_variant([&] { return RnntModel::load(path, run.variant); });
  profile.model = model.config().name;
  profile.variant = variant_text(model.variant());
  const DecodeOptions options = asr_decode_options(run, model.config().blank_penalty);
  const fs::path testset = parsed.has("testset") ? fs::path(*parsed.get("testset"))
                                                 : data_root() / "tests/fixtures/asr/testset";
  auto utts = read_test_set(testset);
  if (utts.empty()) throw Error("the test set lists no utterances", testset.string());
  utts.resize(std::min(utts.size(), static_cast<std::size_t>(k)));
  // Audio is read before the window: the run measures recognition, not file I/O.
  std::vector<Audio> audio;
  double audio_s = 0;
  for (const auto& u : utts) {
    audio.push_back(load_asr_audio(u.file));
    audio_s += audio.back().duration_s();
  }
  profile.workload = std::to_string(utts.size()) + " test-set utterance(s) from " +
                     testset.string() + ", " +
                     (run.beam ? "beam " + std::to_string(*run.beam) : std::string("greedy"));

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
      plan_component(busy, setup, "asr.encoder", real.encoder_invocations),
      plan_component(busy, setup, "asr.predictor", real.predictor_invocations),
      plan_component(busy, setup, "asr.joiner.enc_proj", real.enc_proj_invocations),
      plan_component(busy, setup, "asr.joiner.pred_proj", real.pred_proj_invocations),
      plan_component(busy, setup, "asr.joiner", real.joiner_invocations)};
  const auto measured = measure_windows(monitor, planned, [&](AccessSink& sink) {
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
            ? window_component(monitor, planned[i], measured.get())
            : repeat_component(monitor, setup, planned[i], r.invocation, r.once, r.engine_count));
  }
  enc.reset();
  profile.notes.push_back(
      "the real run's remaining time and energy (frontend, normalization, decoding logic) is "
      "unattributed");
}

void profile_llm(const ParsedArgs& parsed, const ModelRunOptions& run, const Setup& setup,
                 EnergyMonitor& monitor, ModelProfile& profile) {
  using namespace models::llm;
  if (run.generate.max_new_tokens < 1)
    throw UsageError("--max-tokens 0 is too small (at least 1: a profile needs a run)");
  const auto path = resolve_named_file(run.model, "models/weights", ".safetensors", "model");
  auto model = load_with_variant([&] { return LlamaModel::load(path, run.variant); });
  profile.model = path.stem().string();
  profile.variant = variant_text(run.variant);

  GenerateOptions opt = llm_generate_options(run, model.n_layers());
  opt.stop_at_eos = false;  // a fixed amount of work per profile
  const std::string prompt_text = parsed.get_or("prompt", "Once upon a time");
  const ByteTokenizer tok(model.config().bos_id, model.config().eos_id);
  const auto prompt = tok.encode_prompt(prompt_text);
  if (prompt.size() > model.config().context_length)
    throw UsageError("--prompt is " + std::to_string(prompt.size()) +
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

  std::vector<ComponentProfile> planned;
  for (std::size_t l = 0; l < model.n_layers(); ++l)
    planned.push_back(
        plan_component(busy, setup, "llm.layer." + std::to_string(l), layer_counts[l]));
  planned.push_back(plan_component(busy, setup, "llm.head", head_count));
  // The same generation again (same seed): it ends in the same cache state as the real run.
  const auto measured = measure_windows(monitor, planned, [&](AccessSink& sink) {
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
        monitor, setup, planned[l],
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
        monitor, setup, planned.back(), "one exit (final norm + LM head) on 1 row",
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

double attributed_sum_j(const ModelProfile& p) {
  double sum = 0;
  for (const auto& c : p.components)
    sum += c.attributed_energy_j.value_or(0);
  return sum;
}

double attributed_time_sum_s(const ModelProfile& p) {
  double sum = 0;
  for (const auto& c : p.components)
    sum += c.attributed_time_s;
  return sum;
}

nlohmann::json to_json(const ModelProfile& p, const Setup& setup) {
  nlohmann::json components = nlohmann::json::array();
  for (const auto& c : p.components) {
    const bool window = c.method == "window";
    components.push_back(
        {{"name", c.name},
         {"method", c.method},
         {"method_reason", c.method_reason},
         {"invocation", c.invocation},
         {"real_invocations", c.real_invocations},
         {"busy_time_s", c.busy_time_s},
         {"mean_invocation_s", c.real_invocations > 0
                                   ? nlohmann::json(c.busy_time_s / double(c.real_invocations))
                                   : nlohmann::json(nullptr)},
         {"repetitions", window ? nlohmann::json(nullptr) : nlohmann::json(c.repetitions)},
         {"measured_invocations",
          window ? nlohmann::json(c.measured_invocations) : nlohmann::json(nullptr)},
         {"time_per_invocation_s", c.time_per_invocation_s},
         {"attributed_time_s", c.attributed_time_s},
         {"energy_per_invocation_j",
          c.energy_per_invocation_j ? nlohmann::json(*c.energy_per_invocation_j) : nullptr},
         {"attributed_energy_j",
          c.attributed_energy_j ? nlohmann::json(*c.attributed_energy_j) : nullptr},
         {"window", profiler::to_json(c.window)}});
  }
  nlohmann::json run = profiler::to_json(p.run);
  run["details"] = p.run_details;
  run["workload"] = p.workload;
  nlohmann::json attribution{{"attributed_time_s", attributed_time_sum_s(p)},
                             {"run_time_s", p.run.time_s}};
  if (p.run.energy_available) {
    attribution["attributed_energy_j"] = attributed_sum_j(p);
    attribution["run_energy_j"] = p.run.total_energy_j;
    attribution["attributed_fraction"] =
        p.run.total_energy_j > 0 ? attributed_sum_j(p) / p.run.total_energy_j : 0.0;
  } else {
    attribution["attributed_energy_j"] = nullptr;
    attribution["reason"] = p.run.energy_unavailable_reason;
  }
  nlohmann::json out{{"target", setup.target},
                     {"model", p.model},
                     {"variant", p.variant},
                     {"min_window_s", setup.min_window_s},
                     {"min_invocation_s", setup.min_invocation_s},
                     {"run", run},
                     {"components", components},
                     {"attribution", attribution},
                     {"notes", p.notes}};
  out["counters_reason"] =
      p.counters_reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.counters_reason);
  return out;
}

void print_counters(const WindowResult& w, const std::string& indent, std::ostream& out) {
  for (const auto& c : w.counters) {
    out << indent << pad(c.name, 22);
    if (!c.supported)
      out << "unsupported: " << c.reason << "\n";
    else if (!c.counted)
      out << "not counted (the group never got onto the PMU)\n";
    else
      out << fmt("%.0f", c.scaled) << "\n";
  }
}

void print_text(const ModelProfile& p, const Setup& setup, std::ostream& out) {
  out << "\n Profile of " << setup.target << " model " << p.model << " (" << p.variant
      << "): " << p.workload << "\n\n";
  out << "  run: " << fmt("%.4f", p.run.time_s) << " s\n";
  if (p.run.energy_available) {
    out << "  energy (" << p.run.energy_source << "):\n";
    for (const auto& d : p.run.domains)
      out << "    " << pad(d.name, 22) << fmt("%.6g", d.energy_j) << " J   "
          << fmt("%.3f", d.power_w) << " W" << (d.in_total ? "" : "  (inside its package)") << "\n";
    out << "    " << pad("total", 22) << fmt("%.6g", p.run.total_energy_j) << " J   "
        << fmt("%.3f", p.run.total_power_w) << " W\n";
  } else {
    out << "  energy: unavailable (" << p.run.energy_unavailable_reason << ")\n";
  }
  if (!p.run.counters.empty()) {
    out << "  counters:\n";
    print_counters(p.run, "    ", out);
  } else if (!p.counters_reason.empty()) {
    out << "  counters: unavailable (" << p.counters_reason << ")\n";
  }
  out << "\n  components (method window: a component busy >= " << ms_text(setup.min_window_s)
      << " in the real run with a mean invocation >= " << ms_text(setup.min_invocation_s)
      << ", measured over its own invocations, energy read at each begin and end in a second "
         "run; method repeated: one representative invocation in a loop of at least "
      << ms_text(setup.min_window_s) << "):\n";
  out << "    " << pad("component", 22) << pad("method", 10) << pad("invocations", 13)
      << pad("busy", 12) << pad("time/inv", 14) << pad("energy/inv", 14)
      << pad("attributed time", 17) << "attributed energy\n";
  for (const auto& c : p.components) {
    out << "    " << pad(c.name, 22) << pad(c.method, 10)
        << pad(std::to_string(c.real_invocations), 13) << pad(ms_text(c.busy_time_s), 12)
        << pad(fmt("%.4g", c.time_per_invocation_s * 1e6) + " us", 14)
        << pad(c.energy_per_invocation_j ? fmt("%.4g", *c.energy_per_invocation_j * 1e6) + " uJ"
                                         : std::string("unavailable"),
               14)
        << pad(fmt("%.4g", c.attributed_time_s) + " s", 17)
        << (c.attributed_energy_j ? fmt("%.4g", *c.attributed_energy_j) + " J"
                                  : std::string("unavailable"))
        << "\n";
  }
  for (const auto& c : p.components) {
    out << "    " << pad(c.name, 22) << c.method << " (" << c.method_reason << "): ";
    if (c.method == "window")
      out << c.measured_invocations << " invocations";
    else
      out << c.repetitions << " repetitions of " << c.invocation;
    out << "\n";
  }
  out << "\n  attributed: " << fmt("%.4g", attributed_time_sum_s(p)) << " s of the run's "
      << fmt("%.4g", p.run.time_s) << " s";
  if (p.run.energy_available)
    out << "; " << fmt("%.4g", attributed_sum_j(p)) << " J of its "
        << fmt("%.4g", p.run.total_energy_j) << " J";
  else
    out << "; energy: unavailable (" << p.run.energy_unavailable_reason << ")";
  out << "\n";
  for (const auto& n : p.notes)
    out << "  note: " << n << "\n";
  out << "\n";
}

}  // namespace

int run_profile_model(const std::string& target, std::span<const std::string> raw_args) {
  std::vector<std::string> args(raw_args.begin(), raw_args.end());
  for (auto& a : args)
    if (a == "-o") a = "--output";
  const bool asr = target == "asr";
  ArgParser parser(
      asr ? "erg profile asr --model M [--variant V] [--beam N] [--testset DIR] [--utterances K] "
            "[--min-window-ms T] [--min-invocation-ms T] [--powercap-root DIR] [--json] [-o DIR]"
          : "erg profile llm --model M [--variant V] [--strategy ar|exit|selfspec] "
            "[--exit-layer E] [--speculations d] [--prompt TEXT] [--max-tokens N] "
            "[--min-window-ms T] [--min-invocation-ms T] [--powercap-root DIR] [--json] [-o DIR]",
      "Profiles a model variant in process: one window (time, energy per domain, counters) "
      "around the real run, which also times every component's invocations. A component busy "
      "for at least --min-window-ms with a mean invocation of at least --min-invocation-ms is "
      "measured by window: the same workload runs again with energy read at each begin and end "
      "of its invocations. Any other component repeats one representative invocation in a loop "
      "for at least --min-window-ms, attributed as per-invocation x real count. Where energy is "
      "unavailable it says why and still reports times and counters.");
  // The model-run options of erg run, less what a profile cannot honour (threads, streaming
  // chunks, sampling: the profile's work is one fixed greedy run).
  const unsigned groups = asr ? kAsrDecoding : kLlmDecoding;
  const RunOptionDefaults defaults{"", 32};
  add_model_run_options(parser, groups, defaults);
  if (asr) {
    parser
        .option("testset", "DIR", "test set directory or .tsv (default tests/fixtures/asr/testset)")
        .option("utterances", "K", "utterances recognized in the real run (default 2)");
  } else {
    parser.option("prompt", "TEXT", "prompt (default 'Once upon a time')");
  }
  parser
      .option("min-window-ms", "T",
              "least busy time for a window, and shortest repetition loop (default 200)")
      .option("min-invocation-ms", "T", "least mean invocation for a window (default 10)")
      .option("source", "NAME", "energy source: auto (default), powercap or perf")
      .option("powercap-root", "DIR", "powercap tree (default /sys/class/powercap)")
      .option("output", "DIR", "also write model_profile.json into DIR (also -o)");
  const auto parsed = parser.parse(args);
  if (parsed.help) {
    std::cout << parser.help();
    return 0;
  }
  if (!parsed.has("model")) throw UsageError("missing --model", "erg profile " + target);
  const auto run = read_model_run_options(parsed, groups, defaults);
  Setup setup;
  setup.target = target;
  setup.json = run.json;
  // 0 is allowed for both: every invoked component then gets a window (and a repetition loop,
  // if any, runs once); below ~1 ms the energy figures are mostly quantization.
  setup.min_window_s = parsed.get_double("min-window-ms", 200, 0, 3'600'000) / 1e3;
  setup.min_invocation_s = parsed.get_double("min-invocation-ms", 10, 0, 3'600'000) / 1e3;
  if (auto dir = parsed.get("output")) setup.out_dir = *dir;

  ModelProfile profile;
  auto monitor = open_monitor(parsed, profile);
  if (asr)
    profile_asr(parsed, run, setup, *monitor, profile);
  else
    profile_llm(parsed, run, setup, *monitor, profile);
  profile.notes.push_back(
      "the real run carries the timing hook: the engines send it their memory and compute events, "
      "which it ignores (one call per tensor access)");
  const bool any_window = std::any_of(profile.components.begin(), profile.components.end(),
                                      [](const auto& c) { return c.method == "window"; });
  if (any_window && monitor->source() == nullptr)
    profile.notes.push_back(
        "with no energy source there was no second run: window components report the real "
        "run's busy time alone");

  // Generated bytes need not be valid UTF-8; invalid sequences print as U+FFFD.
  const auto body = with_envelope("model_profile", to_json(profile, setup));
  if (setup.out_dir) {
    std::error_code ec;
    fs::create_directories(*setup.out_dir, ec);
    if (ec)
      throw Error("cannot create the output directory: " + ec.message(), setup.out_dir->string());
    const auto file = *setup.out_dir / "model_profile.json";
    std::ofstream out(file);
    out << body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!out) throw Error("cannot write the profile", file.string());
  }
  if (setup.json)
    std::cout << body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else
    print_text(profile, setup, std::cout);
  return 0;
}

}  // namespace erg::cli
