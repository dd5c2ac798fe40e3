#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/arg_parser.hpp"
#include "cli/command.hpp"
#include "cli/json_output.hpp"
#include "cli/profile_model.hpp"
#include "core/error.hpp"
#include "profiler/command_runner.hpp"
#include "profiler/energy_source.hpp"
#include "profiler/idle_baseline.hpp"
#include "profiler/measurement_window.hpp"
#include "profiler/power_sampler.hpp"
#include "profiler/profile_json.hpp"
#include "profiler/repetition.hpp"

namespace erg::cli {
namespace {

namespace fs = std::filesystem;
using profiler::CommandResult;
using profiler::RepetitionReport;
using profiler::Summary;

constexpr const char* kUsage =
    "erg profile [--interval MS] [--repeat K] [--warmup K] [--baseline S] "
    "[--source auto|powercap|perf] [--powercap-root DIR] [--max-power W] [--no-counters] "
    "[--json|--csv] [-o DIR] -- CMD [ARGS...]\n"
    "       erg profile asr|llm --model M [OPTIONS]  (in process; see erg profile asr --help)";

// Bounds of the numeric options (checked where they are parsed).
constexpr double kMaxIntervalMs = 60'000;
constexpr long kMaxRuns = 100'000;
constexpr double kMaxBaselineS = 3'600;
constexpr double kMaxPowerW = 1e6;

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

std::string join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv)
    out += (out.empty() ? "" : " ") + a;
  return out;
}

// "1.002 s +- 0.3% (95% CI 0.998 .. 1.006)" for k > 1, the bare value for one run.
std::string with_spread(const Summary& s, const char* format, const char* unit) {
  std::string out = fmt(format, s.mean) + (*unit ? " " : "") + unit;
  if (s.n > 1) {
    out += "  +- " + (s.cv ? fmt("%.1f", *s.cv * 100) + "%" : fmt(format, s.stddev));
    out += "  (95% CI " + fmt(format, *s.ci95_low) + " .. " + fmt(format, *s.ci95_high) + ")";
  }
  return out;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.resize(width, ' ');
  return text;
}

struct Context {
  std::vector<std::string> command;
  int repeat = 1;
  int warmup = 0;
  double interval_ms = 10;
  std::optional<profiler::IdleBaseline> baseline;
  std::string energy_reason;  // set when energy is unavailable
  std::vector<std::string> source_warnings;
  std::optional<fs::path> timeline_csv;
  std::optional<fs::path> timeline_json;
  std::uint64_t samples_taken = 0;
  double sampler_cpu_s = 0;
  std::vector<int> exit_status;
  std::string counters_reason;
};

void print_text(const Context& ctx, const RepetitionReport& report, std::ostream& out) {
  out << "\n Profile of '" << join(ctx.command) << "'";
  if (ctx.repeat > 1) out << " (" << ctx.repeat << " runs)";
  if (ctx.warmup > 0) out << " after " << ctx.warmup << " warm-up run(s)";
  out << ":\n\n  time: " << with_spread(report.time_s, "%.4f", "s") << "\n";
  const auto& first = report.runs.front();
  if (!first.energy_available) {
    out << "  energy: unavailable (" << ctx.energy_reason << ")\n";
  } else {
    out << "  energy (" << first.energy_source << "):\n";
    for (std::size_t d = 0; d < report.domain_energy_j.size(); ++d) {
      const auto& [name, s] = report.domain_energy_j[d];
      out << "    " << pad(name, 22) << with_spread(s, "%.6g", "J") << "   "
          << fmt("%.3f", s.mean / report.time_s.mean) << " W"
          << (first.domains[d].in_total ? "" : "  (inside its package)") << "\n";
    }
    out << "    " << pad("total", 22) << with_spread(*report.total_energy_j, "%.6g", "J") << "   "
        << fmt("%.3f", report.total_energy_j->mean / report.time_s.mean) << " W\n";
    if (report.net_total_energy_j) {
      out << "    " << pad("net of idle", 22)
          << with_spread(*report.net_total_energy_j, "%.6g", "J") << "   (idle baseline over "
          << fmt("%.2f", ctx.baseline->duration_s) << " s subtracted)\n";
    }
  }
  if (!first.counters.empty()) {
    out << "  counters:\n";
    for (const auto& c : first.counters) {
      out << "    " << pad(c.name, 22);
      if (!c.supported) {
        out << "unsupported: " << c.reason << "\n";
        continue;
      }
      const auto it = std::find_if(report.counters.begin(), report.counters.end(),
                                   [&](const auto& p) { return p.first == c.name; });
      if (it == report.counters.end()) {
        out << "not counted (the group never got onto the PMU)\n";
        continue;
      }
      out << with_spread(it->second, "%.0f", "");
      if (c.running_fraction < 0.999)
        out << "  (" << fmt("%.0f", c.running_fraction * 100) << "% counted, scaled)";
      out << "\n";
    }
  } else if (!ctx.counters_reason.empty()) {
    out << "  counters: unavailable (" << ctx.counters_reason << ")\n";
  }
  if (ctx.timeline_csv) {
    out << "  timeline: " << ctx.timeline_csv->string() << " (" << ctx.samples_taken
        << " samples at " << ctx.interval_ms << " ms; sampler used "
        << fmt("%.3f", ctx.sampler_cpu_s) << " s of CPU)\n";
  } else {
    out << "  timeline: none (energy unavailable)\n";
  }
  for (const auto& w : ctx.source_warnings)
    out << "  warning: " << w << "\n";
  for (const auto& w : report.warnings)
    out << "  warning: " << w << "\n";
  out << "\n";
}

void print_csv(const RepetitionReport& report, const Context& ctx, std::ostream& out) {
  const auto& first = report.runs.front();
  out << "run,exit_status,time_s,total_energy_j,net_total_energy_j";
  for (const auto& d : first.domains)
    out << "," << d.name << "_energy_j";
  for (const auto& c : first.counters)
    out << "," << c.name;
  out << "\n";
  for (std::size_t r = 0; r < report.runs.size(); ++r) {
    const auto& w = report.runs[r];
    out << r << "," << ctx.exit_status[r] << "," << w.time_s << ",";
    if (w.energy_available) out << w.total_energy_j;
    out << ",";
    if (w.baseline_subtracted) out << w.net_total_energy_j;
    for (const auto& d : w.domains)
      out << "," << d.energy_j;
    for (const auto& c : w.counters) {
      out << ",";
      if (c.supported && c.counted) out << c.scaled;
    }
    out << "\n";
  }
}

nlohmann::json to_json(const Context& ctx, const RepetitionReport& report) {
  nlohmann::json runs = nlohmann::json::array();
  for (std::size_t r = 0; r < report.runs.size(); ++r) {
    auto run = profiler::to_json(report.runs[r]);
    run["exit_status"] = ctx.exit_status[r];
    runs.push_back(run);
  }
  nlohmann::json energy{{"available", report.runs.front().energy_available}};
  if (!ctx.energy_reason.empty()) energy["reason"] = ctx.energy_reason;
  energy["baseline"] = ctx.baseline ? profiler::to_json(*ctx.baseline) : nlohmann::json(nullptr);
  energy["warnings"] = ctx.source_warnings;
  nlohmann::json timeline{{"interval_ms", ctx.interval_ms}, {"samples_taken", ctx.samples_taken}};
  timeline["csv"] = ctx.timeline_csv ? nlohmann::json(ctx.timeline_csv->string()) : nullptr;
  timeline["json"] = ctx.timeline_json ? nlohmann::json(ctx.timeline_json->string()) : nullptr;
  timeline["sampler_cpu_s"] = ctx.sampler_cpu_s;
  return {{"command", ctx.command}, {"repetitions", ctx.repeat},
          {"warmup", ctx.warmup},   {"energy", energy},
          {"runs", runs},           {"summary", profiler::to_json(report)},
          {"timeline", timeline}};
}

int run_profile(std::span<const std::string> raw_args) {
  if (!raw_args.empty() && (raw_args.front() == "asr" || raw_args.front() == "llm"))
    return run_profile_model(raw_args.front(), raw_args.subspan(1));
  // The parser knows only long options; -o is the one short spelling erg profile accepts.
  std::vector<std::string> args(raw_args.begin(), raw_args.end());
  for (auto& a : args) {
    if (a == "--") break;
    if (a == "-o") a = "--output";
  }
  ArgParser parser(kUsage,
                   "Runs a command like 'perf stat' and reports its time, energy per RAPL domain "
                   "(with average power), perf counters and a power timeline file. With --repeat "
                   "it reports mean, standard deviation, a 95% confidence interval (Student's t) "
                   "and the coefficient of variation. Where the machine has no readable RAPL, it "
                   "says why and still reports time and counters.");
  parser.option("interval", "MS", "power timeline sampling interval, 0.1 to 60000 (default 10)")
      .option("repeat", "K", "measured runs, 1 to 100000 (default 1)")
      .option("warmup", "K", "unmeasured runs first, 0 to 100000 (default 0)")
      .option("baseline", "S",
              "measure idle power for S seconds (at most 3600) first and subtract it")
      .option("source", "NAME", "energy source: auto (default), powercap or perf")
      .option("powercap-root", "DIR", "powercap tree (default /sys/class/powercap)")
      .option("sys", "DIR", "sysfs root for the perf power PMU (default /sys)")
      .option("max-power", "W",
              "upper bound on domain power for the wrap-poll interval (above 0, at most 1e6)")
      .flag("no-counters", "do not open perf counters")
      .flag("json", "print JSON (and write timeline.json)")
      .flag("csv", "print one CSV row per run")
      .option("output", "DIR", "directory for timeline files (also -o; default .)")
      .positionals("TARGET", 0, 1,
                   "asr or llm: in-process model profiling (erg profile asr --help)")
      .passthrough("the command to run and its arguments");
  const auto parsed = parser.parse(args);
  if (parsed.help) {
    std::cout << parser.help();
    return 0;
  }
  if (!parsed.positionals.empty()) {
    throw UsageError("unknown profile target '" + parsed.positionals.front() +
                     "': expected asr, llm or -- CMD [ARGS...]");
  }
  if (parsed.passthrough.empty())
    throw UsageError("no command to run", "usage: " + std::string(kUsage));
  if (parsed.has("json") && parsed.has("csv"))
    throw UsageError("--json and --csv exclude each other");

  Context ctx;
  ctx.command = parsed.passthrough;
  ctx.interval_ms = parsed.get_double("interval", 10, 0.1, kMaxIntervalMs);
  ctx.repeat = static_cast<int>(parsed.get_int("repeat", 1, 1, kMaxRuns));
  ctx.warmup = static_cast<int>(parsed.get_int("warmup", 0, 0, kMaxRuns));
  const double baseline_s = parsed.get_double("baseline", 0, 0, kMaxBaselineS);

  profiler::EnergySourceOptions source_options;
  const bool source_given = parsed.has("source");
  try {
    source_options.kind = profiler::parse_energy_source_kind(parsed.get_or("source", "auto"));
  } catch (const Error& e) {
    throw UsageError(e.what_text());
  }
  if (auto root = parsed.get("powercap-root")) {
    source_options.powercap_root = *root;
    // A powercap tree named on the command line is what the user wants read.
    if (!source_given) source_options.kind = profiler::EnergySourceKind::kPowercap;
  }
  source_options.sys_root = parsed.get_or("sys", "/sys");
  if (parsed.has("max-power"))
    source_options.max_power_w = parsed.get_double_above("max-power", 0, 0, kMaxPowerW);

  std::unique_ptr<profiler::EnergySource> source;
  try {
    source = profiler::open_energy_source(source_options);
  } catch (const UnavailableError& e) {
    ctx.energy_reason = e.what();
  } catch (const Error& e) {
    if (source_given) throw;  // the user asked for this source: its fix is the answer
    ctx.energy_reason = e.what();
  }

  const fs::path out_dir = parsed.get_or("output", ".");
  std::unique_ptr<profiler::PowerSampler> sampler;
  if (source) {
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    if (ec) throw Error("cannot create the output directory: " + ec.message(), out_dir.string());
    ctx.timeline_csv = out_dir / "timeline.csv";
    profiler::SamplerOptions sampler_options;
    sampler_options.interval_s = ctx.interval_ms / 1e3;
    sampler_options.stream_csv = *ctx.timeline_csv;
    sampler = std::make_unique<profiler::PowerSampler>(*source, sampler_options);
    if (baseline_s > 0) ctx.baseline = profiler::measure_idle_baseline(*source, baseline_s);
  }
  profiler::EnergyMonitor monitor(std::move(source), ctx.energy_reason);
  if (ctx.baseline) monitor.set_baseline(*ctx.baseline);

  profiler::CommandOptions command_options;
  command_options.count = !parsed.has("no-counters");
  if (sampler) sampler->start();
  std::vector<profiler::WindowResult> windows;
  int failed_status = 0;
  for (int i = 0; i < ctx.warmup + ctx.repeat; ++i) {
    auto result = profiler::run_measured_command(ctx.command, monitor, "command", command_options);
    if (i >= ctx.warmup) {
      ctx.counters_reason = result.counters_unavailable_reason;
      ctx.exit_status.push_back(result.exit_status);
      windows.push_back(std::move(result.window));
    }
    if (result.exit_status != 0) {
      failed_status = result.exit_status;
      break;
    }
  }
  if (sampler) {
    sampler->stop();
    ctx.samples_taken = sampler->taken();
    ctx.sampler_cpu_s = sampler->cpu_time_s();
    if (parsed.has("json")) {
      ctx.timeline_json = out_dir / "timeline.json";
      std::ofstream json_out(*ctx.timeline_json);
      json_out << with_envelope("power_timeline", sampler->to_json()).dump(1) << "\n";
      if (!json_out) throw Error("cannot write the timeline", ctx.timeline_json->string());
    }
  }
  if (monitor.source()) ctx.source_warnings = monitor.source()->warnings();
  if (windows.empty()) {
    throw Error(
        "the command failed during warm-up with exit status " + std::to_string(failed_status),
        join(ctx.command));
  }
  const auto report = profiler::summarize_runs(std::move(windows));
  if (parsed.has("json")) {
    std::cout << with_envelope("profile", to_json(ctx, report)).dump(2) << "\n";
  } else if (parsed.has("csv")) {
    print_csv(report, ctx, std::cout);
  } else {
    print_text(ctx, report, std::cout);
  }
  if (failed_status != 0) {
    throw Error("the command exited with status " + std::to_string(failed_status) +
                    " (the runs before it are reported above)",
                join(ctx.command));
  }
  return 0;
}

const CommandRegistrar kRegistrar({"profile",
                                   "run a command and measure its energy, power and counters",
                                   run_profile});

}  // namespace
}  // namespace erg::cli
