#include "cli/profile_model.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/arg_parser.hpp"
#include "cli/json_output.hpp"
#include "cli/run_options.hpp"
#include "core/error.hpp"
#include "profiler/energy_source.hpp"
#include "sweep/model_profile.hpp"

namespace erg::cli {
namespace {

namespace fs = std::filesystem;
using profiler::WindowResult;
using sweep::ModelProfile;

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.resize(width, ' ');
  return text;
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

void print_text(const ModelProfile& p, std::ostream& out) {
  const auto& setup = p.thresholds;
  out << "\n Profile of " << p.target << " model " << p.model << " (" << p.variant
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
  out << "\n  components (method window: a component busy >= "
      << profiler::ms_text(setup.min_window_s)
      << " in the real run with a mean invocation >= " << profiler::ms_text(setup.min_invocation_s)
      << ", measured over its own invocations, energy read at each begin and end in a second "
         "run; method repeated: one representative invocation in a loop of at least "
      << profiler::ms_text(setup.min_window_s) << "):\n";
  out << "    " << pad("component", 22) << pad("method", 10) << pad("invocations", 13)
      << pad("busy", 12) << pad("time/inv", 14) << pad("energy/inv", 14)
      << pad("attributed time", 17) << "attributed energy\n";
  for (const auto& c : p.components) {
    out << "    " << pad(c.name, 22) << pad(c.method, 10)
        << pad(std::to_string(c.real_invocations), 13) << pad(profiler::ms_text(c.busy_time_s), 12)
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
  out << "\n  attributed: " << fmt("%.4g", profiler::attributed_time_sum_s(p.components))
      << " s of the run's " << fmt("%.4g", p.run.time_s) << " s";
  if (p.run.energy_available)
    out << "; " << fmt("%.4g", profiler::attributed_energy_sum_j(p.components)) << " J of its "
        << fmt("%.4g", p.run.total_energy_j) << " J";
  else
    out << "; energy: unavailable (" << p.run.energy_unavailable_reason << ")";
  out << "\n";
  for (const auto& n : p.notes)
    out << "  note: " << n << "\n";
  out << "\n";
}

// --source and --powercap-root: a tree named explicitly is read as powercap unless --source says
// otherwise.
void read_source_options(const ParsedArgs& parsed, sweep::ModelProfileRequest& request) {
  request.source_explicit = parsed.has("source");
  try {
    request.source.kind = profiler::parse_energy_source_kind(parsed.get_or("source", "auto"));
  } catch (const Error& e) {
    throw UsageError(e.what_text(), "--source");
  }
  if (auto root = parsed.get("powercap-root")) {
    request.source.powercap_root = *root;
    if (!request.source_explicit) request.source.kind = profiler::EnergySourceKind::kPowercap;
  }
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
  sweep::ModelProfileRequest request;
  request.target = target;
  request.model = run.model;
  request.variant = run.variant;
  // 0 is allowed for both: every invoked component then gets a window (and a repetition loop,
  // if any, runs once); below ~1 ms the energy figures are mostly quantization.
  request.thresholds.min_window_s = parsed.get_double("min-window-ms", 200, 0, 3'600'000) / 1e3;
  request.thresholds.min_invocation_s =
      parsed.get_double("min-invocation-ms", 10, 0, 3'600'000) / 1e3;
  read_source_options(parsed, request);
  if (asr) {
    request.utterances = static_cast<std::size_t>(parsed.get_int("utterances", 2, 1, 1'000'000));
    if (auto testset = parsed.get("testset")) request.testset = *testset;
    request.decode = [&run](float model_penalty) { return asr_decode_options(run, model_penalty); };
  } else {
    if (run.generate.max_new_tokens < 1)
      throw UsageError("--max-tokens 0 is too small (at least 1: a profile needs a run)");
    request.prompt = parsed.get_or("prompt", "Once upon a time");
    request.generate = [&run](std::size_t n_layers) { return llm_generate_options(run, n_layers); };
  }
  std::optional<fs::path> out_dir;
  if (auto dir = parsed.get("output")) out_dir = *dir;

  const auto profile = load_with_variant([&] { return sweep::profile_model(request); });
  // Generated bytes need not be valid UTF-8; invalid sequences print as U+FFFD.
  const auto body = with_envelope("model_profile", sweep::to_json(profile));
  if (out_dir) {
    std::error_code ec;
    fs::create_directories(*out_dir, ec);
    if (ec) throw Error("cannot create the output directory: " + ec.message(), out_dir->string());
    const auto file = *out_dir / "model_profile.json";
    std::ofstream out(file);
    out << body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!out) throw Error("cannot write the profile", file.string());
  }
  if (run.json)
    std::cout << body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else
    print_text(profile, std::cout);
  return 0;
}

}  // namespace erg::cli
