#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "cli/arg_parser.hpp"
#include "cli/command.hpp"
#include "core/error.hpp"
#include "sweep/experiment.hpp"

namespace erg::cli {
namespace {

std::atomic<bool> g_cancel{false};

extern "C" void on_sigint(int) {
  g_cancel = true;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

void print_table(const nlohmann::json& summary) {
  const std::string metric = summary.value("accuracy_metric", "");
  const std::string unit = summary.value("energy_unit", "");
  std::cout << summary["name"].get<std::string>() << ": " << summary["strategy"].get<std::string>()
            << " over " << summary["model"].get<std::string>() << " ("
            << summary["energy_source"].get<std::string>() << " energy, uJ per " << unit << ")\n";
  for (const auto& p : summary["per_preset"]) {
    std::cout << "\n  preset " << p["preset"].get<std::string>() << "\n";
    auto line = [&](const char* label, const nlohmann::json& d) {
      std::cout << "    " << label << fixed(d["energy_per_unit_uj"].get<double>(), 3) << " uJ";
      if (!metric.empty() && d.contains(metric)) {
        std::cout << "  " << metric << " " << fixed(d[metric].get<double>(), 3);
      }
      std::cout << "  ["
                << (d["variant"].get<std::string>().empty() ? "uncompressed"
                                                            : d["variant"].get<std::string>())
                << "]\n";
    };
    if (p.contains("baseline")) {
      line("baseline        ", p["baseline"]);
      std::cout << "    energy share   ";
      for (const auto& [name, share] : p["baseline"]["energy_shares"].items()) {
        std::cout << "  " << name << " " << fixed(100 * share.get<double>(), 1) << " %";
      }
      std::cout << "\n";
    }
    if (p.contains("uniform_best")) line("best uniform    ", p["uniform_best"]);
    if (p.contains("best")) line("best            ", p["best"]);
    if (p.contains("energy_saved_fraction")) {
      std::cout << "    saved vs baseline       "
                << fixed(100 * p["energy_saved_fraction"].get<double>(), 1) << " %\n";
    }
    if (p.contains("saved_vs_uniform_fraction")) {
      std::cout << "    saved vs best uniform   "
                << fixed(100 * p["saved_vs_uniform_fraction"].get<double>(), 1) << " %\n";
    }
    if (p.contains("order")) {
      std::cout << "    compression order found:";
      for (const auto& c : p["order"])
        std::cout << " " << c.get<std::string>();
      if (p.contains("order_is_significant") && p["order_is_significant"].is_boolean())
        std::cout << (p["order_is_significant"].get<bool>()
                          ? " (significant: adjacent sensitivity CIs do not overlap)"
                          : " (not significant: adjacent sensitivity CIs overlap)");
      std::cout << "\n    pinned in local memory:";
      if (!p.contains("pinned") || p["pinned"].empty()) std::cout << " none";
      for (const auto& c : p.value("pinned", nlohmann::json::array()))
        std::cout << " " << c.get<std::string>();
      std::cout << "\n";
    }
    if (p.contains("principle") && p["principle"].is_object() &&
        p["principle"].contains("verdict")) {
      const auto& h = p["principle"];
      std::cout << "    " << h.value("claimed_first", std::string("?"))
                << " first (paper): " << h["verdict"].get<std::string>();
      if (h.contains("reason")) std::cout << ": " << h["reason"].get<std::string>();
      std::cout << "\n";
    }
  }
}

int run_merge(std::span<const std::string> args) {
  ArgParser parser("erg sweep merge SHARD_DIR... -o DIR",
                   "Joins the result stores of shards run with --shard i/N into DIR and writes "
                   "its results.csv and summary.json.");
  parser.option("o", "DIR", "output directory").positionals("SHARD_DIR", 1, -1, "shard outputs");
  const auto parsed = parser.parse(args);
  if (parsed.help) {
    std::cout << parser.help();
    return 0;
  }
  const auto out = parsed.get("o");
  if (!out) throw UsageError("missing -o DIR");
  std::vector<std::filesystem::path> dirs(parsed.positionals.begin(), parsed.positionals.end());
  const auto summary = sweep::merge_experiments(dirs, *out);
  print_table(summary);
  std::cout << "\nmerged " << summary["rows"].get<std::size_t>() << " rows into " << *out << "\n";
  return 0;
}

int run_sweep(std::span<const std::string> args) {
  if (!args.empty() && args[0] == "merge") return run_merge(args.subspan(1));
  ArgParser parser(
      "erg sweep SPEC -o DIR [--threads N] [--shard i/N] [--force-new] [--quiet] [--json]",
      "Runs an experiment spec (configs/*.toml): evaluates model variants with the spec's "
      "evaluator and strategy, appending one row per variant to DIR/results.jsonl (rerunning "
      "the same spec skips finished rows), then writes results.csv and summary.json and prints "
      "a table. A DIR that holds a sweep of another spec is refused (exit 2), so that no rows "
      "mix; --force-new moves that sweep's files into DIR/superseded-N/ (nothing is deleted) "
      "and starts afresh. 'erg sweep merge' joins shards.");
  parser.option("o", "DIR", "output directory (created if needed)")
      .option("threads", "N", "worker threads (default: hardware threads)")
      .option("shard", "i/N", "evaluate only jobs i, i+N, ... (grid and random strategies)")
      .flag("force-new",
            "start a fresh store: move the sweep already in DIR (spec.toml, results.jsonl, "
            "results.csv, summary.json, report/) into DIR/superseded-N/")
      .flag("quiet", "no progress bar")
      .flag("json", "print summary.json instead of the table")
      .positionals("SPEC", 1, 1, "experiment spec (TOML)");
  const auto parsed = parser.parse(args);
  if (parsed.help) {
    std::cout << parser.help();
    return 0;
  }
  const auto out = parsed.get("o");
  if (!out) throw UsageError("missing -o DIR");
  sweep::SweepOptions options;
  options.threads = parsed.get_threads("threads", hardware_threads());
  if (auto shard = parsed.get("shard")) options.shard = sweep::Shard::parse(*shard);
  options.progress = !parsed.has("quiet");
  options.cancel = &g_cancel;
  options.force_new = parsed.has("force-new");
  std::signal(SIGINT, on_sigint);
  const auto spec = sweep::load_experiment_spec(parsed.positionals[0]);
  const auto summary = sweep::run_experiment(spec, *out, options);
  if (summary.contains("superseded_dir")) {
    std::cerr << "erg sweep: --force-new moved the sweep that was in " << *out << " to "
              << summary["superseded_dir"].get<std::string>() << "\n";
  }
  if (parsed.has("json")) {
    std::cout << summary.dump(2) << "\n";
  } else {
    print_table(summary);
    // Rows not evaluated now came from an earlier run; a strategy also asks again for points it
    // evaluated a step before (the baseline, a kept step), which the store answers.
    const auto rows = summary["rows"].get<std::size_t>();
    const auto now = summary["evaluated_now"].get<std::size_t>();
    const auto earlier = rows > now ? rows - now : 0;
    std::cout << "\n"
              << rows << " rows (" << now << " evaluated now, " << earlier
              << " from an earlier run; " << summary["skipped_finished"].get<std::size_t>()
              << " requests answered from the store) in " << *out << "/results.jsonl; summary in "
              << *out << "/summary.json\n";
  }
  return 0;
}

const CommandRegistrar kRegistrar({"sweep", "search model variants for low-energy designs",
                                   run_sweep});

}  // namespace
}  // namespace erg::cli
