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
#include "core/error.hpp"
#include "core/paths.hpp"
#include "models/asr/audio_file.hpp"
#include "models/asr/rnnt_model.hpp"
#include "models/asr/streaming_recognizer.hpp"
#include "models/asr/test_set.hpp"
#include "models/llm/byte_tokenizer.hpp"
#include "models/llm/generator.hpp"
#include "models/llm/llama_model.hpp"
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

// Why the per-component method is always the repetition loop: measuring a component's busy time
// inside the real run needs a timer around its calls inside the engines, which they do not have.
constexpr const char* kBusyTimeReason =
    "the engines have no per-component timing hook, so a component's busy time in the real run "
    "is not measured";

struct Setup {
  std::string target;  // "asr" or "llm"
  double min_window_s = 0.2;
  bool json = false;
  std::optional<fs::path> out_dir;
};

// What the repetition loop measured for one component, and what it attributes to the real run.
struct ComponentProfile {
  std::string name;
  std::string invocation;  // what one repetition runs
  std::uint64_t real_invocations = 0;
  std::uint64_t repetitions = 0;  // engine-counted invocations inside the loop window
  WindowResult window;
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
ComponentProfile repeat_component(EnergyMonitor& monitor, const Setup& setup, std::string name,
                                  std::string invocation, std::uint64_t real_invocations,
                                  const std::function<void()>& once,
                                  const std::function<std::uint64_t()>& engine_count) {
  ComponentProfile c;
  c.name = std::move(name);
  c.invocation = std::move(invocation);
  c.real_invocations = real_invocations;
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

void profile_asr(const ParsedArgs& parsed, const Setup& setup, EnergyMonitor& monitor,
                 ModelProfile& profile) {
  using namespace models::asr;
  const auto path =
      resolve_named_file(*parsed.get("model"), "models/weights", ".safetensors", "model");
  const auto variant = models::runtime::Variant::parse(parsed.get_or("variant", ""));
  auto model = RnntModel::load(path, variant);
  profile.model = model.config().name;
  profile.variant = variant_text(model.variant());

  const long beam = parsed.get_long("beam", 0);
  if (beam < 0 || (parsed.has("beam") && beam == 0))
    throw UsageError("--beam must be a positive integer", "erg profile asr");
  const long k = parsed.get_long("utterances", 2);
  if (k < 1) throw UsageError("--utterances must be at least 1", "erg profile asr");
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
  const DecodeOptions options =
      beam > 0 ? DecodeOptions::beam_search(std::size_t(beam)) : DecodeOptions::greedy(4);
  profile.workload = std::to_string(utts.size()) + " test-set utterance(s) from " +
                     testset.string() + ", " +
                     (beam > 0 ? "beam " + std::to_string(beam) : std::string("greedy"));

  StreamingRecognizer recognizer(model, options);
  model.reset_counters();
  nlohmann::json texts = nlohmann::json::array();
  monitor.begin_window("run");
  for (const auto& a : audio)
    texts.push_back(recognizer.recognize(a.samples));
  profile.run = monitor.end_window("run");
  const auto real = model.counters();
  profile.run_details = {{"utterances", utts.size()},
                         {"audio_s", audio_s},
                         {"rtf", audio_s > 0 ? profile.run.time_s / audio_s : 0.0},
                         {"hypotheses", texts},
                         {"encoder_frames", real.encoder_frames}};

  // Representative invocations, after the real run (its counts are taken above).
  auto& enc = model.encoder();
  enc.reset();
  const auto chunk = pattern(enc.chunk_frames() * enc.input_dim());
  std::vector<float> enc_out;
  profile.components.push_back(repeat_component(
      monitor, setup, "asr.encoder",
      "one chunk of " + std::to_string(enc.chunk_frames()) +
          " stacked frames pushed into the streaming encoder (state carried across repetitions)",
      real.encoder_invocations,
      [&] {
        enc_out.clear();
        enc.push(chunk, enc_out);
      },
      [&] { return enc.invocations(); }));
  enc.reset();

  auto& pred = model.predictor();
  auto state = pred.zero_state();
  const int token = model.config().blank_id;
  profile.components.push_back(repeat_component(
      monitor, setup, "asr.predictor", "one predictor step (embedding + LSTM cell)",
      real.predictor_invocations, [&] { pred.step(token, state); },
      [&] { return pred.invocations(); }));

  auto& joiner = model.joiner();
  const auto enc_in = pattern(model.encoder().output_dim());
  const auto pred_in = pattern(pred.hidden());
  std::vector<float> enc_p(joiner.dim()), pred_p(joiner.dim());
  profile.components.push_back(repeat_component(
      monitor, setup, "asr.joiner.enc_proj", "one encoder-frame projection",
      real.enc_proj_invocations, [&] { joiner.project_encoder(enc_in, enc_p); },
      [&] { return joiner.enc_proj_invocations(); }));
  profile.components.push_back(repeat_component(
      monitor, setup, "asr.joiner.pred_proj", "one predictor-output projection",
      real.pred_proj_invocations, [&] { joiner.project_predictor(pred_in, pred_p); },
      [&] { return joiner.pred_proj_invocations(); }));
  profile.components.push_back(repeat_component(
      monitor, setup, "asr.joiner", "one join (activation + output layer) of projected inputs",
      real.joiner_invocations, [&] { (void)joiner.join(enc_p, pred_p); },
      [&] { return joiner.invocations(); }));
  profile.notes.push_back(
      "the real run's remaining time and energy (frontend, normalization, decoding logic) is "
      "unattributed");
}

void profile_llm(const ParsedArgs& parsed, const Setup& setup, EnergyMonitor& monitor,
                 ModelProfile& profile) {
  using namespace models::llm;
  const auto path =
      resolve_named_file(*parsed.get("model"), "models/weights", ".safetensors", "model");
  const auto variant = models::runtime::Variant::parse(parsed.get_or("variant", ""));
  auto model = LlamaModel::load(path, variant);
  profile.model = path.stem().string();
  profile.variant = variant_text(variant);

  GenerateOptions opt;
  try {
    opt.strategy = parse_strategy(parsed.get_or("strategy", "ar"));
  } catch (const Error& e) {
    throw UsageError(e.what_text(), "--strategy");
  }
  const long n_layers = long(model.n_layers());
  const long exit_layer = parsed.get_long("exit-layer", n_layers / 2);
  const long speculations = parsed.get_long("speculations", 4);
  const long max_tokens = parsed.get_long("max-tokens", 32);
  if (exit_layer < 0) throw UsageError("--exit-layer must not be negative");
  if (speculations < 1) throw UsageError("--speculations must be at least 1");
  if (max_tokens < 1) throw UsageError("--max-tokens must be at least 1");
  opt.exit_layer = std::size_t(exit_layer);
  opt.speculations = std::size_t(speculations);
  opt.max_new_tokens = std::size_t(max_tokens);
  opt.stop_at_eos = false;  // a fixed amount of work per profile
  const std::string prompt_text = parsed.get_or("prompt", "Once upon a time");
  const ByteTokenizer tok(model.config().bos_id, model.config().eos_id);
  const auto prompt = tok.encode_prompt(prompt_text);
  profile.workload =
      "generate " + std::to_string(max_tokens) + " tokens, strategy " +
      std::string(to_string(opt.strategy)) +
      (opt.strategy == Strategy::kAutoregressive ? std::string()
                                                 : ", exit layer " + std::to_string(exit_layer)) +
      (opt.strategy == Strategy::kSelfSpeculative
           ? ", " + std::to_string(speculations) + " speculations"
           : std::string());

  model.reset();
  model.reset_counters();
  monitor.begin_window("run");
  const auto gen = generate(model, prompt, opt);
  profile.run = monitor.end_window("run");
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

  // One decode step (one row) at the shortest context any layer holds after the real run; every
  // repetition crops the cache back and re-embeds the token so state and activations stay put.
  std::size_t pos = model.cached(0);
  for (std::size_t l = 0; l < model.n_layers(); ++l)
    pos = std::min(pos, model.cached(l));
  pos = std::min(pos, model.config().context_length - 1);
  const int token[1] = {prompt.back()};
  for (std::size_t l = 0; l < model.n_layers(); ++l) {
    profile.components.push_back(repeat_component(
        monitor, setup, "llm.layer." + std::to_string(l),
        "one decode step (1 row) at position " + std::to_string(pos) +
            ", after re-embedding one token",
        layer_counts[l],
        [&] {
          model.crop(pos);
          model.embed(token);
          model.run_layers(l, l + 1, pos, 1);
        },
        [&, l] { return model.layer_invocations()[l]; }));
  }
  profile.components.push_back(repeat_component(
      monitor, setup, "llm.head", "one exit (final norm + LM head) on 1 row", head_count,
      [&] { (void)model.exit_logits(1); }, [&] { return model.head_invocations(); }));
  model.reset();
  profile.notes.push_back(
      "repetitions are one-row decode steps; the prompt prefill (and self-speculative "
      "verification) invocations process several rows, so their attributed share is a lower "
      "bound");
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
    components.push_back(
        {{"name", c.name},
         {"method", "repeated"},
         {"method_reason", kBusyTimeReason},
         {"invocation", c.invocation},
         {"real_invocations", c.real_invocations},
         {"repetitions", c.repetitions},
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
  out << "\n  components (method: repeated, one representative invocation in a loop of at least "
      << fmt("%.0f", setup.min_window_s * 1e3) << " ms; " << kBusyTimeReason << "):\n";
  out << "    " << pad("component", 22) << pad("invocations", 13) << pad("repetitions", 13)
      << pad("time/inv", 14) << pad("energy/inv", 14) << pad("attributed time", 17)
      << "attributed energy\n";
  for (const auto& c : p.components) {
    out << "    " << pad(c.name, 22) << pad(std::to_string(c.real_invocations), 13)
        << pad(std::to_string(c.repetitions), 13)
        << pad(fmt("%.4g", c.time_per_invocation_s * 1e6) + " us", 14)
        << pad(c.energy_per_invocation_j ? fmt("%.4g", *c.energy_per_invocation_j * 1e6) + " uJ"
                                         : std::string("unavailable"),
               14)
        << pad(fmt("%.4g", c.attributed_time_s) + " s", 17)
        << (c.attributed_energy_j ? fmt("%.4g", *c.attributed_energy_j) + " J"
                                  : std::string("unavailable"))
        << "\n";
  }
  for (const auto& c : p.components)
    out << "    " << pad(c.name, 22) << "repeats " << c.invocation << "\n";
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
            "[--min-window-ms T] [--powercap-root DIR] [--json] [-o DIR]"
          : "erg profile llm --model M [--variant V] [--strategy ar|exit|selfspec] "
            "[--exit-layer E] [--speculations d] [--prompt TEXT] [--max-tokens N] "
            "[--min-window-ms T] [--powercap-root DIR] [--json] [-o DIR]",
      "Profiles a model variant in process: one window (time, energy per domain, counters) "
      "around the real run with the real invocation count of every component, then each "
      "component's time and energy per invocation from repeating one representative invocation "
      "in a loop for at least --min-window-ms, attributed as per-invocation x real count. Where "
      "energy is unavailable it says why and still reports times and counters.");
  parser.option("model", "M", "model name under models/weights or a .safetensors path")
      .option("variant", "V", "per-component transforms, as for erg run");
  if (asr) {
    parser.option("beam", "N", "beam search with N hypotheses (default greedy)")
        .option("testset", "DIR", "test set directory or .tsv (default tests/fixtures/asr/testset)")
        .option("utterances", "K", "utterances recognized in the real run (default 2)");
  } else {
    parser.option("strategy", "S", "ar (default), exit or selfspec")
        .option("exit-layer", "E", "exit/drafter depth (default L/2)")
        .option("speculations", "d", "tokens drafted per self-speculative round (default 4)")
        .option("prompt", "TEXT", "prompt (default 'Once upon a time')")
        .option("max-tokens", "N", "tokens generated in the real run (default 32)");
  }
  parser.option("min-window-ms", "T", "shortest repetition window per component (default 200)")
      .option("source", "NAME", "energy source: auto (default), powercap or perf")
      .option("powercap-root", "DIR", "powercap tree (default /sys/class/powercap)")
      .flag("json", "print JSON")
      .option("output", "DIR", "also write model_profile.json into DIR (also -o)");
  const auto parsed = parser.parse(args);
  if (parsed.help) {
    std::cout << parser.help();
    return 0;
  }
  if (!parsed.has("model")) throw UsageError("missing --model", "erg profile " + target);
  Setup setup;
  setup.target = target;
  setup.json = parsed.has("json");
  setup.min_window_s = parsed.get_double("min-window-ms", 200) / 1e3;
  if (!(setup.min_window_s >= 0.001))
    throw UsageError("--min-window-ms must be at least 1 (RAPL updates about every 1 ms)");
  if (auto dir = parsed.get("output")) setup.out_dir = *dir;

  ModelProfile profile;
  auto monitor = open_monitor(parsed, profile);
  if (asr)
    profile_asr(parsed, setup, *monitor, profile);
  else
    profile_llm(parsed, setup, *monitor, profile);

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
